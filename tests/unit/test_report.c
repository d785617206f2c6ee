/* cli/report.c: every line flags2 prints around a run, ringfetch's summary
 * and the --stats JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json.h>

#include "cli/report.h"

static FILE *out;
static char *text;
static size_t text_len;

static int open_out(void **state)
{
    (void)state;
    text = NULL;
    out = open_memstream(&text, &text_len);
    return out ? 0 : -1;
}

static int close_out(void **state)
{
    (void)state;
    fclose(out);
    free(text);
    return 0;
}

static const char *printed(void)
{
    fflush(out);
    return text;
}

static struct codes_set *codes_of(const char *list)
{
    static struct codes_set set;
    set.n = 0;
    for (const char *p = list; *p; p += p[2] ? 3 : 2) {
        memcpy(set.cc[set.n], p, 2);
        set.cc[set.n++][2] = '\0';
    }
    return &set;
}

/* ---- header ---- */

static void test_header_names_the_site(void **state)
{
    (void)state;
    report_flags2_header(out, "ERROR", "http://localhost:8003/flags", codes_of("BR"), 1);
    const char *want = "ERROR site: http://localhost:8003/flags\n";
    assert_memory_equal(printed(), want, strlen(want));
}

static void test_header_one_code_is_singular(void **state)
{
    (void)state;
    report_flags2_header(out, "LOCAL", "u", codes_of("BR"), 1);
    assert_non_null(strstr(printed(), "\nSearching for 1 flag: BR\n"));
}

static void test_header_joins_up_to_ten_codes(void **state)
{
    (void)state;
    report_flags2_header(out, "LOCAL", "u", codes_of("BR CN"), 2);
    assert_non_null(strstr(printed(), "\nSearching for 2 flags: BR, CN\n"));
}

static void test_header_joins_exactly_ten_codes(void **state)
{
    (void)state;
    report_flags2_header(out, "LOCAL", "u", codes_of("AA AB AC AD AE AF AG AH AI AJ"), 5);
    assert_non_null(strstr(printed(),
                           "\nSearching for 10 flags: AA, AB, AC, AD, AE, AF, AG, AH, AI, AJ\n"));
}

static void test_header_shows_a_range_past_ten_codes(void **state)
{
    (void)state;
    report_flags2_header(out, "LOCAL", "u", codes_of("AA AB AC AD AE AF AG AH AI AJ AK"), 5);
    assert_non_null(strstr(printed(), "\nSearching for 11 flags: from AA to AK\n"));
}

static void test_header_whole_example_of_the_spec(void **state)
{
    (void)state;
    struct codes_set set;
    assert_int_equal(codes_select(false, true, NULL, 0, 100, &set, NULL), 0);
    report_flags2_header(out, "ERROR", "http://localhost:8003/flags", &set, 100);
    assert_string_equal(printed(), "ERROR site: http://localhost:8003/flags\n"
                                   "Searching for 100 flags: from AD to LK\n"
                                   "100 concurrent connections will be used.\n");
}

static void test_header_one_connection_is_singular(void **state)
{
    (void)state;
    report_flags2_header(out, "LOCAL", "u", codes_of("BR"), 1);
    assert_non_null(strstr(printed(), "\n1 concurrent connection will be used.\n"));
}

/* ---- verbose lines ---- */

static void test_item_ok_line(void **state)
{
    (void)state;
    report_flags2_item(out, "BR", RF_OK, "");
    assert_string_equal(printed(), "BR OK\n");
}

static void test_item_not_found_line(void **state)
{
    (void)state;
    report_flags2_item(out, "XX", RF_NOT_FOUND, "");
    assert_string_equal(printed(), "XX not found\n");
}

static void test_item_error_line_carries_the_message(void **state)
{
    (void)state;
    report_flags2_item(out, "BR", RF_ERROR, "HTTP error 503 - Service Unavailable");
    assert_string_equal(printed(), "*** Error for BR: HTTP error 503 - Service Unavailable\n");
}

static void test_item_cancelled_prints_nothing(void **state)
{
    (void)state;
    report_flags2_item(out, "BR", RF_CANCELLED, "");
    assert_string_equal(printed(), "");
}

/* ---- final report ---- */

static void test_final_spec_example(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 73, .errors = 27};
    report_flags2_final(out, &c, 100, 0.6449, false);
    assert_string_equal(printed(), "--------------------\n"
                                   "73 flags downloaded.\n"
                                   "27 errors.\n"
                                   "Elapsed time: 0.64s\n");
}

static void test_final_one_flag_is_singular(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 1};
    report_flags2_final(out, &c, 1, 0.01, false);
    assert_string_equal(printed(), "--------------------\n1 flag downloaded.\nElapsed time: 0.01s\n");
}

static void test_final_zero_flags_is_printed_and_plural(void **state)
{
    (void)state;
    struct report_counts c = {.errors = 3};
    report_flags2_final(out, &c, 3, 0.004, false);
    assert_string_equal(printed(),
                        "--------------------\n0 flags downloaded.\n3 errors.\nElapsed time: 0.00s\n");
}

