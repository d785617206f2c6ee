/* --progress=dot: wget's dot display, one character per item instead of
 * per kilobyte, for logs and other places that are not a terminal:
 *
 *   .......... .......... .....!.... .......... ..........      50/1000   5%  409.6 kB  1.2 MB/s  1 error
 *   ,,,,,,,,,, ......
 *
 * '.' an item fetched, '!' an item that failed (a 404 included, as in the
 * ERR lines), ',' an item for which nothing was fetched (skipped because its
 * file exists, or the same URL again). Groups of RF_DOTS_PER_GROUP, lines of
 * RF_DOTS_PER_LINE, each full line ended by the counts so far: items done
 * (of the total when known, with the percentage), body bytes, their
 * average rate, errors, and retries waiting when there are. The last line
 * is ended the same way by dots_finish. Cancelled items draw nothing.
 *
 * An ERR line on the same stream ends the line of dots first
 * (dots_interrupt); the dots then go on below, indented to their column. */
#ifndef RF_CLI_DOTS_H
#define RF_CLI_DOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/progress.h"

#define DOTS_LINE_END_MAX 160   /* enough for any dots_line_end() text */

struct dots {
    FILE *out;
    bool enabled;
    uint64_t total;      /* 0 = unknown */
    double start_s;
    unsigned col;        /* dots on the current line */
    bool broken;         /* the line was interrupted: indent before the next dot */
    unsigned long lines; /* lines ended with their counts */
};

void dots_start(struct dots *d, FILE *out, bool enabled, uint64_t total, double now_s);
void dots_set_total(struct dots *d, uint64_t total);
/* One item ended: draw c; c counts toward pc->done already. */
void dots_item(struct dots *d, char c, const struct progress_counts *pc, double now_s);
/* Another line is about to be printed on the stream: end the dots' line. */
void dots_interrupt(struct dots *d);
/* The run is over: end the last line with the counts. */
void dots_finish(struct dots *d, const struct progress_counts *pc, double now_s);

/* The text after a line of dots (no newline), for col dots drawn on it:
 * padding to the full line's width, then the counts. Returns the length. */
int dots_line_end(char *buf, size_t size, unsigned col, uint64_t total,
                  const struct progress_counts *pc, double elapsed_s);

#endif
