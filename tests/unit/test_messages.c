/* engine/messages.c: the words a front end prints for a result. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ringfetch/engine.h"

static char buf[256];

static const char *msg(const struct rf_result *res)
{
    return rf_result_message(res, buf, sizeof buf);
}

static void test_cut_in_the_headers_says_so_not_zero_body_bytes(void **state)
{
    (void)state;
    struct rf_result res = {.outcome = RF_ERROR, .err = RF_E_TRUNCATED, .http_status = 0,
                            .detail = "connection closed in the response headers"};
    assert_string_equal(msg(&res),
                        "truncated response: connection closed before the headers were complete");
}

static void test_cut_in_the_body_counts_the_body_bytes(void **state)
{
    (void)state;
    struct rf_result res = {.outcome = RF_ERROR, .err = RF_E_TRUNCATED, .http_status = 200,
                            .bytes = 0};
    assert_string_equal(msg(&res), "truncated body: connection closed after 0 body bytes");
    res.bytes = 5000;
    assert_string_equal(msg(&res), "truncated body: connection closed after 5000 body bytes");
}

static void test_errno_values_are_strerror(void **state)
{
    (void)state;
    struct rf_result res = {.outcome = RF_ERROR, .err = -ECONNREFUSED};
    assert_string_equal(msg(&res), "Connection refused");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_in_the_headers_says_so_not_zero_body_bytes),
        cmocka_unit_test(test_cut_in_the_body_counts_the_body_bytes),
        cmocka_unit_test(test_errno_values_are_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