static void test_final_not_found_only_when_some_and_never_plural(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 194, .not_found = 482};
    report_flags2_final(out, &c, 676, 2.5, false);
    assert_string_equal(printed(), "--------------------\n194 flags downloaded.\n482 not found.\n"
                                   "Elapsed time: 2.50s\n");
}

static void test_final_one_not_found_has_the_same_wording(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 3, .not_found = 1};
    report_flags2_final(out, &c, 4, 0.5, false);
    assert_non_null(strstr(printed(), "\n1 not found.\n"));
}

static void test_final_one_error_is_singular(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 2, .errors = 1};
    report_flags2_final(out, &c, 3, 1, false);
    assert_string_equal(printed(), "--------------------\n2 flags downloaded.\n1 error.\n"
                                   "Elapsed time: 1.00s\n");
}

static void test_final_all_lines_in_order(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 146, .not_found = 363, .errors = 167};
    report_flags2_final(out, &c, 676, 2.594, false);
    assert_string_equal(printed(), "--------------------\n146 flags downloaded.\n363 not found.\n"
                                   "167 errors.\nElapsed time: 2.59s\n");
}

static void test_final_interrupted_says_how_many_were_not_done(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 5, .errors = 1, .cancelled = 4};
    report_flags2_final(out, &c, 194, 1, true);
    assert_string_equal(printed(), "--------------------\n5 flags downloaded.\n1 error.\n"
                                   "*** Interrupted: 188 of 194 codes not done.\n"
                                   "Elapsed time: 1.00s\n");
}

/* ---- ringfetch ---- */

static void test_summary_example_line(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 10000, .bytes = 81920000};
    report_summary(out, &c, 1.23);
    assert_string_equal(printed(),
                        "10000 files, 81.9 MB, 0 errors in 1.23s (8130.1 files/s, 66.6 MB/s)\n");
}

static void test_summary_counts_not_found_and_cancelled_when_some(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 7, .not_found = 2, .errors = 1, .cancelled = 3, .bytes = 1500};
    report_summary(out, &c, 2);
    assert_string_equal(printed(), "13 files, 1.5 kB, 2 not found, 3 cancelled, 1 error in 2.00s "
                                   "(6.5 files/s, 750 B/s)\n");
}

static void test_summary_counts_duplicates_apart_from_files(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 3, .errors = 1, .bytes = 3000, .duplicates = 2};
    report_summary(out, &c, 1);
    assert_string_equal(printed(), "4 files, 3.0 kB, 2 duplicates, 1 error in 1.00s "
                                   "(4.0 files/s, 3.0 kB/s)\n");
    assert_int_equal(report_items(&c), 4);
}

static void test_summary_one_duplicate_is_singular(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 1, .not_found = 1, .cancelled = 1, .duplicates = 1};
    report_summary(out, &c, 1);
    assert_string_equal(printed(), "3 files, 0 B, 1 not found, 1 cancelled, 1 duplicate, "
                                   "0 errors in 1.00s (3.0 files/s, 0 B/s)\n");
}

static void test_summary_singular_file_and_zero_time(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 1, .bytes = 10};
    report_summary(out, &c, 0);
    /* Finite rates even when nothing could be timed. */
    assert_string_equal(printed(), "1 file, 10 B, 0 errors in 0.00s (1000000.0 files/s, 10.0 MB/s)\n");
}

static void test_summary_counts_skipped_as_items_and_says_retries_and_redirects(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 3, .skipped = 2, .errors = 1, .bytes = 3000, .results = 4,
                              .attempts = 7, .redirects = 2};
    report_summary(out, &c, 1);
    assert_string_equal(printed(), "6 files, 3.0 kB, 2 skipped, 3 retries, 2 redirects, 1 error in 1.00s "
                                   "(6.0 files/s, 3.0 kB/s)\n");
    assert_int_equal(report_items(&c), 6);
}

static void test_summary_one_retry_and_one_redirect_are_singular(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 1, .skipped = 1, .results = 1, .attempts = 2, .redirects = 1};
    report_summary(out, &c, 1);
    assert_string_equal(printed(), "2 files, 0 B, 1 skipped, 1 retry, 1 redirect, 0 errors in 1.00s "
                                   "(2.0 files/s, 0 B/s)\n");
}

static void test_count_result_adds_attempts_and_redirects(void **state)
{
    (void)state;
    struct report_counts c = {0};
    report_count_result(&c, &(struct rf_result){ .outcome = RF_OK, .bytes = 10, .attempts = 3, .redirects = 2 });
    report_count_result(&c, &(struct rf_result){ .outcome = RF_ERROR, .attempts = 1 });
    assert_int_equal(c.ok, 1);
    assert_int_equal(c.errors, 1);
    assert_int_equal(c.bytes, 10);
    assert_int_equal(c.results, 2);
    assert_int_equal(c.attempts, 4);
    assert_int_equal(c.redirects, 2);
    assert_string_equal(report_outcome_name(RF_OK), "ok");
    assert_string_equal(report_outcome_name(RF_NOT_FOUND), "not_found");
    assert_string_equal(report_outcome_name(RF_ERROR), "error");
    assert_string_equal(report_outcome_name(RF_CANCELLED), "cancelled");
}

