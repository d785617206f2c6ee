/* server/behave.c and server/options.c: flagserver's seeded decisions and its
 * command line (presets, overrides, usage errors). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/behave.h"
#include "server/options.h"

static struct fs_decision decide(struct fs_behave *b, const char *path)
{
    struct fs_decision d;
    fs_behave_next(b, path, strlen(path), &d);
    return d;
}

static void code_path(char *buf, size_t cap, int i)
{
    snprintf(buf, cap, "/flags/%c%c/%c%c.gif", 'a' + i / 26, 'a' + i % 26, 'a' + i / 26, 'a' + i % 26);
}

static void test_no_settings_means_no_behaviour(void **state)
{
    (void)state;
    struct fs_behaviour cfg = { 0 };
    struct fs_behave b;
    fs_behave_init(&b, &cfg);
    for (int i = 0; i < 100; i++) {
        struct fs_decision d = decide(&b, "/x");
        assert_int_equal(d.delay_ms + d.error_status + d.fault, 0);
    }
    fs_behave_free(&b);
}

static void test_error_rate_is_about_the_setting_with_statuses_500_to_503(void **state)
{
    (void)state;
    struct fs_behaviour cfg = { .seed = 7, .error_rate = 0.25 };
    struct fs_behave b;
    int errors = 0, seen[4] = { 0 };
    char path[32];
    fs_behave_init(&b, &cfg);
    for (int i = 0; i < 676; i++) {
        code_path(path, sizeof(path), i);
        struct fs_decision d = decide(&b, path);
        if (d.error_status) {
            assert_in_range(d.error_status, 500, 503);
            seen[d.error_status - 500]++;
            errors++;
        }
    }
    assert_in_range(errors, 676 * 20 / 100, 676 * 30 / 100);
    for (int s = 0; s < 4; s++)
        assert_true(seen[s] > 0);
    fs_behave_free(&b);
}

static void test_decisions_depend_on_seed_path_and_count_not_on_order(void **state)
{
    (void)state;
    struct fs_behaviour cfg = { .seed = 42, .error_rate = 0.5, .delay_rate = 0.5, .delay_max_ms = 1000 };
    struct fs_behave a, b;
    struct fs_decision da[50], db[50];
    char path[32];
    fs_behave_init(&a, &cfg);
    fs_behave_init(&b, &cfg);
    for (int i = 0; i < 50; i++) {
        code_path(path, sizeof(path), i);
        da[i] = decide(&a, path);
    }
    for (int i = 49; i >= 0; i--) {
        code_path(path, sizeof(path), i);
        db[i] = decide(&b, path);
    }
    assert_memory_equal(da, db, sizeof(da));
    fs_behave_free(&a);
    fs_behave_free(&b);
}

static void test_repeated_requests_of_a_path_draw_afresh(void **state)
{
    (void)state;
    struct fs_behaviour cfg = { .seed = 1, .error_rate = 0.5 };
    struct fs_behave b;
    int errors = 0;
    fs_behave_init(&b, &cfg);
    for (int i = 0; i < 200; i++)
        errors += decide(&b, "/same").error_status != 0;
    assert_in_range(errors, 60, 140);
    fs_behave_free(&b);
}

static void test_other_seed_gives_other_decisions(void **state)
{
    (void)state;
    struct fs_behaviour c1 = { .seed = 1, .error_rate = 0.5 }, c2 = { .seed = 2, .error_rate = 0.5 };
    struct fs_behave b1, b2;
    int differ = 0;
    char path[32];
    fs_behave_init(&b1, &c1);
    fs_behave_init(&b2, &c2);
    for (int i = 0; i < 100; i++) {
        code_path(path, sizeof(path), i);
        differ += (decide(&b1, path).error_status != 0) != (decide(&b2, path).error_status != 0);
    }
    assert_true(differ > 20);
    fs_behave_free(&b1);
    fs_behave_free(&b2);
}

static void test_delays_stay_in_the_range(void **state)
{
    (void)state;
    struct fs_behaviour cfg = { .seed = 3, .delay_rate = 1.0, .delay_min_ms = 500, .delay_max_ms = 5000 };
    struct fs_behave b;
    uint32_t lo = UINT32_MAX, hi = 0;
    char path[32];
    fs_behave_init(&b, &cfg);
    for (int i = 0; i < 676; i++) {
        code_path(path, sizeof(path), i);
        uint32_t ms = decide(&b, path).delay_ms;
        assert_in_range(ms, 500, 5000);
        lo = ms < lo ? ms : lo;
        hi = ms > hi ? ms : hi;
    }
    assert_true(lo < 700 && hi > 4800);
    fs_behave_free(&b);
}

static void test_fault_wins_over_error_and_only_enabled_faults_occur(void **state)
{
    (void)state;
    struct fs_behaviour cfg = { .seed = 9, .error_rate = 1.0, .fault_rate = 1.0,
                                .faults = 1u << FS_FAULT_RESET | 1u << FS_FAULT_HANG };
    struct fs_behave b;
    int reset = 0, hang = 0;
    char path[32];
    fs_behave_init(&b, &cfg);
    for (int i = 0; i < 100; i++) {
        code_path(path, sizeof(path), i);
        struct fs_decision d = decide(&b, path);
        assert_int_equal(d.error_status, 0);
        assert_true(d.fault == FS_FAULT_RESET || d.fault == FS_FAULT_HANG);
        reset += d.fault == FS_FAULT_RESET;
        hang += d.fault == FS_FAULT_HANG;
    }
    assert_true(reset > 0 && hang > 0);
    fs_behave_free(&b);
}

static void test_fault_names_round_trip(void **state)
{
    (void)state;
    for (int f = FS_FAULT_NONE + 1; f < FS_FAULT_COUNT; f++) {
        const char *name = fs_fault_name((enum fs_fault)f);
        assert_non_null(name);
        assert_int_equal(fs_fault_parse(name, strlen(name)), f);
    }
    assert_int_equal(fs_fault_parse("bogus", 5), -EINVAL);
    assert_null(fs_fault_name(FS_FAULT_NONE));
}

/* ---- options ---- */

