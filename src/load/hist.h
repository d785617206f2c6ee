/* A latency histogram: log-linear buckets, mergeable, nothing sampled.
 *
 * Values are nanoseconds. Below 2 * HIST_SUB they are counted exactly;
 * above, each power of two [2^e, 2^(e+1)) is cut into HIST_SUB equal
 * buckets, so a bucket is never wider than 1/HIST_SUB of its lower bound
 * and a percentile read back as the bucket's middle is within
 * 1/(2 * HIST_SUB) = 0.4% of the true value (the issue asks 1%) from 1 us
 * to HIST_MAX_NS. Larger values land in the last bucket (max stays exact).
 *
 * Merging adds the counts: the merge of two histograms is exactly the
 * histogram of the union, so each thread keeps its own, with no lock, and
 * they are merged once at the end. Same layout as HdrHistogram's, written
 * here (Debian packages no C HdrHistogram).
 */
#ifndef RF_LOAD_HIST_H
#define RF_LOAD_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)          /* buckets per power of two: 128 */
#define HIST_TOP_BITS 37                        /* values below 2^37 ns (137 s) */
#define HIST_MAX_NS ((UINT64_C(1) << HIST_TOP_BITS) - 1)
#define HIST_BUCKETS (2 * HIST_SUB + (HIST_TOP_BITS - HIST_SUB_BITS - 1) * HIST_SUB)

struct hist {
    uint64_t count;
    uint64_t min, max;        /* exact; min is UINT64_MAX when empty */
    uint64_t sum;             /* exact, for the mean */
    uint64_t clamped;         /* values above HIST_MAX_NS (counted in the last bucket) */
    uint64_t n[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_record(struct hist *h, uint64_t ns);
/* into += from. */
void hist_merge(struct hist *into, const struct hist *from);
/* The value at percentile p (0 < p <= 100): the smallest recorded value v
 * such that at least p% of the values are <= v, read back as its bucket's
 * middle (clamped to min..max); 100 gives max exactly; 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);
/* Standard deviation, from the buckets. */
double hist_stdev(const struct hist *h);
/* Fraction of values within [lo, hi] (wrk's "+/- Stdev" column), from the buckets. */
double hist_within(const struct hist *h, double lo, double hi);
bool hist_equal(const struct hist *a, const struct hist *b);

/* The bucket of a value, and the value a bucket stands for. */
unsigned hist_index(uint64_t ns);
uint64_t hist_bucket_low(unsigned idx);
uint64_t hist_bucket_mid(unsigned idx);

#endif