static void test_size_uses_decimal_units(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(report_size(b, sizeof b, 0), "0 B");
    assert_string_equal(report_size(b, sizeof b, 999), "999 B");
    assert_string_equal(report_size(b, sizeof b, 1000), "1.0 kB");
    assert_string_equal(report_size(b, sizeof b, 2350400), "2.4 MB");
    assert_string_equal(report_size(b, sizeof b, 268435456), "268.4 MB");
    assert_string_equal(report_size(b, sizeof b, 2.5e9), "2.5 GB");
}

static void test_count_puts_each_outcome_in_its_counter(void **state)
{
    (void)state;
    struct report_counts c = {0};
    report_count(&c, RF_OK, 100);
    report_count(&c, RF_OK, 20);
    report_count(&c, RF_NOT_FOUND, 7);
    report_count(&c, RF_ERROR, 9);
    report_count(&c, RF_ERROR, 0);
    report_count(&c, RF_CANCELLED, 5);
    assert_int_equal(c.ok, 2);
    assert_int_equal(c.not_found, 1);
    assert_int_equal(c.errors, 2);
    assert_int_equal(c.cancelled, 1);
    /* Only the bodies of the items that were fetched are counted. */
    assert_int_equal(c.bytes, 120);
    assert_int_equal(report_items(&c), 6);
}

static void test_stats_json_has_every_field(void **state)
{
    (void)state;
    struct report_counts c = {.ok = 194, .not_found = 482, .errors = 3, .cancelled = 1, .bytes = 2350400,
                              .skipped = 5, .duplicates = 6, .attempts = 700};
    struct rf_stats st = {.enters = 11, .sqes = 22, .cqes = 33, .peak_inflight = 44, .enobufs = 55,
                          .connects = 66, .reused = 77, .window = 88, .retries = 21, .redirects = 8,
                          .pipelined = 9, .features = "buf_ring direct_files"};
    report_stats_json(out, &c, 1.5, &st);
    const char *t = printed();
    assert_int_equal(t[strlen(t) - 1], '\n');
    assert_ptr_equal(strchr(t, '\n'), t + strlen(t) - 1);   /* one line */
    json_object *o = json_tokener_parse(t);
    assert_non_null(o);
    static const struct {
        const char *key;
        int64_t want;
    } fields[] = {
        {"files", 685}, {"ok", 194}, {"not_found", 482}, {"errors", 3}, {"bytes", 2350400},
        {"enters", 11}, {"sqes", 22}, {"cqes", 33}, {"peak_inflight", 44}, {"enobufs", 55},
        {"connects", 66}, {"reused", 77}, {"window", 88}, {"skipped", 5}, {"cancelled", 1},
        {"duplicates", 6}, {"attempts", 700}, {"retries", 21}, {"redirects", 8}, {"pipelined", 9},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_object *v;
        if (!json_object_object_get_ex(o, fields[i].key, &v))
            fail_msg("missing key %s", fields[i].key);
        assert_int_equal(json_object_get_int64(v), fields[i].want);
    }
    json_object *e;
    assert_true(json_object_object_get_ex(o, "elapsed_s", &e));
    assert_float_equal(json_object_get_double(e), 1.5, 1e-9);
    assert_true(json_object_object_get_ex(o, "features", &e));
    assert_string_equal(json_object_get_string(e), "buf_ring direct_files");
    json_object_put(o);
}

#define T(name) cmocka_unit_test_setup_teardown(name, open_out, close_out)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_header_names_the_site),
        T(test_header_one_code_is_singular),
        T(test_header_joins_up_to_ten_codes),
        T(test_header_joins_exactly_ten_codes),
        T(test_header_shows_a_range_past_ten_codes),
        T(test_header_whole_example_of_the_spec),
        T(test_header_one_connection_is_singular),
        T(test_item_ok_line),
        T(test_item_not_found_line),
        T(test_item_error_line_carries_the_message),
        T(test_item_cancelled_prints_nothing),
        T(test_final_spec_example),
        T(test_final_one_flag_is_singular),
        T(test_final_zero_flags_is_printed_and_plural),
        T(test_final_not_found_only_when_some_and_never_plural),
        T(test_final_one_not_found_has_the_same_wording),
        T(test_final_one_error_is_singular),
        T(test_final_all_lines_in_order),
        T(test_final_interrupted_says_how_many_were_not_done),
        T(test_summary_example_line),
        T(test_summary_counts_not_found_and_cancelled_when_some),
        T(test_summary_counts_duplicates_apart_from_files),
        T(test_summary_one_duplicate_is_singular),
        T(test_summary_singular_file_and_zero_time),
        T(test_summary_counts_skipped_as_items_and_says_retries_and_redirects),
        T(test_summary_one_retry_and_one_redirect_are_singular),
        T(test_count_result_adds_attempts_and_redirects),
        T(test_size_uses_decimal_units),
        T(test_count_puts_each_outcome_in_its_counter),
        T(test_stats_json_has_every_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
