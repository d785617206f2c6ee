/* The -i lists of a ringfetch run. Every list is opened and checked before
 * the first request, so a list that cannot be read (missing, no permission,
 * a directory, a read error on its first byte) is a usage error naming it
 * instead of a surprise halfway through; then the lists are read one after
 * the other, in the order given, by the engine (rf_options.inputs: through
 * the backend, never blocking the loop), and their lines parsed by urllist.
 *
 * When every list is a regular file, each is opened a second time so that
 * its URLs can be counted (for the progress bar's total) by a second input
 * running beside the first, without delaying the first request. */
#ifndef RF_CLI_LISTS_H
#define RF_CLI_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli_tunables.h"

struct lists {
    const char *const *names;          /* as given; "-" is standard input */
    size_t n;
    int fds[RF_RINGFETCH_MAX_LISTS];
    int count_fds[RF_RINGFETCH_MAX_LISTS]; /* second descriptors for counting, or -1 */
    bool countable;                    /* every list is a regular file */
    size_t cur;                        /* the list being read; n when all are done */
    size_t count_cur;                  /* the list being counted */
};

/* Open every list (names[0..n), n <= RF_RINGFETCH_MAX_LISTS). Returns 0,
 * or -errno with *bad set to the index of the first list that cannot be
 * read (-EISDIR for a directory); the lists opened so far are closed
 * again. A regular file's first byte is read (pread, the offset does not
 * move) so that a file that opens but cannot be read fails here too. */
int lists_open(struct lists *l, const char *const *names, size_t n, size_t *bad);

/* The list being read (its descriptor and name); -1 / NULL when none is left. */
int lists_fd(const struct lists *l);
const char *lists_name(const struct lists *l);
/* Done with the current list: on to the next one, whose descriptor is
 * returned (-1 when that was the last). */
int lists_next(struct lists *l);

/* The list being counted, and the next one (-1 when none is left or the
 * lists are not countable). */
int lists_count_fd(const struct lists *l);
int lists_count_next(struct lists *l);

/* Close every list (standard input is left open). */
void lists_close(struct lists *l);

#endif
