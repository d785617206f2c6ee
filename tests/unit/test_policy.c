/* The policy point (src/engine/policy.c): each rule on its own. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/policy.h"

static const struct policy_config NONE = { .retry_delay_ns = 1000000000, .retry_max_delay_ns = 60000000000ull };
static const struct policy_config DL = { .retries = 3, .retry_delay_ns = 1000000000,
                                         .retry_max_delay_ns = 60000000000ull, .max_redirects = 10 };

static struct policy_verdict v;

static struct policy_verdict *decide(const struct policy_config *c, struct policy_facts f)
{
    if (!f.url)
        f.url = "http://h/a";
    policy_decide(c, &f, &v);
    return &v;
}

static void complete_2xx_is_ok(void **state)
{
    (void)state;
    assert_int_equal(decide(&NONE, (struct policy_facts){ .status = 200, .sends = 1 })->outcome, RF_OK);
    assert_int_equal(v.action, POLICY_DELIVER);
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 204, .sends = 1 })->outcome, RF_OK);
}

static void unrequested_206_is_an_error(void **state)
{
    (void)state;
    decide(&NONE, (struct policy_facts){ .status = 206, .sends = 1 });
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_HTTP_STATUS);
}

static void status_decides_whatever_the_body_did(void **state)
{
    (void)state;
    assert_int_equal(decide(&NONE, (struct policy_facts){ .status = 404, .err = RF_E_TRUNCATED, .sends = 1 })->outcome,
                     RF_NOT_FOUND);
    decide(&NONE, (struct policy_facts){ .status = 503, .err = RF_E_TRUNCATED, .sends = 1 });
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_HTTP_STATUS);
    decide(&NONE, (struct policy_facts){ .status = 200, .err = RF_E_TRUNCATED, .sends = 1 });
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_TRUNCATED);
}

static void resend_once_only_when_safe(void **state)
{
    (void)state;
    struct policy_facts f = { .err = -ECONNRESET, .resend_ok = true, .sends = 1 };
    assert_int_equal(decide(&NONE, f)->action, POLICY_RESEND);
    f.sends = 2;
    assert_int_equal(decide(&NONE, f)->action, POLICY_DELIVER);
    f.sends = 1;
    f.kept = true;
    assert_int_equal(decide(&NONE, f)->action, POLICY_DELIVER);
    f.kept = false;
    f.stopping = true;
    assert_int_equal(decide(&NONE, f)->action, POLICY_DELIVER);
    struct policy_config counted = NONE;
    counted.no_resend = true;
    f.stopping = false;
    assert_int_equal(decide(&counted, f)->action, POLICY_DELIVER);
    f = (struct policy_facts){ .err = -ECONNRESET, .resend_ok = false, .sends = 1 };
    assert_int_equal(decide(&NONE, f)->action, POLICY_DELIVER);
    assert_int_equal(v.outcome, RF_ERROR);
}

static void stop_cancels(void **state)
{
    (void)state;
    assert_int_equal(decide(&DL, (struct policy_facts){ .err = -ECANCELED, .stopping = true, .sends = 1 })->outcome,
                     RF_CANCELLED);
    /* A job whose answer was already in keeps its class. */
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 200, .stopping = true, .sends = 1 })->outcome, RF_OK);
    /* and a stop never schedules a retry */
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 503, .stopping = true, .sends = 1 })->action,
                     POLICY_DELIVER);
}

static void transient_failures_are_retried_the_rest_never(void **state)
{
    (void)state;
    static const int statuses[] = { 408, 429, 500, 502, 503, 504 };
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        assert_int_equal(decide(&DL, (struct policy_facts){ .status = statuses[i], .sends = 1 })->action, POLICY_RETRY);
    static const int errs[] = { -ECONNREFUSED, -ECONNRESET, RF_E_CONNECT_TIMEOUT, RF_E_TRUNCATED, RF_E_EMPTY_REPLY };
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
        assert_int_equal(decide(&DL, (struct policy_facts){ .err = errs[i], .sends = 1 })->action, POLICY_RETRY);
    /* a truncated 2xx body is retried, a truncated 404 is not */
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 200, .err = RF_E_TRUNCATED, .sends = 1 })->action,
                     POLICY_RETRY);
    static const int never[] = { 400, 401, 403, 404, 410, 501, 505 };
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        assert_int_equal(decide(&DL, (struct policy_facts){ .status = never[i], .sends = 1 })->action, POLICY_DELIVER);
    static const int never_err[] = { RF_E_PROTOCOL, RF_E_RESOLVE, -ENOSPC, RF_E_CODING };
    for (size_t i = 0; i < sizeof never_err / sizeof never_err[0]; i++)
        assert_int_equal(decide(&DL, (struct policy_facts){ .err = never_err[i], .sends = 1 })->action, POLICY_DELIVER);
    /* out of retries: delivered as the error it is */
    decide(&DL, (struct policy_facts){ .status = 503, .sends = 1, .retries_done = 3 });
    assert_int_equal(v.action, POLICY_DELIVER);
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_HTTP_STATUS);
    /* none at all without retries */
    assert_int_equal(decide(&NONE, (struct policy_facts){ .status = 503, .sends = 1 })->action, POLICY_DELIVER);
}

