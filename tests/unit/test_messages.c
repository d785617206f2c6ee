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

static void test_a_failing_file_is_named(void **state)
{
    (void)state;
    struct rf_result res = {.outcome = RF_ERROR, .err = -ENOSPC, .http_status = 200,
                            .path = "out/f.bin"};
    assert_string_equal(msg(&res), "cannot write out/f.bin: No space left on device");
    res.err = -EACCES;
    assert_string_equal(msg(&res), "cannot write out/f.bin: Permission denied");
    res.err = -EISDIR;
    res.http_status = 206;
    assert_string_equal(msg(&res), "cannot write out/f.bin: Is a directory");
}

static void test_connection_errors_do_not_name_the_file(void **state)
{
    (void)state;
    /* Before a status there is no file yet: EACCES is the connect's. */
    struct rf_result res = {.outcome = RF_ERROR, .err = -EACCES, .http_status = 0,
                            .path = "out/f.bin"};
    assert_string_equal(msg(&res), "Permission denied");
    res.err = -ECONNRESET;
    res.http_status = 200;
    assert_string_equal(msg(&res), "connection reset by peer");
    res.err = -ENETUNREACH;
    assert_string_equal(msg(&res), "Network is unreachable");
}

static void test_no_path_no_name(void **state)
{
    (void)state;
    struct rf_result res = {.outcome = RF_ERROR, .err = -ENOSPC, .http_status = 200};
    assert_string_equal(msg(&res), "No space left on device");
}

/* Through a proxy: its own failures name it; the others say it was there. */
static void test_proxy_failures_name_the_proxy(void **state)
{
    (void)state;
    const char *px = "http://127.0.0.1:3128";
    struct rf_result res = {.outcome = RF_ERROR, .err = RF_E_PROXY, .proxy = px, .host = "o",
                            .detail = "refused CONNECT: 403 Forbidden"};
    assert_string_equal(msg(&res), "proxy http://127.0.0.1:3128 refused CONNECT: 403 Forbidden");
    res = (struct rf_result){.outcome = RF_ERROR, .err = -ECONNREFUSED, .proxy = px};
    assert_string_equal(msg(&res), "proxy http://127.0.0.1:3128: Connection refused");
    res = (struct rf_result){.outcome = RF_ERROR, .err = RF_E_RESOLVE, .proxy = "http://p.test:1",
                             .host = "origin", .detail = "Domain name not found"};
    assert_string_equal(msg(&res), "could not resolve proxy http://p.test:1 (Domain name not found)");
    res = (struct rf_result){.outcome = RF_ERROR, .err = RF_E_CONNECT_TIMEOUT, .proxy = px, .host = "o"};
    assert_string_equal(msg(&res), "timed out connecting to proxy http://127.0.0.1:3128");
    res = (struct rf_result){.outcome = RF_ERROR, .err = RF_E_HTTP_STATUS, .http_status = 407, .proxy = px};
    assert_string_equal(msg(&res),
                        "proxy http://127.0.0.1:3128 refused the request: 407 Proxy Authentication Required");
    /* Not the proxy's own: said as without one, and that it went through it. */
    res = (struct rf_result){.outcome = RF_ERROR, .err = RF_E_HTTP_STATUS, .http_status = 503, .proxy = px,
                             .attempts = 2};
    assert_string_equal(msg(&res),
                        "HTTP error 503 - Service Unavailable (through proxy http://127.0.0.1:3128) (2 attempts)");
    res = (struct rf_result){.outcome = RF_ERROR, .err = RF_E_TLS_HOST, .proxy = px, .host = "127.0.0.1",
                             .detail = "other.example"};
    assert_string_equal(msg(&res), "certificate is for other.example, not 127.0.0.1 "
                                   "(through proxy http://127.0.0.1:3128)");
    /* A connection refused after a status is not the connect's. */
    res = (struct rf_result){.outcome = RF_ERROR, .err = -ECONNRESET, .proxy = px};
    assert_string_equal(msg(&res), "connection reset by peer (through proxy http://127.0.0.1:3128)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_in_the_headers_says_so_not_zero_body_bytes),
        cmocka_unit_test(test_cut_in_the_body_counts_the_body_bytes),
        cmocka_unit_test(test_errno_values_are_strerror),
        cmocka_unit_test(test_a_failing_file_is_named),
        cmocka_unit_test(test_connection_errors_do_not_name_the_file),
        cmocka_unit_test(test_no_path_no_name),
        cmocka_unit_test(test_proxy_failures_name_the_proxy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
