/* The policy point (src/engine/policy.c): each rule on its own. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/policy.h"

static struct policy_verdict decide(struct policy_facts f)
{
    struct policy_verdict v;
    policy_decide(&f, &v);
    return v;
}

static void complete_2xx_is_ok(void **state)
{
    (void)state;
    struct policy_verdict v = decide((struct policy_facts){ .status = 200, .sends = 1 });
    assert_int_equal(v.action, POLICY_DELIVER);
    assert_int_equal(v.outcome, RF_OK);
    v = decide((struct policy_facts){ .status = 204, .sends = 1 });
    assert_int_equal(v.outcome, RF_OK);
}

static void unrequested_206_is_an_error(void **state)
{
    (void)state;
    struct policy_verdict v = decide((struct policy_facts){ .status = 206, .sends = 1 });
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_HTTP_STATUS);
}

static void status_decides_whatever_the_body_did(void **state)
{
    (void)state;
    struct policy_verdict v = decide((struct policy_facts){ .status = 404, .err = RF_E_TRUNCATED, .sends = 1 });
    assert_int_equal(v.outcome, RF_NOT_FOUND);
    v = decide((struct policy_facts){ .status = 503, .err = RF_E_TRUNCATED, .sends = 1 });
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_HTTP_STATUS);
    v = decide((struct policy_facts){ .status = 200, .err = RF_E_TRUNCATED, .sends = 1 });
    assert_int_equal(v.outcome, RF_ERROR);
    assert_int_equal(v.err, RF_E_TRUNCATED);
}

static void resend_once_only_when_safe(void **state)
{
    (void)state;
    struct policy_facts f = { .err = -ECONNRESET, .resend_ok = true, .sends = 1 };
    assert_int_equal(decide(f).action, POLICY_RESEND);
    f.sends = 2;
    assert_int_equal(decide(f).action, POLICY_DELIVER);
    f.sends = 1;
    f.kept = true;
    assert_int_equal(decide(f).action, POLICY_DELIVER);
    f.kept = false;
    f.stopping = true;
    assert_int_equal(decide(f).action, POLICY_DELIVER);
    f = (struct policy_facts){ .err = -ECONNRESET, .resend_ok = false, .sends = 1 };
    assert_int_equal(decide(f).action, POLICY_DELIVER);
    assert_int_equal(decide(f).outcome, RF_ERROR);
}

static void stop_cancels(void **state)
{
    (void)state;
    struct policy_verdict v = decide((struct policy_facts){ .err = -ECANCELED, .stopping = true, .sends = 1 });
    assert_int_equal(v.outcome, RF_CANCELLED);
    /* A job whose answer was already in keeps its class. */
    v = decide((struct policy_facts){ .status = 200, .stopping = true, .sends = 1 });
    assert_int_equal(v.outcome, RF_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(complete_2xx_is_ok),
        cmocka_unit_test(unrequested_206_is_an_error),
        cmocka_unit_test(status_decides_whatever_the_body_did),
        cmocka_unit_test(resend_once_only_when_safe),
        cmocka_unit_test(stop_cancels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