static void silence_is_retried_the_whole_request_limit_never(void **state)
{
    (void)state;
    /* nothing came for idle_timeout_ms: tried again, like a reset */
    assert_int_equal(decide(&DL, (struct policy_facts){ .err = RF_E_TIMEOUT, .sends = 1 })->action, POLICY_RETRY);
    assert_int_equal(v.err, RF_E_TIMEOUT);
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 200, .err = RF_E_TIMEOUT, .sends = 1,
                                                        .kept = true })->action,
                     POLICY_RETRY);
    /* a handshake that hung past the connect limit, like a connect that did */
    assert_int_equal(decide(&DL, (struct policy_facts){ .err = RF_E_TLS_TIMEOUT, .sends = 1 })->action,
                     POLICY_RETRY);
    /* the whole-request limit covers every try: its timeout ends the job */
    assert_int_equal(decide(&DL, (struct policy_facts){ .err = RF_E_TIMEOUT, .deadline = true, .sends = 1 })->action,
                     POLICY_DELIVER);
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_TIMEOUT);
    assert_int_equal(decide(&DL, (struct policy_facts){ .err = RF_E_TLS_TIMEOUT, .deadline = true,
                                                        .sends = 1 })->action,
                     POLICY_DELIVER);
    assert_int_equal(v.err, RF_E_TLS_TIMEOUT);
    /* ... and every other kind of further try: a retryable status, a
     * redirect, a range restart, a resend on a reused connection; the
     * limit is why the job ends, so it says timed out */
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 503, .err = RF_E_TIMEOUT, .deadline = true,
                                                        .sends = 1 })->action,
                     POLICY_DELIVER);
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_TIMEOUT);
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 503, .deadline = true, .sends = 1 })->action,
                     POLICY_DELIVER);
    assert_int_equal(v.err, RF_E_TIMEOUT);
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 301, .deadline = true, .sends = 1,
                                                        .location = "/x", .location_len = 2 })->action,
                     POLICY_DELIVER);
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_TIMEOUT);
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 416, .ranged = true, .deadline = true,
                                                        .sends = 1 })->action,
                     POLICY_DELIVER);
    assert_int_equal(v.err, RF_E_TIMEOUT);
    assert_int_equal(decide(&DL, (struct policy_facts){ .err = RF_E_EMPTY_REPLY, .resend_ok = true,
                                                        .deadline = true, .sends = 1 })->action,
                     POLICY_DELIVER);
    assert_int_equal(v.err, RF_E_TIMEOUT);
    /* a connect limit that fell due with the deadline keeps its own words */
    assert_int_equal(decide(&DL, (struct policy_facts){ .err = RF_E_CONNECT_TIMEOUT, .deadline = true,
                                                        .sends = 1 })->action,
                     POLICY_DELIVER);
    assert_int_equal(v.err, RF_E_CONNECT_TIMEOUT);
    /* nothing further to try: what happened stands, deadline or not */
    decide(&DL, (struct policy_facts){ .status = 404, .deadline = true, .sends = 1 });
    assert_int_equal(v.outcome, RF_NOT_FOUND);
    decide(&DL, (struct policy_facts){ .status = 200, .deadline = true, .sends = 1 });
    assert_int_equal(v.outcome, RF_OK);
    /* stopping wins over the deadline: no timeout is made up */
    decide(&DL, (struct policy_facts){ .err = -ECANCELED, .stopping = true, .deadline = true, .sends = 1 });
    assert_int_equal(v.outcome, RF_CANCELLED);
    decide(&DL, (struct policy_facts){ .status = 503, .stopping = true, .deadline = true, .sends = 1 });
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_HTTP_STATUS);
    /* a redirect refused anyway keeps its own reason */
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 302, .deadline = true, .sends = 1, .redirects_done = 10,
                                                        .location = "/x", .location_len = 2 })->action,
                     POLICY_DELIVER);
    assert_int_equal(v.err, RF_E_REDIRECT);
    assert_string_equal(v.next_url, "");
    /* a load generator's unanswered pipelined request: the limit, not an empty reply */
    static const struct policy_config LOAD = { .no_resend = true, .retry_delay_ns = 1000000000,
                                               .retry_max_delay_ns = 60000000000ull };
    decide(&LOAD, (struct policy_facts){ .err = RF_E_EMPTY_REPLY, .resend_ok = true, .deadline = true, .sends = 1 });
    assert_int_equal(v.err, RF_E_TIMEOUT);
    decide(&LOAD, (struct policy_facts){ .err = RF_E_EMPTY_REPLY, .resend_ok = true, .sends = 1 });
    assert_int_equal(v.action, POLICY_DELIVER);
    assert_int_equal(v.err, RF_E_EMPTY_REPLY);
    /* without the deadline the same facts are tried again */
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 503, .err = RF_E_TIMEOUT, .sends = 1 })->action,
                     POLICY_RETRY);
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 301, .sends = 1, .location = "/x",
                                                        .location_len = 2 })->action,
                     POLICY_FOLLOW);
    assert_int_equal(decide(&DL, (struct policy_facts){ .err = RF_E_CONNECT_TIMEOUT, .sends = 1 })->action,
                     POLICY_RETRY);
    /* a silent 404 is still the answer; silence with no retries left is delivered */
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 404, .err = RF_E_TIMEOUT, .sends = 1 })->action,
                     POLICY_DELIVER);
    assert_int_equal(decide(&DL, (struct policy_facts){ .err = RF_E_TIMEOUT, .sends = 1, .retries_done = 3 })->action,
                     POLICY_DELIVER);
    assert_int_equal(decide(&NONE, (struct policy_facts){ .err = RF_E_TIMEOUT, .sends = 1 })->action, POLICY_DELIVER);
}

