/* The URLs of a ringfetch run, produced one at a time: first the
 * command-line arguments, then the lines of the list file. The file is read
 * lazily, one line per call, into a fixed buffer, so memory stays the same
 * whatever the length of the list (or of a hostile line).
 *
 * List syntax: one URL per line; surrounding blanks (space, tab, CR, VT, FF)
 * are trimmed; empty lines and lines whose first non-blank character is '#'
 * are skipped ('#' elsewhere belongs to the URL). A UTF-8 byte order mark
 * at the start of the list (editors on some systems write one) is skipped. */
#ifndef RF_CLI_URLLIST_H
#define RF_CLI_URLLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ringfetch/limits.h"

/* Longest raw line kept: a trimmed URL is at most RF_URL_MAX_BYTES - 1
 * bytes, with room for some blanks around it. */
#define URLLIST_LINE_MAX (2 * RF_URL_MAX_BYTES)

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
    FILE *list;           /* may be NULL; not closed here */
    unsigned long line;
    char buf[URLLIST_LINE_MAX + 1];
};

void urllist_init(struct urllist *l, char *const *args, size_t nargs, FILE *list);

/* urllist_next's answers besides a negative errno. */
enum urllist_status {
    URLLIST_END = 0,  /* no more URLs, ever */
    URLLIST_ITEM = 1, /* *it was filled in */
};

/* The next URL into *it. Returns an enum urllist_status, or -EIO when
 * reading the list failed. A URL that is too long, or a line with a NUL, is
 * still returned (with it->problem set) so that the caller counts it as an
 * error naming its line. */
int urllist_next(struct urllist *l, struct urllist_item *it);

#endif
