/* Where ringfetch saves a URL: DIR/NAME, NAME being url_output_name() of
 * the URL, or DIR/SUB/NAME with -x or the list's out= and dir= lines. A
 * URL that cannot be fetched or saved safely never reaches the engine: this
 * says why, in words that name the URL. Also the one quoting function the
 * front ends show URLs and names with. */
#ifndef RF_CLI_OUTPATH_H
#define RF_CLI_OUTPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/nameset.h"
#include "cli/urllist.h"
#include "ringfetch/limits.h"
#include "ringfetch/url.h"

/* Room for any URL a job may carry once quoted: every byte as \xNN. */
#define OUTPATH_URL_QUOTE_BYTES (4 * RF_URL_MAX_BYTES)

/* outpath_make's answers besides a negative errno. */
enum outpath_answer {
    OUTPATH_FETCH = 0,   /* d is set: hand the URL to the engine */
    OUTPATH_REPEAT = 1,  /* the same URL came earlier in the run (it is fetched once):
                            why says where, "same URL as line 3, fetched once: 'U'" */
};

/* How names are made: the output folder (-o; NULL with --discard: only the
 * URL is checked, nothing is claimed, so repeats are fetched again) and
 * whether the URL's host and folders make folders under it (-x). */
struct outpath_opts {
    const char *dir;
    bool force_dirs;
};

/* Where an item goes. */
struct outpath_dest {
    char path[RF_PATH_MAX_BYTES]; /* DIR/[SUB/]NAME, for the engine; "" with --discard */
    const char *rel;              /* into path: SUB/NAME, the part under DIR */
    size_t sub_len;               /* bytes of SUB at rel (0: the file goes in DIR itself) */
};

/* Make the destination of an item under o->dir. NAME is the item's out=
 * (as written), else url_output_name() of its URL. SUB is its dir= (a
 * relative folder, as written), else with -x the URL's HOST[:PORT] (its
 * Host header) and the folders of the path it requests, percent-decoded;
 * else nothing. Every name of SUB and NAME goes through the same checks:
 * no '/', '\' or control character, not "." or "..", not empty, at most
 * 255 bytes; a dir= must not start with '/'. Folders are not made here
 * (destdirs.h). The item's SUB/NAME is claimed in seen for the URL: the
 * first URL with a given SUB/NAME wins, the same URL again is a repeat, and
 * any other URL with that SUB/NAME is refused. Two URLs are the same when
 * they ask the same origin for the same request-target (url_write_target's)
 * with the same credentials: "HTTP://H/a b" and "http://h/x/../a%20b" are.
 * Returns an enum outpath_answer, or a negative errno with a sentence (no
 * trailing newline) in why:
 *   -EINVAL       "bad URL 'U': REASON": outpath_url_problem's words, "longer
 *                 than N bytes", "the line holds a NUL byte", "its last path
 *                 segment is not a safe file name (...)", "file name is N
 *                 bytes, over the file system's 255-byte limit", a folder of
 *                 its path that cannot be one (-x); an out= or dir= that is
 *                 not safe; its option lines' problems; a stray option line
 *   -EEXIST       "duplicate output name 'SUB/N' for 'U'"
 *   -ENAMETOOLONG "output path too long for 'U'"
 *   -ENOMEM       the name set could not grow.
 * U is outpath_quote_url's form of the URL: its password never shows. */
int outpath_make(const struct outpath_opts *o, const struct urllist_item *it, struct nameset *seen,
                 struct outpath_dest *d, char *why, size_t why_size);

/* Words for url_parse's answer (an enum url_status other than URL_OK):
 * "empty port after ':'", "port out of range (1 to 65535)", ... */
const char *outpath_url_problem(int status);

/* Copy len bytes of s into buf for a message: printable ASCII as it is,
 * other bytes (NUL included) as \xNN, cut with "..." when it does not fit.
 * Returns buf. */
char *outpath_quote(char *buf, size_t size, const char *s, size_t len);

/* outpath_quote of a URL (NUL-terminated) with its password, if it has one
 * (url_password_span), shown as "***": "http://user:***@host/". Every
 * message that echoes a URL goes through this. Returns buf. */
char *outpath_quote_url(char *buf, size_t size, const char *url);

#endif
