/* See runview.h. */
#include "cli/runview.h"

#include <stdio.h>
#include <string.h>

void runview_start(struct runview *v, bool bar, uint64_t total, double now_s)
{
    memset(&v->counts, 0, sizeof v->counts);
    progress_start(&v->bar, stderr, bar, total, now_s);
}

/* Items that ended: cancelled ones did not, they were only stopped. */
static uint64_t done(const struct runview *v)
{
    return report_items(&v->counts) - v->counts.cancelled;
}

void runview_tick(void *ctx, const struct rf_stats *stats)
{
    struct runview *v = ctx;
    (void)stats;
    progress_update(&v->bar, done(v), progress_now());
}

void runview_finish(struct runview *v, const struct rf_stats *stats, double now_s)
{
    (void)stats;
    progress_finish(&v->bar, done(v), now_s);
}
