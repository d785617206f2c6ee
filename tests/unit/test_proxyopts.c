/* cli/proxyopts.c through ringfetch's parser: --proxy and --noproxy, and
 * which of them and of the environment a run uses (curl's precedence, and
 * HTTP_PROXY never read). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"

#include "cli/proxyopts.h"
#include "cli/ringfetch_args.h"
#include "ringfetch/engine.h"

static struct ringfetch_args args;
static struct capture cap;

static int open_streams(void **state)
{
    (void)state;
    return capture_open(&cap);
}

static int close_streams(void **state)
{
    (void)state;
    capture_close(&cap);
    return 0;
}

static int parse(const char *first, ...)
{
    static char *argv[64];
    va_list ap;
    va_start(ap, first);
    int argc = capture_argv(argv, 64, "ringfetch", first, ap);
    va_end(ap);
    return ringfetch_args_parse(argc, argv, &args, cap.out, cap.err);
}

static void assert_usage_error(int rc, const char *message)
{
    char want[512];
    snprintf(want, sizeof want, "ringfetch: %s\n%sTry 'ringfetch --help' for more information.\n",
             message, RINGFETCH_USAGE);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(capture_err(&cap), want);
}

/* A made-up environment: NAME=VALUE pairs. */
static const char *const *env_now;
static char *fake_env(const char *name)
{
    for (const char *const *e = env_now; e && *e; e += 2)
        if (strcmp(e[0], name) == 0)
            return (char *)e[1];
    return NULL;
}

static int apply(const char *const *env, struct rf_options *opt)
{
    env_now = env;
    memset(opt, 0xa5, sizeof *opt); /* every field it owns must be written */
    return proxyopts_apply(&args.proxy, opt, "ringfetch", cap.err, fake_env);
}

static void test_options_are_taken(void **state)
{
    (void)state;
    assert_int_equal(parse("--proxy", "http://u:p@127.0.0.1:3128", "--noproxy", "localhost,.lan",
                           "http://h/a", NULL), RINGFETCH_ARGS_RUN);
    assert_string_equal(args.proxy.proxy, "http://u:p@127.0.0.1:3128");
    assert_string_equal(args.proxy.noproxy, "localhost,.lan");
    assert_int_equal(parse("--proxy=", "--noproxy=", "http://h/a", NULL), RINGFETCH_ARGS_RUN);
    assert_string_equal(args.proxy.proxy, "");
    assert_string_equal(args.proxy.noproxy, "");
}

static void test_bad_values_are_usage_errors_naming_the_option(void **state)
{
    (void)state;
    assert_usage_error(parse("--proxy", "socks5://u:hush@h:1080", "http://h/a", NULL),
                       "--proxy 'socks5://u:***@h:1080': only http:// proxies are supported");
    assert_null(strstr(capture_err(&cap), "hush"));
}

static void test_bad_noproxy_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("--noproxy", "a.com,10.0.0.0/40", "http://h/a", NULL),
                       "--noproxy '10.0.0.0/40': not a host name, an IP address or an address block");
}

static void test_missing_values_name_the_option(void **state)
{
    (void)state;
    assert_usage_error(parse("http://h/a", "--proxy", NULL), "--proxy needs a value");
}

static void test_help_lists_the_proxy_options(void **state)
{
    (void)state;
    assert_int_equal(parse("--help", NULL), RINGFETCH_ARGS_EXIT);
    assert_non_null(strstr(capture_out(&cap), "  --proxy URL "));
    assert_non_null(strstr(capture_out(&cap), "  --noproxy LIST "));
}

