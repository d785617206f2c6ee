/* See dots.h. */
#include "cli/dots.h"

#include "cli/cli_tunables.h"
#include "cli/report.h"

/* Columns taken by col dots with their group gaps. */
static unsigned dots_width(unsigned col)
{
    return col + (col > 0 ? (col - 1) / RF_DOTS_PER_GROUP : 0);
}

int dots_line_end(char *buf, size_t size, unsigned col, uint64_t total,
                  const struct progress_counts *pc, double elapsed_s)
{
    char sz[32], rate[32], items[64], retry[32] = "";
    int pad = (int)(dots_width(RF_DOTS_PER_LINE) - dots_width(col));
    report_size(sz, sizeof sz, (double)pc->bytes);
    if (elapsed_s > 0)
        report_size(rate, sizeof rate, (double)pc->bytes / elapsed_s);
    else
        snprintf(rate, sizeof rate, "? B");
    if (total)
        snprintf(items, sizeof items, "%8llu/%llu %3.0f%%", (unsigned long long)pc->done,
                 (unsigned long long)total, 100.0 * (double)pc->done / (double)total);
    else
        snprintf(items, sizeof items, "%8llu", (unsigned long long)pc->done);
    if (pc->retrying)
        snprintf(retry, sizeof retry, "  %llu retrying", (unsigned long long)pc->retrying);
    return snprintf(buf, size, "%*s%s  %s  %s/s  %llu error%s%s", pad, "", items, sz, rate,
                    (unsigned long long)pc->errors, pc->errors == 1 ? "" : "s", retry);
}

void dots_start(struct dots *d, FILE *out, bool enabled, uint64_t total, double now_s)
{
    *d = (struct dots){ .out = out, .enabled = enabled, .total = total, .start_s = now_s };
}

void dots_set_total(struct dots *d, uint64_t total)
{
    d->total = total;
}

static void end_line(struct dots *d, const struct progress_counts *pc, double now_s)
{
    char tail[DOTS_LINE_END_MAX];
    dots_line_end(tail, sizeof tail, d->col, d->total, pc, now_s - d->start_s);
    fprintf(d->out, "%s\n", tail);
    fflush(d->out);
    d->col = 0;
    d->broken = false;
    d->lines++;
}

void dots_item(struct dots *d, char c, const struct progress_counts *pc, double now_s)
{
    if (!d->enabled)
        return;
    if (d->broken && d->col > 0)
        fprintf(d->out, "%*s", (int)dots_width(d->col) + (d->col % RF_DOTS_PER_GROUP == 0), "");
    else if (d->col > 0 && d->col % RF_DOTS_PER_GROUP == 0)
        fputc(' ', d->out);
    d->broken = false;
    fputc(c, d->out);
    d->col++;
    if (d->col == RF_DOTS_PER_LINE)
        end_line(d, pc, now_s);
    else
        fflush(d->out);
}

void dots_interrupt(struct dots *d)
{
    if (!d->enabled || d->col == 0 || d->broken)
        return;
    fputc('\n', d->out);
    d->broken = true;
}

void dots_finish(struct dots *d, const struct progress_counts *pc, double now_s)
{
    if (!d->enabled)
        return;
    if (d->col == 0 && d->lines > 0)
        return; /* the last full line already said it all */
    if (d->broken && d->col > 0)
        fprintf(d->out, "%*s", (int)dots_width(d->col), "");
    end_line(d, pc, now_s);
}