static void backoff_doubles_with_jitter_up_to_the_cap(void **state)
{
    (void)state;
    for (unsigned k = 0; k < 3; k++) {
        uint64_t base = 1000000000ull << k;
        for (uint64_t r = 0; r < 1000; r += 97) {
            decide(&DL, (struct policy_facts){ .status = 503, .sends = 1, .retries_done = k,
                                               .random = r * 12345678901ull });
            assert_true(v.delay_ns >= base / 2 && v.delay_ns <= base);
        }
    }
    struct policy_config c = DL;
    c.retries = 100;
    decide(&c, (struct policy_facts){ .status = 503, .sends = 1, .retries_done = 30, .random = ~0ull });
    assert_true(v.delay_ns <= c.retry_max_delay_ns);
}

static void retry_after_seconds_and_dates_up_to_the_cap(void **state)
{
    (void)state;
    decide(&DL, (struct policy_facts){ .status = 503, .sends = 1, .retry_after = "7", .retry_after_len = 1 });
    assert_int_equal(v.delay_ns, 7000000000ull);
    /* Sun, 06 Nov 1994 08:49:37 GMT is 784111777 */
    const char *date = "Sun, 06 Nov 1994 08:49:37 GMT";
    decide(&DL, (struct policy_facts){ .status = 429, .sends = 1, .retry_after = date,
                                       .retry_after_len = strlen(date), .now_wall_s = 784111777 - 5 });
    assert_int_equal(v.delay_ns, 5000000000ull);
    const char *rfc850 = "Sunday, 06-Nov-94 08:49:37 GMT", *asct = "Sun Nov  6 08:49:37 1994";
    int64_t d;
    assert_int_equal(policy_retry_after(rfc850, strlen(rfc850), 784111777 - 9, &d), 0);
    assert_int_equal(d, 9);
    assert_int_equal(policy_retry_after(asct, strlen(asct), 784111777 - 3, &d), 0);
    assert_int_equal(d, 3);
    /* a date in the past: at once */
    decide(&DL, (struct policy_facts){ .status = 503, .sends = 1, .retry_after = date,
                                       .retry_after_len = strlen(date), .now_wall_s = 784111777 + 100 });
    assert_int_equal(v.delay_ns, 0);
    /* longer than the cap: the cap */
    decide(&DL, (struct policy_facts){ .status = 503, .sends = 1, .retry_after = "86400", .retry_after_len = 5 });
    assert_int_equal(v.delay_ns, DL.retry_max_delay_ns);
    /* garbage: the backoff instead */
    decide(&DL, (struct policy_facts){ .status = 503, .sends = 1, .retry_after = "soon", .retry_after_len = 4 });
    assert_true(v.delay_ns >= 500000000 && v.delay_ns <= 1000000000);
}

