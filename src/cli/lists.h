/* The -i lists of a ringfetch run. Every list is opened and checked before
 * the first request, so a list that cannot be read (missing, no permission,
 * a directory, a read error on its first byte) is a usage error naming it
 * instead of a surprise halfway through; then the lists are handed to
 * urllist one after the other, in the order given. Reading the lines stays
 * in urllist.c. */
#ifndef RF_CLI_LISTS_H
#define RF_CLI_LISTS_H

#include <stddef.h>
#include <stdio.h>

#include "cli/cli_tunables.h"

struct lists {
    const char *const *names;          /* as given; "-" is standard input */
    size_t n;
    FILE *files[RF_RINGFETCH_MAX_LISTS];
    size_t cur;                        /* the list being read; n when all are done */
};

/* Open every list (names[0..n), n <= RF_RINGFETCH_MAX_LISTS). Returns 0,
 * or -errno with *bad set to the index of the first list that cannot be
 * read (-EISDIR for a directory); the lists opened so far are closed
 * again. A regular file's first byte is read (pread, the offset does not
 * move) so that a file that opens but cannot be read fails here too. */
int lists_open(struct lists *l, const char *const *names, size_t n, size_t *bad);

/* The list being read and its name; NULL when none is left. */
FILE *lists_file(const struct lists *l);
const char *lists_name(const struct lists *l);

/* Done with the current list: on to the next one, which is returned (NULL
 * when that was the last). */
FILE *lists_next(struct lists *l);

/* Close every list (standard input is left open). */
void lists_close(struct lists *l);

#endif
