/* The latency histogram (see hist.h). */
#include "load/hist.h"

#include <math.h>
#include <string.h>

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

unsigned hist_index(uint64_t ns)
{
    if (ns > HIST_MAX_NS)
        ns = HIST_MAX_NS;
    if (ns < 2 * HIST_SUB)
        return (unsigned)ns;
    unsigned e = 63u - (unsigned)__builtin_clzll(ns); /* ns in [2^e, 2^(e+1)), e >= SUB_BITS + 1 */
    unsigned shift = e - HIST_SUB_BITS;
    unsigned sub = (unsigned)(ns >> shift) - HIST_SUB;
    return 2 * HIST_SUB + (e - HIST_SUB_BITS - 1) * HIST_SUB + sub;
}

uint64_t hist_bucket_low(unsigned idx)
{
    if (idx < 2 * HIST_SUB)
        return idx;
    unsigned k = idx - 2 * HIST_SUB;
    unsigned e = k / HIST_SUB + HIST_SUB_BITS + 1;
    unsigned sub = k % HIST_SUB;
    return (uint64_t)(HIST_SUB + sub) << (e - HIST_SUB_BITS);
}

static uint64_t hist_bucket_width(unsigned idx)
{
    if (idx < 2 * HIST_SUB)
        return 1;
    unsigned e = (idx - 2 * HIST_SUB) / HIST_SUB + HIST_SUB_BITS + 1;
    return UINT64_C(1) << (e - HIST_SUB_BITS);
}

uint64_t hist_bucket_mid(unsigned idx)
{
    return hist_bucket_low(idx) + hist_bucket_width(idx) / 2;
}

void hist_record(struct hist *h, uint64_t ns)
{
    h->count++;
    h->sum += ns;
    if (ns < h->min)
        h->min = ns;
    if (ns > h->max)
        h->max = ns;
    if (ns > HIST_MAX_NS)
        h->clamped++;
    h->n[hist_index(ns)]++;
}

void hist_merge(struct hist *into, const struct hist *from)
{
    into->count += from->count;
    into->sum += from->sum;
    into->clamped += from->clamped;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        into->n[i] += from->n[i];
}

/* A bucket's value, kept inside what was really seen. */
static uint64_t hist_value(const struct hist *h, unsigned idx)
{
    uint64_t v = hist_bucket_mid(idx);
    if (v < h->min)
        v = h->min;
    if (v > h->max)
        v = h->max;
    return v;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    if (h->count == 0)
        return 0;
    if (p >= 100.0)
        return h->max;
    double want = ceil(p / 100.0 * (double)h->count);
    uint64_t rank = want < 1 ? 1 : (uint64_t)want;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->n[i];
        if (seen >= rank)
            return hist_value(h, i);
    }
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

double hist_stdev(const struct hist *h)
{
    if (h->count < 2)
        return 0.0;
    double mean = hist_mean(h), acc = 0.0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        if (!h->n[i])
            continue;
        double d = (double)hist_value(h, i) - mean;
        acc += d * d * (double)h->n[i];
    }
    return sqrt(acc / (double)(h->count - 1));
}

double hist_within(const struct hist *h, double lo, double hi)
{
    if (h->count == 0)
        return 0.0;
    uint64_t in = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        double v = (double)hist_value(h, i);
        if (h->n[i] && v >= lo && v <= hi)
            in += h->n[i];
    }
    return (double)in / (double)h->count;
}

bool hist_equal(const struct hist *a, const struct hist *b)
{
    return a->count == b->count && a->min == b->min && a->max == b->max && a->sum == b->sum &&
           a->clamped == b->clamped && memcmp(a->n, b->n, sizeof a->n) == 0;
}
