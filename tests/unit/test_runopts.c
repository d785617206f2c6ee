/* The front ends' shared option set-up (src/cli/runopts.c): --timeout and
 * --read-timeout as engine limits, and how they cap each other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/runopts.h"
#include "ringfetch/limits.h"

static struct rf_options defaults(void)
{
    struct rf_options o;
    rf_options_default(&o);
    return o;
}

static void read_timeout_sets_the_silence_limit_in_ms(void **state)
{
    (void)state;
    struct rf_options o = defaults();
    assert_int_equal(o.idle_timeout_ms, RF_IDLE_TIMEOUT_MS);
    runopts_read_timeout(&o, 2.5);
    assert_int_equal(o.idle_timeout_ms, 2500);
    runopts_read_timeout(&o, 0); /* 0: keep what there is */
    assert_int_equal(o.idle_timeout_ms, 2500);
}

static void read_timeout_is_clamped_to_what_the_field_holds(void **state)
{
    (void)state;
    struct rf_options o = defaults();
    runopts_read_timeout(&o, 0.0001); /* below 1 ms: 1 ms, never 0 (which means none) */
    assert_int_equal(o.idle_timeout_ms, 1);
    runopts_read_timeout(&o, 1e12);
    assert_int_equal(o.idle_timeout_ms, 4000000000u);
}

static void read_timeout_is_capped_at_the_whole_request_limit(void **state)
{
    (void)state;
    struct rf_options o = defaults();
    runopts_timeout(&o, 0.5);
    assert_int_equal(o.request_timeout_ms, 500);
    assert_int_equal(o.idle_timeout_ms, 500); /* --timeout caps the default silence limit */
    runopts_read_timeout(&o, 5);
    assert_int_equal(o.idle_timeout_ms, 500);
    runopts_read_timeout(&o, 0.2);
    assert_int_equal(o.idle_timeout_ms, 200);
    assert_int_equal(o.request_timeout_ms, 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_timeout_sets_the_silence_limit_in_ms),
        cmocka_unit_test(read_timeout_is_clamped_to_what_the_field_holds),
        cmocka_unit_test(read_timeout_is_capped_at_the_whole_request_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
