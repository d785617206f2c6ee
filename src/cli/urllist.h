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
 * at the start of the list (editors on some systems write one) is skipped. */
#ifndef RF_CLI_URLLIST_H
#define RF_CLI_URLLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "ringfetch/limits.h"

/* Longest raw line kept: a trimmed URL is at most RF_URL_MAX_BYTES - 1
 * bytes, with room for some blanks around it. */
#define URLLIST_LINE_MAX (2 * RF_URL_MAX_BYTES)
/* Bytes of the list buffered and not parsed yet: feeding stops (the
 * engine's read pauses) once a chunk's worth is waiting. */
#define URLLIST_PENDING_BYTES 65536

struct urllist_item {
    const char *url;      /* NUL-terminated, trimmed; valid until the next call */
    bool from_list;       /* true: a line of the list file */
    unsigned long index;  /* line number in the list (1-based), or argument number (1-based) */
    int problem;          /* 0, or -E2BIG (line too long: url holds its start),
                             -EILSEQ (the line holds a NUL byte) */
};

struct urllist {
    char *const *args;
    size_t nargs, next_arg;
    bool has_list;        /* a list follows the arguments */
    bool list_over;       /* its end was fed */
    int list_err;         /* a read error fed, -errno */
    unsigned long line;
    char pending[2 * URLLIST_PENDING_BYTES]; /* fed, not parsed: [start, end) */
    size_t start, end;
    char buf[URLLIST_LINE_MAX + 1];          /* the line being assembled */
    size_t len;
    int problem;
};

/* Start with the arguments; has_list says a list will be fed after them. */
void urllist_init(struct urllist *l, char *const *args, size_t nargs, bool has_list);
/* Start the next list (the arguments are done): its lines count from 1. */
void urllist_next_list(struct urllist *l);

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
 * when reading the list failed. A URL that is too long, or a line with a
 * NUL, is still returned (with it->problem set) so that the caller counts
 * it as an error naming its line. */
int urllist_next(struct urllist *l, struct urllist_item *it);

/* Counting a list's URLs (for a progress total) from chunks, without
 * keeping them: the same rules for blank lines, comments and the BOM. */
struct urllist_counter {
    unsigned long urls;   /* lines ended so far that hold a URL */
    unsigned long bytes;  /* fed so far (a BOM can only be in the first three) */
    int state;            /* private: the current line so far: blank, a URL, a comment */
};
void urllist_count(struct urllist_counter *c, const char *buf, size_t len);
/* URLs counted, the last line (if it has no newline yet) included. */
unsigned long urllist_counted(const struct urllist_counter *c);

#endif
