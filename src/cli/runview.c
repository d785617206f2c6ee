/* See runview.h. */
#include "cli/runview.h"

#include <stdio.h>
#include <string.h>

void runview_start(struct runview *v, bool bar, bool with_bytes, uint64_t total, double now_s)
{
    memset(&v->counts, 0, sizeof v->counts);
    progress_start(&v->bar, stderr, bar, with_bytes, total, now_s);
    dots_start(&v->dots, stderr, false, total, now_s);
}

void runview_use_dots(struct runview *v)
{
    v->dots.enabled = true;
}

void runview_set_total(struct runview *v, uint64_t total)
{
    progress_set_total(&v->bar, total);
    dots_set_total(&v->dots, total);
}

/* What is shown of the counts: items that ended (cancelled ones did not,
 * they were only stopped; a repeat of a URL did, without a fetch), the
 * failed ones among them (a 404 included: the front ends print it as an
 * error), the body bytes received so far and the retries waiting. */
static struct progress_counts shown(const struct runview *v, const struct rf_stats *stats)
{
    const struct report_counts *c = &v->counts;
    return (struct progress_counts){
        .done = report_items(c) - c->cancelled + c->duplicates,
        .errors = c->errors + c->not_found,
        .bytes = stats ? stats->rx_body_bytes : 0,
        .retrying = stats ? stats->retries_waiting : 0,
    };
}

void runview_tick(void *ctx, const struct rf_stats *stats)
{
    struct runview *v = ctx;
    struct progress_counts pc = shown(v, stats);
    progress_update(&v->bar, &pc, progress_now());
}

void runview_item(struct runview *v, char dot, const struct rf_stats *stats)
{
    if (!v->dots.enabled)
        return;
    struct progress_counts pc = shown(v, stats);
    dots_item(&v->dots, dot, &pc, progress_now());
}

void runview_clear(struct runview *v)
{
    progress_clear(&v->bar);
    dots_interrupt(&v->dots);
}

void runview_finish(struct runview *v, const struct rf_stats *stats, double now_s)
{
    struct progress_counts pc = shown(v, stats);
    progress_finish(&v->bar, &pc, now_s);
    dots_finish(&v->dots, &pc, now_s);
}
