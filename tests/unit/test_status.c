/* http/status.c: the one table of reason phrases, as the client's messages
 * and flagserver's status lines use it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/status.h"
#include "ringfetch/engine.h"
#include "server/reply.h"

static void test_known_codes_have_their_phrases(void **state)
{
    (void)state;
    assert_string_equal(http_status_reason(200), "OK");
    assert_string_equal(http_status_reason(404), "Not Found");
    assert_string_equal(http_status_reason(418), "I'm a Teapot");
    assert_string_equal(http_status_reason(431), "Request Header Fields Too Large");
    assert_string_equal(http_status_reason(503), "Service Unavailable");
}

static void test_unknown_codes_have_no_phrase(void **state)
{
    (void)state;
    assert_string_equal(http_status_reason(299), "");
    assert_string_equal(http_status_reason(0), "");
    assert_string_equal(http_status_reason(-1), "");
}

static void test_client_and_server_say_the_same_words(void **state)
{
    (void)state;
    for (int code = 100; code < 600; code++) {
        const char *want = http_status_reason(code);
        assert_string_equal(rf_status_reason(code), want);
        /* The server needs some phrase on every status line. */
        assert_string_equal(fs_reply_reason(code), *want ? want : "Error");
    }
}

static void test_result_message_uses_the_phrase(void **state)
{
    (void)state;
    char buf[128];
    struct rf_result res = {.outcome = RF_ERROR, .err = RF_E_HTTP_STATUS, .http_status = 431};
    assert_string_equal(rf_result_message(&res, buf, sizeof buf),
                        "HTTP error 431 - Request Header Fields Too Large");
    res.http_status = 299;
    assert_string_equal(rf_result_message(&res, buf, sizeof buf), "HTTP error 299");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_codes_have_their_phrases),
        cmocka_unit_test(test_unknown_codes_have_no_phrase),
        cmocka_unit_test(test_client_and_server_say_the_same_words),
        cmocka_unit_test(test_result_message_uses_the_phrase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
