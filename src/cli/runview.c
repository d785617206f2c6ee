/* See runview.h. */
#include "cli/runview.h"

#include <stdio.h>
#include <string.h>

void runview_start(struct runview *v, bool bar, bool with_bytes, uint64_t total, double now_s)
{
    memset(&v->counts, 0, sizeof v->counts);
    progress_start(&v->bar, stderr, bar, with_bytes, total, now_s);
}

/* The bar's view of the counts: items that ended (cancelled ones did not,
 * they were only stopped), the failed ones among them (a 404 included: the
 * front ends print it as an error), and the body bytes received so far. */
static struct progress_counts shown(const struct runview *v, const struct rf_stats *stats)
{
    const struct report_counts *c = &v->counts;
    return (struct progress_counts){
        .done = report_items(c) - c->cancelled + c->duplicates,
        .errors = c->errors + c->not_found,
        .bytes = stats->rx_body_bytes,
    };
}

void runview_tick(void *ctx, const struct rf_stats *stats)
{
    struct runview *v = ctx;
    struct progress_counts pc = shown(v, stats);
    progress_update(&v->bar, &pc, progress_now());
}

void runview_finish(struct runview *v, const struct rf_stats *stats, double now_s)
{
    struct progress_counts pc = shown(v, stats);
    progress_finish(&v->bar, &pc, now_s);
}
