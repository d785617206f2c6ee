/* cli/shard.c: --shard K/N's hash, its parser, and the split it makes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "cli/shard.h"

#define LIST_LINES 10000

/* The published FNV-1a 64 test vectors, and URLs whose values the docs'
 * Python snippet gives: the hash is part of the interface (N machines of
 * different builds must agree), so it is pinned here. */
static void test_the_hash_matches_its_published_values(void **state)
{
    (void)state;
    assert_true(shard_fnv1a("", 0) == 0xcbf29ce484222325ULL);
    assert_true(shard_fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(shard_fnv1a("foobar", 6) == 0x85944171f73967e8ULL);
    assert_true(shard_fnv1a("http://example.com/a", 20) == 0x7fadbd6e96a526b0ULL);
    assert_true(shard_hash("http://example.com/a", 20) == 0x42504961764fec74ULL);
    static const char u[] = "http://127.0.0.1:8000/f000001.bin";
    assert_true(shard_hash(u, sizeof u - 1) == 0xb88ec3dc093bcc29ULL);
    /* ... so that one lands in shard 1 of 2 and 3 of 7 on every machine. */
    assert_true(shard_keeps(&(struct shard){ .k = 1, .n = 2 }, u, sizeof u - 1));
    assert_true(shard_keeps(&(struct shard){ .k = 3, .n = 7 }, u, sizeof u - 1));
    assert_false(shard_keeps(&(struct shard){ .k = 0, .n = 7 }, u, sizeof u - 1));
}

static void test_shard_parse_takes_k_over_n_and_nothing_else(void **state)
{
    (void)state;
    struct shard s;
    assert_int_equal(shard_parse("0/1", &s), 0);
    assert_int_equal(s.k, 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(shard_parse("6/7", &s), 0);
    assert_int_equal(s.k, 6);
    assert_int_equal(s.n, 7);
    assert_int_equal(shard_parse("999999/1000000", &s), 0);
    static const char *const bad[] = {
        "", "1", "/2", "1/", "7/7", "8/7", "0/0", "-1/2", "+1/2", " 1/2", "1/2 ", "1 /2", "1/ 2",
        "1/2/3", "0x1/2", "1.0/2", "0/1000001", "00000001/2", "1/99999999", "a/b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(shard_parse(bad[i], &s), -EINVAL);
}

/* For N = 1, 2 and 7 over a 10,000-line list: every line is kept by exactly
 * one shard (disjoint, and the union is the list), and the shards are as
 * even as chance makes them (within 5 standard deviations), also for URLs
 * that differ only in a counter: plain FNV-1a mod 7 was 7% off here. */
static void test_shards_of_a_list_are_disjoint_and_cover_it(void **state)
{
    (void)state;
    static const uint32_t ns[] = { 1, 2, 7 };
    char url[128];
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        uint32_t n = ns[t];
        unsigned per_shard[7] = { 0 };
        for (unsigned line = 0; line < LIST_LINES; line++) {
            int len = t == 2 ? snprintf(url, sizeof url, "http://127.0.0.1:18001/many/f%06u.bin", line)
                             : snprintf(url, sizeof url, "http://host%u.example/dir/f%06u.bin", line % 13, line);
            unsigned keepers = 0;
            for (uint32_t k = 0; k < n; k++) {
                if (shard_keeps(&(struct shard){ .k = k, .n = n }, url, (size_t)len)) {
                    keepers++;
                    per_shard[k]++;
                }
            }
            assert_int_equal(keepers, 1);
        }
        unsigned total = 0;
        double mean = (double)LIST_LINES / n, sd = sqrt(LIST_LINES * (1.0 / n) * (1 - 1.0 / n));
        for (uint32_t k = 0; k < n; k++) {
            total += per_shard[k];
            assert_true(fabs(per_shard[k] - mean) <= 5 * sd + 0.5);
        }
        assert_int_equal(total, LIST_LINES);
    }
}

/* URLs that differ in a counter land in shards as if by chance: with plain
 * FNV-1a mod 2 (its low bit is the parity of the input's low bits) they
 * alternated exactly, 0 1 0 1..., 10,000 runs for 10,000 URLs. */
static void test_a_counter_in_urls_does_not_pattern_the_shards(void **state)
{
    (void)state;
    char url[64];
    unsigned runs = 0;
    bool prev = false;
    for (unsigned i = 0; i < LIST_LINES; i++) {
        int len = snprintf(url, sizeof url, "http://127.0.0.1:18001/many/f%06u.bin", i);
        bool odd = shard_keeps(&(struct shard){ .k = 1, .n = 2 }, url, (size_t)len);
        runs += i == 0 || odd != prev;
        prev = odd;
    }
    /* about 5000 runs (sd 50) */
    assert_true(runs > 4700 && runs < 5300);
}

static void test_no_shard_keeps_everything(void **state)
{
    (void)state;
    struct shard none = { 0, 0 };
    assert_true(shard_keeps(&none, "x", 1));
    assert_true(shard_keeps(&(struct shard){ .k = 0, .n = 1 }, "x", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_hash_matches_its_published_values),
        cmocka_unit_test(test_shard_parse_takes_k_over_n_and_nothing_else),
        cmocka_unit_test(test_shards_of_a_list_are_disjoint_and_cover_it),
        cmocka_unit_test(test_a_counter_in_urls_does_not_pattern_the_shards),
        cmocka_unit_test(test_no_shard_keeps_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