static void test_the_environment_as_curl_reads_it(void **state)
{
    (void)state;
    struct rf_options o;
    assert_int_equal(parse("http://h/a", NULL), RINGFETCH_ARGS_RUN);
    /* Lower case for http; HTTP_PROXY never (httpoxy). */
    const char *const e1[] = { "http_proxy", "h1:1", "HTTP_PROXY", "evil:1", "HTTPS_PROXY", "h2:2",
                               "NO_PROXY", "lan", NULL };
    assert_int_equal(apply(e1, &o), 0);
    assert_string_equal(o.http_proxy, "h1:1");
    assert_string_equal(o.https_proxy, "h2:2");
    assert_string_equal(o.no_proxy, "lan");
    const char *const e2[] = { "HTTP_PROXY", "evil:1", NULL };
    assert_int_equal(apply(e2, &o), 0);
    assert_null(o.http_proxy);
    assert_null(o.https_proxy);
    assert_null(o.no_proxy);
    /* The lower-case ones first; an empty one counts as unset. */
    const char *const e3[] = { "https_proxy", "lo:1", "HTTPS_PROXY", "up:1", "no_proxy", "",
                               "NO_PROXY", "up", NULL };
    assert_int_equal(apply(e3, &o), 0);
    assert_string_equal(o.https_proxy, "lo:1");
    assert_string_equal(o.no_proxy, "up");
    assert_string_equal(capture_err(&cap), "");
}

static void test_options_override_the_environment(void **state)
{
    (void)state;
    struct rf_options o;
    const char *const env[] = { "http_proxy", "socks5://bad", "https_proxy", "e:1", "no_proxy", "a b",
                                NULL };
    /* A bad variable the options override is never read. */
    assert_int_equal(parse("--proxy", "p:8", "--noproxy", "x.org", "http://h/a", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(apply(env, &o), 0);
    assert_string_equal(o.http_proxy, "p:8");
    assert_string_equal(o.https_proxy, "p:8");
    assert_string_equal(o.no_proxy, "x.org");
    /* --proxy '': no proxy at all; --noproxy '': every host through it. */
    assert_int_equal(parse("--proxy", "", "--noproxy", "", "http://h/a", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(apply(env, &o), 0);
    assert_null(o.http_proxy);
    assert_null(o.https_proxy);
    assert_string_equal(o.no_proxy, "");
    /* no_proxy still applies to --proxy, as in curl. */
    const char *const env2[] = { "no_proxy", "lan", NULL };
    assert_int_equal(parse("--proxy", "p:8", "http://h/a", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(apply(env2, &o), 0);
    assert_string_equal(o.no_proxy, "lan");
}

static void test_a_bad_variable_is_named_and_its_password_hidden(void **state)
{
    (void)state;
    struct rf_options o;
    assert_int_equal(parse("http://h/a", NULL), RINGFETCH_ARGS_RUN);
    const char *const e1[] = { "HTTPS_PROXY", "https://u:hush@h", NULL };
    assert_int_equal(apply(e1, &o), -EINVAL);
    assert_string_equal(capture_err(&cap), "ringfetch: HTTPS_PROXY 'https://u:***@h': https:// proxies "
                                           "(TLS to the proxy) are not supported: use http:// "
                                           "(--proxy overrides the environment)\n");
}

static void test_a_bad_no_proxy_variable_is_named(void **state)
{
    (void)state;
    struct rf_options o;
    assert_int_equal(parse("http://h/a", NULL), RINGFETCH_ARGS_RUN);
    const char *const e1[] = { "no_proxy", "ok,http://x", NULL };
    assert_int_equal(apply(e1, &o), -EINVAL);
    assert_string_equal(capture_err(&cap), "ringfetch: no_proxy 'http://x': not a host name, an IP "
                                           "address or an address block (--noproxy overrides the "
                                           "environment)\n");
}

#define T(name) cmocka_unit_test_setup_teardown(name, open_streams, close_streams)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_options_are_taken),
        T(test_bad_values_are_usage_errors_naming_the_option),
        T(test_bad_noproxy_is_a_usage_error),
        T(test_missing_values_name_the_option),
        T(test_help_lists_the_proxy_options),
        T(test_the_environment_as_curl_reads_it),
        T(test_options_override_the_environment),
        T(test_a_bad_variable_is_named_and_its_password_hidden),
        T(test_a_bad_no_proxy_variable_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
