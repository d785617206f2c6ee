/* The latency histogram (src/load/hist.c): percentiles against the exact
 * ones of known data, bucket edges, merging. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "load/hist.h"

#define N 200000

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
    /* xorshift64: deterministic, so a failure can be replayed. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double unit(void)
{
    return (double)(rng() >> 11) / 9007199254740992.0; /* [0, 1) */
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The exact percentile: the smallest value with at least p% at or below it. */
static uint64_t exact(const uint64_t *sorted, size_t n, double p)
{
    if (p >= 100.0)
        return sorted[n - 1];
    double want = ceil(p / 100.0 * (double)n);
    size_t rank = want < 1 ? 1 : (size_t)want;
    return sorted[rank - 1];
}

static const double PCTS[] = { 1, 10, 50, 75, 90, 99, 99.9, 99.99, 100 };

static void check_against_exact(uint64_t *v, size_t n)
{
    static struct hist h;
    hist_init(&h);
    for (size_t i = 0; i < n; i++)
        hist_record(&h, v[i]);
    qsort(v, n, sizeof *v, cmp_u64);
    assert_int_equal(h.count, n);
    assert_int_equal(h.min, v[0]);
    assert_int_equal(h.max, v[n - 1]);
    for (size_t i = 0; i < sizeof PCTS / sizeof PCTS[0]; i++) {
        double want = (double)exact(v, n, PCTS[i]);
        double got = (double)hist_percentile(&h, PCTS[i]);
        double rel = fabs(got - want) / want;
        if (rel > 0.01)
            fail_msg("p%g: histogram %.0f, exact %.0f (%.3f%% off)", PCTS[i], got, want, rel * 100);
    }
    /* The mean is exact; the spread from the buckets is close. */
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)v[i];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        sq += ((double)v[i] - mean) * ((double)v[i] - mean);
    double sd = sqrt(sq / (double)(n - 1));
    assert_true(fabs(hist_mean(&h) - mean) <= 1e-6 * mean);
    assert_true(fabs(hist_stdev(&h) - sd) <= 0.01 * sd);
}

static void percentiles_of_uniform_data_are_within_one_percent(void **state)
{
    (void)state;
    uint64_t *v = malloc(N * sizeof *v);
    /* 1 us .. 100 ms. */
    for (size_t i = 0; i < N; i++)
        v[i] = 1000 + (uint64_t)(unit() * 99999000.0);
    check_against_exact(v, N);
    free(v);
}

static void percentiles_of_exponential_data_are_within_one_percent(void **state)
{
    (void)state;
    uint64_t *v = malloc(N * sizeof *v);
    /* Mean 1 ms, shifted by 1 us so nothing is below the stated range. */
    for (size_t i = 0; i < N; i++)
        v[i] = 1000 + (uint64_t)(-log(1.0 - unit()) * 1e6);
    check_against_exact(v, N);
    free(v);
}

static void percentiles_of_bimodal_data_are_within_one_percent(void **state)
{
    (void)state;
    uint64_t *v = malloc(N * sizeof *v);
    /* 90% around 200 us, 10% around 500 ms (a stall). */
    for (size_t i = 0; i < N; i++) {
        double base = unit() < 0.9 ? 200e3 : 500e6;
        v[i] = (uint64_t)(base * (0.8 + 0.4 * unit()));
    }
    check_against_exact(v, N);
    free(v);
}

static void the_whole_range_from_one_microsecond_to_100_seconds_is_within_one_percent(void **state)
{
    (void)state;
    for (uint64_t ns = 1000; ns <= 100000000000ull; ns = ns * 1009 / 1000 + 1) {
        unsigned idx = hist_index(ns);
        assert_true(idx < HIST_BUCKETS);
        assert_true(hist_bucket_low(idx) <= ns);
        double mid = (double)hist_bucket_mid(idx);
        if (fabs(mid - (double)ns) / (double)ns > 0.01)
            fail_msg("%llu ns reads back as %.0f", (unsigned long long)ns, mid);
        if (idx + 1 < HIST_BUCKETS)
            assert_true(hist_bucket_low(idx + 1) > ns);
    }
}

static void small_values_are_exact_and_huge_ones_are_clamped(void **state)
{
    (void)state;
    static struct hist h;
    hist_init(&h);
    for (uint64_t v = 0; v < 2 * HIST_SUB; v++)
        assert_int_equal(hist_bucket_mid(hist_index(v)), v);
    hist_record(&h, 5);
    hist_record(&h, 1000ull * 1000000000ull); /* 1000 s */
    assert_int_equal(h.clamped, 1);
    assert_int_equal(h.max, 1000ull * 1000000000ull);
    assert_int_equal(hist_percentile(&h, 50), 5);
    assert_int_equal(hist_percentile(&h, 100), 1000ull * 1000000000ull);
    assert_true(hist_index(UINT64_MAX) == HIST_BUCKETS - 1);
}

static void an_empty_histogram_answers_zero(void **state)
{
    (void)state;
    static struct hist h;
    hist_init(&h);
    assert_int_equal(hist_percentile(&h, 99), 0);
    assert_true(hist_mean(&h) == 0.0);
    assert_true(hist_stdev(&h) == 0.0);
}

static void merging_two_histograms_equals_the_histogram_of_the_union(void **state)
{
    (void)state;
    static struct hist a, b, all;
    hist_init(&a);
    hist_init(&b);
    hist_init(&all);
    for (size_t i = 0; i < N; i++) {
        uint64_t v = (uint64_t)(-log(1.0 - unit()) * 3e5) + (i % 7 == 0 ? 40000000 : 0);
        hist_record(i % 3 ? &a : &b, v);
        hist_record(&all, v);
    }
    assert_false(hist_equal(&a, &all));
    hist_merge(&a, &b);
    assert_true(hist_equal(&a, &all));
    for (size_t i = 0; i < sizeof PCTS / sizeof PCTS[0]; i++)
        assert_int_equal(hist_percentile(&a, PCTS[i]), hist_percentile(&all, PCTS[i]));
    /* Merging an empty one changes nothing. */
    static struct hist empty;
    hist_init(&empty);
    hist_merge(&a, &empty);
    assert_true(hist_equal(&a, &all));
}

static void within_counts_the_values_around_the_mean(void **state)
{
    (void)state;
    static struct hist h;
    hist_init(&h);
    for (int i = 0; i < 90; i++)
        hist_record(&h, 100);
    for (int i = 0; i < 10; i++)
        hist_record(&h, 100000);
    assert_true(fabs(hist_within(&h, 50, 150) - 0.9) < 1e-9);
    assert_true(fabs(hist_within(&h, 0, 1e9) - 1.0) < 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(percentiles_of_uniform_data_are_within_one_percent),
        cmocka_unit_test(percentiles_of_exponential_data_are_within_one_percent),
        cmocka_unit_test(percentiles_of_bimodal_data_are_within_one_percent),
        cmocka_unit_test(the_whole_range_from_one_microsecond_to_100_seconds_is_within_one_percent),
        cmocka_unit_test(small_values_are_exact_and_huge_ones_are_clamped),
        cmocka_unit_test(an_empty_histogram_answers_zero),
        cmocka_unit_test(merging_two_histograms_equals_the_histogram_of_the_union),
        cmocka_unit_test(within_counts_the_values_around_the_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