static void redirects_are_resolved_and_followed(void **state)
{
    (void)state;
    static const int statuses[] = { 301, 302, 303, 307, 308 };
    for (size_t i = 0; i < 5; i++) {
        decide(&DL, (struct policy_facts){ .status = statuses[i], .sends = 1, .url = "http://h/d/a",
                                           .location = "../b?x", .location_len = 6 });
        assert_int_equal(v.action, POLICY_FOLLOW);
        assert_string_equal(v.next_url, "http://h/b?x");
    }
    /* 300 and 304 are not followed; with redirects off, 301 is an HTTP error */
    assert_int_equal(decide(&DL, (struct policy_facts){ .status = 300, .sends = 1, .location = "/x", .location_len = 2 })->action,
                     POLICY_DELIVER);
    decide(&NONE, (struct policy_facts){ .status = 301, .sends = 1, .location = "/x", .location_len = 2 });
    assert_int_equal(v.action, POLICY_DELIVER);
    assert_int_equal(v.err, RF_E_HTTP_STATUS);
}

static void redirects_refused_say_why(void **state)
{
    (void)state;
    decide(&DL, (struct policy_facts){ .status = 302, .sends = 1, .redirects_done = 10, .location = "/x",
                                       .location_len = 2 });
    assert_int_equal(v.err, RF_E_REDIRECT);
    assert_non_null(strstr(v.detail, "too many"));
    decide(&DL, (struct policy_facts){ .status = 302, .sends = 1, .location = "ftp://h/x", .location_len = 9 });
    assert_int_equal(v.err, RF_E_REDIRECT);
    assert_non_null(strstr(v.detail, "scheme"));
    decide(&DL, (struct policy_facts){ .status = 302, .sends = 1, .url = "https://h/a", .location = "http://h/a",
                                       .location_len = 10 });
    assert_int_equal(v.err, RF_E_REDIRECT);
    assert_non_null(strstr(v.detail, "https to http"));
    struct policy_config down = DL;
    down.allow_downgrade = true;
    decide(&down, (struct policy_facts){ .status = 302, .sends = 1, .url = "https://h/a", .location = "http://h/a",
                                         .location_len = 10 });
    assert_int_equal(v.action, POLICY_FOLLOW);
    uint64_t seen[2] = { policy_url_hash("http://h/a"), policy_url_hash("http://h/b") };
    decide(&DL, (struct policy_facts){ .status = 301, .sends = 1, .url = "http://h/b", .location = "/a",
                                       .location_len = 2, .visited = seen, .nvisited = 2, .redirects_done = 1 });
    assert_int_equal(v.err, RF_E_REDIRECT);
    assert_non_null(strstr(v.detail, "loop"));
    decide(&DL, (struct policy_facts){ .status = 301, .sends = 1 });
    assert_int_equal(v.err, RF_E_HTTP_STATUS);
    assert_non_null(strstr(v.detail, "without a Location"));
    decide(&DL, (struct policy_facts){ .status = 301, .sends = 1, .location = "", .location_len = 0,
                                       .location_too_long = true });
    assert_int_equal(v.err, RF_E_REDIRECT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(complete_2xx_is_ok),
        cmocka_unit_test(unrequested_206_is_an_error),
        cmocka_unit_test(status_decides_whatever_the_body_did),
        cmocka_unit_test(resend_once_only_when_safe),
        cmocka_unit_test(stop_cancels),
        cmocka_unit_test(transient_failures_are_retried_the_rest_never),
        cmocka_unit_test(silence_is_retried_the_whole_request_limit_never),
        cmocka_unit_test(backoff_doubles_with_jitter_up_to_the_cap),
        cmocka_unit_test(retry_after_seconds_and_dates_up_to_the_cap),
        cmocka_unit_test(redirects_are_resolved_and_followed),
        cmocka_unit_test(redirects_refused_say_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
