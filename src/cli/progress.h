/* A tqdm-4 style progress bar on a terminal:
 *
 *    37%|███▋      | 72/194 [00:01<00:02, 51.20it/s]
 *
 * progress_format() is the pure formatter; the struct progress drawer
 * redraws one line in place with '\r', and does nothing at all when it was
 * started disabled (stderr not a terminal, verbose mode). The front ends call
 * progress_update() from the engine's tick, so the bar moves on a timer, not
 * per completion. Times are passed in (seconds, any monotonic origin) so
 * that tests are deterministic. */
#ifndef RF_CLI_PROGRESS_H
#define RF_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_BAR_CELLS 10   /* tqdm's bar width when it is not told the terminal's */
#define PROGRESS_LINE_MAX 160   /* enough for any line progress_format() makes */

/* Format one line (no '\r', no newline) into buf, as tqdm 4's format_meter
 * does with unit "it":
 *   total > 0:  "{pct:3.0f}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}]"
 *   total == 0 (unknown): "{n}it [{elapsed}, {rate}]"
 * elapsed and remaining are mm:ss, or h:mm:ss past an hour; remaining is "?"
 * while the rate is unknown. rate is items per second: pass a negative value
 * to use the average n / elapsed_s; a zero rate (or zero elapsed time with a
 * negative one) is unknown and shown as "?it/s". Rates below 1/s are shown
 * inverted, "{:5.2f}s/it". Returns the length (snprintf semantics). */
int progress_format(char *buf, size_t size, uint64_t n, uint64_t total,
                    double elapsed_s, double rate);

struct progress {
    FILE *out;
    bool enabled;
    uint64_t total;         /* 0 = unknown */
    double start_s;
    /* tqdm smooths the displayed rate: an exponential moving average
     * (weight 0.3 for the newest sample) of items and seconds between
     * redraws, sampled only when items were done since the last sample. */
    double ema_dn, ema_dt;
    uint64_t last_n;
    double last_s;
    bool have_ema;
    size_t last_width;      /* columns of the line on screen, to blank leftovers */
};

/* Begin: remember the start time and, when enabled, draw the 0 line. */
void progress_start(struct progress *p, FILE *out, bool enabled, uint64_t total, double now_s);
/* Redraw with n items done. */
void progress_update(struct progress *p, uint64_t n, double now_s);
/* Blank the line and return the cursor to its start, so that other text can
 * be printed on the same stream; the next update draws the bar again. */
void progress_clear(struct progress *p);
/* Draw the last line with n items done and end it with a newline. */
void progress_finish(struct progress *p, uint64_t n, double now_s);

/* Seconds on the monotonic clock. */
double progress_now(void);
/* True when f is a terminal (the bar is shown only then). */
bool progress_is_terminal(FILE *f);

#endif
