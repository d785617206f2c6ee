/* The URLs of a ringfetch run, produced one at a time: first the
 * command-line arguments, then the lines of the list. The list is not read
 * here: the front end feeds it the chunks the engine reads for it through
 * the backend (rf_options.inputs), so that a list on a slow pipe or a
 * terminal never holds up a transfer. When no whole line is buffered yet,
 * urllist_next says URLLIST_MORE and the front end answers RF_JOB_LATER.
 * Memory stays the same whatever the length of the list (or of a hostile
 * line): at most URLLIST_PENDING_BYTES are buffered.
 *
 * List syntax: one URL per line; surrounding blanks (space, tab, CR, VT, FF)
 * are trimmed; empty lines and lines whose first non-blank character is '#'
 * are skipped ('#' elsewhere belongs to the URL). A UTF-8 byte order mark
 * at the start of the list (editors on some systems write one) is skipped.
 *
 * aria2's input-file convention: a URL line may be followed by option lines
 * for that URL, each indented (starting with a space or a tab) and of the
 * form NAME=VALUE, NAME being letters, digits and '-' ("  out=a.bin",
 * "\tdir=sub"). An indented line of any other form is a URL line as before
 * ("  http://x/a"). The options are given with the item as they are
 * written (blanks around the line trimmed); judging them (out=, dir= and
 * nothing else; safe names) is the caller's business (outpath.h).
 *
 * Since option lines follow their URL, a URL line of a file is given out
 * only once the first byte of the next line shows that no option line
 * follows, or the list ends. A list on a pipe or a terminal (a stream:
 * urllist_stream) is not waited for: there a URL line is given out as soon
 * as nothing more of the list has arrived, so that a URL typed or sent
 * alone is fetched when its line ends; its option lines must arrive with
 * it (in the same write: a producer writes a URL and its options at once),
 * and an option line that comes later is an error of its own
 * (URLLIST_P_LATE_OPTION). */
#ifndef RF_CLI_URLLIST_H
#define RF_CLI_URLLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/shard.h"
#include "ringfetch/limits.h"

/* Longest raw line kept: a trimmed URL is at most RF_URL_MAX_BYTES - 1
 * bytes, with room for some blanks around it. */
#define URLLIST_LINE_MAX (2 * RF_URL_MAX_BYTES)
/* Bytes of the list buffered and not parsed yet: feeding stops (the
 * engine's read pauses) once a chunk's worth is waiting. */
#define URLLIST_PENDING_BYTES 65536
/* An option's name longer than this is not one we could know: the words of
 * a refusal keep this much of it. */
#define URLLIST_OPTION_NAME_MAX 32

/* A line's problem besides -E2BIG and -EILSEQ (outside the errno range). */
enum urllist_problem {
    URLLIST_P_STRAY_OPTION = -4201, /* an option line with no URL line right before it:
                                       url holds the option line */
    URLLIST_P_LATE_OPTION = -4202,  /* an option line right after a URL line that was
                                       already given out (a stream): url holds it */
};

/* What went wrong with a URL's option lines (the first such problem). */
enum urllist_opt_problem {
    URLLIST_OPT_OK = 0,
    URLLIST_OPT_UNKNOWN = 1,   /* a NAME other than out and dir */
    URLLIST_OPT_TWICE = 2,     /* the same NAME twice for one URL */
    URLLIST_OPT_LINE = 3,      /* the option line is too long or holds a NUL byte */
};

struct urllist_item {
    const char *url;      /* NUL-terminated, trimmed; valid until the next call */
    size_t url_len;       /* its length (a line with a NUL byte: the whole trimmed line) */
    bool from_list;       /* true: a line of the list file */
    unsigned long index;  /* line number in the list (1-based), or argument number (1-based) */
    int problem;          /* 0, or -E2BIG (line too long: url holds its start),
                             -EILSEQ (the line holds a NUL byte), URLLIST_P_STRAY_OPTION,
                             URLLIST_P_LATE_OPTION */
    const char *out;      /* out=NAME of its option lines, as written; NULL when none */
    const char *dir;      /* dir=DIR of its option lines, as written; NULL when none */
    int opt_problem;      /* an enum urllist_opt_problem */
    unsigned long opt_line;                  /* with opt_problem: the line at fault */
    char opt_name[URLLIST_OPTION_NAME_MAX + 1]; /* with opt_problem: its NAME (cut) */
};

