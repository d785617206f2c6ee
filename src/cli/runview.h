/* What a front end shows of a run while it goes: its item counts and the
 * progress display (the bar, or ringfetch's dots), kept together so that
 * all three front ends (ringfetch, flags2, flags3) count and draw in one
 * place.
 *
 * The engine hands next_job, on_result and the tick the same ctx. A front
 * end's run struct therefore has a struct runview as its FIRST member, and
 * runview_tick, given that ctx, reads it as the runview (C11 6.7.2.1: a
 * pointer to a struct, converted, points to its first member). */
#ifndef RF_CLI_RUNVIEW_H
#define RF_CLI_RUNVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/dots.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "ringfetch/engine.h"

struct runview {
    struct report_counts counts;
    struct progress bar;
    struct dots dots;
};

/* Zero the counts and start the bar on stderr (drawn only when `bar`);
 * with_bytes adds the bytes, byte rate and errors (progress.h); total is
 * the number of items, 0 when not known yet (runview_set_total when it
 * becomes known). */
void runview_start(struct runview *v, bool bar, bool with_bytes, uint64_t total, double now_s);

/* Draw dots on stderr instead of the bar (ringfetch --progress=dot): the
 * bar must have been started disabled. */
void runview_use_dots(struct runview *v);

void runview_set_total(struct runview *v, uint64_t total);

/* The engine's rf_tick_fn: redraw the bar. ctx points at a struct whose
 * first member is a struct runview. */
void runview_tick(void *ctx, const struct rf_stats *stats);

/* An item ended (already counted): its dot ('.', '!' or ','; see dots.h).
 * stats may be NULL (no engine yet). */
void runview_item(struct runview *v, char dot, const struct rf_stats *stats);

/* A line is about to be printed on stderr: blank the bar, end the dots' line. */
void runview_clear(struct runview *v);

/* Draw the bar's last line, or end the dots' (the run is over; stats as
 * rf_engine_run left them). */
void runview_finish(struct runview *v, const struct rf_stats *stats, double now_s);

#endif
