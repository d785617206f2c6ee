/* A tqdm-4 style progress bar on a terminal:
 *
 *    37%|███▋      | 72/194 [00:01<00:02, 51.20it/s]                    (flags2)
 *    0/1 ... [00:02<?, ?it/s, 152.3 MB, 75.1 MB/s, 0 errors]             (ringfetch)
 *    812it [00:03, 270.50it/s, 6.7 MB, 2.2 MB/s, 3 errors]               (ringfetch -i)
 *    812it [00:03, 270.50it/s, 6.7 MB, 2.2 MB/s, 3 errors, 2 retrying]   (retries waiting)
 *
 * Items done of the total with an ETA when the total is known (it may become
 * known after the start: progress_set_total), a count and a rate when not;
 * with bytes shown (ringfetch), a postfix as tqdm's set_postfix makes one:
 * body bytes so far (items in flight included, so one big file moves too),
 * their rate, and the errors so far.
 *
 * progress_format() and progress_postfix() are the pure formatters; the
 * struct progress drawer redraws one line in place with '\r', cut to the
 * terminal's width, and does nothing at all when it was started disabled
 * (stderr not a terminal, verbose mode). The front ends call
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
#define PROGRESS_LINE_MAX 256   /* enough for any line progress_format() makes */
#define PROGRESS_POSTFIX_MAX 96 /* enough for any postfix progress_postfix() makes */

/* Format one line (no '\r', no newline) into buf, as tqdm 4's format_meter
 * does with unit "it":
 *   total > 0:  "{pct:3.0f}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}]"
 *   total == 0 (unknown): "{n}it [{elapsed}, {rate}]"
 * elapsed and remaining are mm:ss, or h:mm:ss past an hour; remaining is "?"
 * while the rate is unknown. rate is items per second: pass a negative value
 * to use the average n / elapsed_s; a zero rate (or zero elapsed time with a
 * negative one) is unknown and shown as "?it/s". Rates below 1/s are shown
 * inverted, "{:5.2f}s/it". A postfix (NULL or "" for none) goes inside the
 * brackets after the rate, as tqdm's does: "[..., {rate}, {postfix}]".
 * Returns the length (snprintf semantics). */
int progress_format(char *buf, size_t size, uint64_t n, uint64_t total,
                    double elapsed_s, double rate, const char *postfix);

/* The bytes-and-errors postfix: "{bytes}, {byte rate}/s, {errors} error(s)",
 * then ", {retrying} retrying" when items wait for a retry, sizes as
 * report_size() writes them ("152.3 MB, 75.1 MB/s"). A negative byte_rate
 * is unknown and shown as "? B/s". Returns the length. */
int progress_postfix(char *buf, size_t size, uint64_t bytes, double byte_rate,
                     uint64_t errors, uint64_t retrying);

/* Cut line to at most max_columns columns (every UTF-8 sequence we emit is
 * one column wide), at a character boundary. Returns the columns kept. */
size_t progress_fit(char *line, size_t max_columns);

/* What the bar shows at one moment. */
struct progress_counts {
    uint64_t done;     /* items that ended (not the cancelled ones) */
    uint64_t errors;   /* of those, the failed ones */
    uint64_t bytes;    /* body bytes received so far, items in flight included */
    uint64_t retrying; /* items waiting for a retry right now */
};

struct progress {
    FILE *out;
    bool enabled;
    bool with_bytes;        /* show the bytes-and-errors postfix */
    uint64_t total;         /* 0 = unknown */
    double start_s;
    /* tqdm smooths the displayed rate: an exponential moving average
     * (weight 0.3 for the newest sample) of items and seconds between
     * redraws, sampled only when items were done since the last sample. */
    double ema_dn, ema_dt;
    uint64_t last_n;
    double last_s;
    bool have_ema;
    /* The byte rate is smoothed the same way, but sampled at every redraw:
     * a transfer that stalls must show its rate falling. */
    double ema_db, ema_dbt;
    uint64_t last_bytes;
    double last_bytes_s;
    bool have_byte_ema;
    size_t last_width;      /* columns of the line on screen, to blank leftovers */
};

/* Begin: remember the start time and, when enabled, draw the 0 line.
 * with_bytes adds the bytes-and-errors postfix. total 0 = not known (yet). */
void progress_start(struct progress *p, FILE *out, bool enabled, bool with_bytes,
                    uint64_t total, double now_s);
/* The total became known (or changed): used from the next redraw on. */
void progress_set_total(struct progress *p, uint64_t total);
/* Redraw with these counts. */
void progress_update(struct progress *p, const struct progress_counts *c, double now_s);
/* Blank the line and return the cursor to its start, so that other text can
 * be printed on the same stream; the next update draws the bar again. */
void progress_clear(struct progress *p);
/* Draw the last line and end it with a newline. */
void progress_finish(struct progress *p, const struct progress_counts *c, double now_s);

/* Seconds on the monotonic clock. */
double progress_now(void);
/* True when f is a terminal (the bar is shown only then). */
bool progress_is_terminal(FILE *f);

#endif