/* Private to urllist.c: what a whole line is (a line to skip, a URL or an
 * option: enum in urllist.c), its trimmed text, NUL-terminated in place,
 * and for an option the length of its NAME (the value follows the '='). */
struct urllist_parts {
    int kind;
    char *s;
    size_t len, name_len;
};

/* One line of the list being assembled. */
struct urllist_line {
    char buf[URLLIST_LINE_MAX + 1];
    size_t len;
    int problem;          /* 0, -E2BIG, -EILSEQ */
};

struct urllist {
    char *const *args;
    size_t nargs, next_arg;
    bool has_list;        /* a list follows the arguments */
    bool list_over;       /* its end was fed */
    bool stream;          /* a pipe or a terminal: give a held URL out when nothing follows yet */
    bool attached;        /* the last line was a URL line or one of its option lines */
    int list_err;         /* a read error fed, -errno */
    unsigned long line;
    char pending[2 * URLLIST_PENDING_BYTES]; /* fed, not parsed: [start, end) */
    size_t start, end;
    struct urllist_line cur;   /* the line being assembled, or a whole line not yet judged */
    bool cur_whole;            /* cur is a whole line, judged, not yet taken */
    unsigned long cur_index;
    struct urllist_parts cur_parts; /* what cur was judged to be */
    /* The URL line waiting for its option lines, and what they said. */
    bool held;
    struct urllist_line held_line;
    const char *held_url;      /* into held_line.buf */
    size_t held_url_len;
    unsigned long held_index;
    char out[URLLIST_LINE_MAX + 1], dir[URLLIST_LINE_MAX + 1];
    bool has_out, has_dir;
    int opt_problem;
    unsigned long opt_line;
    char opt_name[URLLIST_OPTION_NAME_MAX + 1];
};

/* Start with the arguments; has_list says a list will be fed after them
 * (a file, until urllist_stream says otherwise). */
void urllist_init(struct urllist *l, char *const *args, size_t nargs, bool has_list);
/* Start the next list (the arguments are done): its lines count from 1.
 * The urllist_stream setting is kept. */
void urllist_next_list(struct urllist *l);
/* The list is a pipe or a terminal (true) or a file (false): see the top. */
void urllist_stream(struct urllist *l, bool stream);

/* Feed what was read from the list: len > 0 bytes, 0 at its end, or
 * -errno when reading failed. Returns true when enough is buffered that
 * reading should pause until urllist_next says URLLIST_MORE. At most
 * URLLIST_PENDING_BYTES may be fed between two URLLIST_MORE answers. */
bool urllist_feed(struct urllist *l, const char *buf, long len);

/* urllist_next's answers besides a negative errno. */
enum urllist_status {
    URLLIST_END = 0,  /* no more URLs, ever (for this list: see urllist_next_list) */
    URLLIST_ITEM = 1, /* *it was filled in */
    URLLIST_MORE = 2, /* no whole line buffered: feed more, then ask again */
};

/* The next URL into *it. Returns an enum urllist_status, or the -errno fed
 * when reading the list failed (after the URL lines before it). A URL that
 * is too long, a line with a NUL, or a stray or late option line is still returned
 * (with it->problem set) so that the caller counts it as an error naming
 * its line. */
int urllist_next(struct urllist *l, struct urllist_item *it);

/* Counting a list's items (for a progress total) from chunks, without
 * keeping more than one line: the same rules for blank lines, comments,
 * option lines and the BOM, and only the items of one shard. */
struct urllist_counter {
    struct shard shard;        /* count only this shard's items (n == 0: all) */
    unsigned long urls;        /* items in the lines ended so far */
    unsigned long line;        /* lines ended so far */
    bool attached;             /* private: an option line now would be its URL's */
    struct urllist_line cur;   /* private: the line so far */
};
void urllist_count(struct urllist_counter *c, const char *buf, size_t len);
/* The end of a list: its last line counted (if it had no newline), the
 * line count started again for the next list. Returns the items counted
 * so far, in every list. */
unsigned long urllist_count_end(struct urllist_counter *c);

#endif