static int parse(struct fs_options *o, char *err, const char *a0, ...)
{
    char *argv[32] = { "flagserver" };
    int argc = 1;
    va_list ap;
    va_start(ap, a0);
    for (const char *a = a0; a; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    return fs_options_parse(argc, argv, o, err, 256);
}

static void test_presets_have_the_books_ports_and_settings(void **state)
{
    (void)state;
    struct fs_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--presets", NULL), 0);
    assert_int_equal(o.nsites, 3);
    assert_int_equal(o.sites[0].port, 8001);
    assert_true(o.sites[0].behave.delay_rate == 0.0 && o.sites[0].behave.error_rate == 0.0);
    assert_int_equal(o.sites[1].port, 8002);
    assert_true(o.sites[1].behave.delay_rate == 1.0);
    assert_int_equal(o.sites[1].behave.delay_min_ms, 500);
    assert_int_equal(o.sites[2].port, 8003);
    assert_true(o.sites[2].behave.error_rate == 0.25 && o.sites[2].behave.delay_rate == 0.5);
    assert_int_equal(o.sites[2].behave.error_status, 0);
    assert_string_equal(o.bind, "127.0.0.1");
}

static void test_explicit_options_override_a_preset(void **state)
{
    (void)state;
    struct fs_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--preset", "error", "--port", "0", "--seed", "7", "--delay", "0.1:0.2",
                           "--root", "/tmp", NULL), 0);
    assert_int_equal(o.nsites, 1);
    assert_string_equal(o.sites[0].preset, "ERROR");
    assert_int_equal(o.sites[0].port, 0);
    assert_int_equal(o.sites[0].behave.seed, 7);
    assert_int_equal(o.sites[0].behave.delay_min_ms, 100);
    assert_int_equal(o.sites[0].behave.delay_max_ms, 200);
    assert_true(o.sites[0].behave.delay_rate == 0.5); /* the preset's rate stays */
    assert_true(o.sites[0].behave.error_rate == 0.25);
    assert_string_equal(o.root, "/tmp");
}

static void test_fault_and_error_status_alone_imply_rate_one(void **state)
{
    (void)state;
    struct fs_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--fault=reset,drip", "--error-status", "418", NULL), 0);
    assert_true(o.sites[0].behave.fault_rate == 1.0 && o.sites[0].behave.error_rate == 1.0);
    assert_int_equal(o.sites[0].behave.faults, 1u << FS_FAULT_RESET | 1u << FS_FAULT_DRIP);
    assert_int_equal(o.sites[0].behave.error_status, 418);
    assert_int_equal(parse(&o, err, "--fault", "all", "--fault-rate", "0.1", NULL), 0);
    assert_true(o.sites[0].behave.fault_rate == 0.1);
}

static void test_presets_with_a_port_count_up_from_it(void **state)
{
    (void)state;
    struct fs_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--presets", "--port", "9000", NULL), 0);
    assert_int_equal(o.sites[2].port, 9002);
    assert_int_equal(parse(&o, err, "--presets", "--port", "0", NULL), 0);
    assert_int_equal(o.sites[1].port + o.sites[2].port, 0);
}

static void test_bad_options_are_usage_errors(void **state)
{
    (void)state;
    struct fs_options o;
    char err[256];
    assert_int_equal(parse(&o, err, "--port", "70000", NULL), -EINVAL);
    assert_int_equal(parse(&o, err, "--port", NULL), -EINVAL);
    assert_int_equal(parse(&o, err, "--delay-rate", "1.5", NULL), -EINVAL);
    assert_int_equal(parse(&o, err, "--delay", "2:1", NULL), -EINVAL);
    assert_int_equal(parse(&o, err, "--fault", "reset,", NULL), -EINVAL);
    assert_int_equal(parse(&o, err, "--error-status", "99", NULL), -EINVAL);
    assert_int_equal(parse(&o, err, "--seed", "-1", NULL), -EINVAL);
    assert_int_equal(parse(&o, err, "--preset", "REMOTE", NULL), -EINVAL);
    assert_non_null(strstr(err, "--preset"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_settings_means_no_behaviour),
        cmocka_unit_test(test_error_rate_is_about_the_setting_with_statuses_500_to_503),
        cmocka_unit_test(test_decisions_depend_on_seed_path_and_count_not_on_order),
        cmocka_unit_test(test_repeated_requests_of_a_path_draw_afresh),
        cmocka_unit_test(test_other_seed_gives_other_decisions),
        cmocka_unit_test(test_delays_stay_in_the_range),
        cmocka_unit_test(test_fault_wins_over_error_and_only_enabled_faults_occur),
        cmocka_unit_test(test_fault_names_round_trip),
        cmocka_unit_test(test_presets_have_the_books_ports_and_settings),
        cmocka_unit_test(test_explicit_options_override_a_preset),
        cmocka_unit_test(test_fault_and_error_status_alone_imply_rate_one),
        cmocka_unit_test(test_presets_with_a_port_count_up_from_it),
        cmocka_unit_test(test_bad_options_are_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
