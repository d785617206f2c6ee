/* cli/flags2_args.c: flags2's command line, its help and every usage error. */
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

#include "cli/flags2_args.h"

static struct flags2_args args;
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

/* Parse "flags2" followed by the NULL-terminated arguments. */
static int parse(const char *first, ...)
{
    static char *argv[64];
    va_list ap;
    va_start(ap, first);
    int argc = capture_argv(argv, 64, "flags2", first, ap);
    va_end(ap);
    return flags2_args_parse(argc, argv, &args, cap.out, cap.err);
}

static const char *out_s(void) { return capture_out(&cap); }
static const char *err_s(void) { return capture_err(&cap); }

/* A spec usage error: message then usage line on stdout, nothing on stderr. */
static void assert_usage_error(int rc, const char *message)
{
    char want[512];
    snprintf(want, sizeof want, "*** Usage error: %s\n%s", message, FLAGS2_USAGE);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(out_s(), want);
    assert_string_equal(err_s(), "");
}

/* An argparse error: usage line then "flags2: error: ..." on stderr. */
static void assert_parser_error(int rc, const char *message)
{
    char want[512];
    snprintf(want, sizeof want, "%sflags2: error: %s\n", FLAGS2_USAGE, message);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err_s(), want);
    assert_string_equal(out_s(), "");
}

static void assert_codes(const char *joined)
{
    char buf[CODES_EVERY_COUNT * 3 + 1] = "";
    for (size_t i = 0; i < args.codes.n; i++) {
        strcat(buf, args.codes.cc[i]);
        if (i + 1 < args.codes.n)
            strcat(buf, " ");
    }
    assert_string_equal(buf, joined);
}

/* ---- defaults and options ---- */

static void test_defaults_are_local_five_and_top20(void **state)
{
    (void)state;
    assert_int_equal(parse(NULL), FLAGS2_ARGS_RUN);
    assert_int_equal(args.max_req, 5);
    assert_string_equal(args.label, "LOCAL");
    assert_string_equal(args.base_url, "http://localhost:8001/flags");
    assert_string_equal(args.dest, "downloads");
    assert_false(args.all || args.every || args.verbose || args.stats);
    assert_true(args.timeout_s == 0);
    assert_int_equal(args.codes.n, 20);
    assert_string_equal(out_s(), "");
    assert_string_equal(err_s(), "");
}

static void test_short_options_combine(void **state)
{
    (void)state;
    assert_int_equal(parse("-al", "100", NULL), FLAGS2_ARGS_RUN);
    assert_true(args.all);
    assert_int_equal(args.limit, 100);
    assert_int_equal(args.codes.n, 100);
    assert_string_equal(args.codes.cc[99], "LK");
}

static void test_short_option_value_can_be_attached(void **state)
{
    (void)state;
    assert_int_equal(parse("-m7", "-l3", "-ev", NULL), FLAGS2_ARGS_RUN);
    assert_int_equal(args.max_req, 7);
    assert_int_equal(args.limit, 3);
    assert_true(args.every && args.verbose);
    assert_codes("AA AB AC");
}

static void test_long_options_with_underscore_and_equals(void **state)
{
    (void)state;
    assert_int_equal(parse("--max_req", "100", "--limit=2", "--every", "--verbose", NULL),
                     FLAGS2_ARGS_RUN);
    assert_int_equal(args.max_req, 100);
    assert_codes("AA AB");
    assert_true(args.verbose);
}

static void test_server_label_is_case_insensitive(void **state)
{
    (void)state;
    assert_int_equal(parse("-s", "delay", NULL), FLAGS2_ARGS_RUN);
    assert_string_equal(args.label, "DELAY");
    assert_string_equal(args.base_url, "http://localhost:8002/flags");
    assert_int_equal(parse("--server", "Error", NULL), FLAGS2_ARGS_RUN);
    assert_string_equal(args.label, "ERROR");
    assert_string_equal(args.base_url, "http://localhost:8003/flags");
    assert_int_equal(parse("-s", "REMOTE", NULL), FLAGS2_ARGS_RUN);
    assert_string_equal(args.base_url, "http://flupy.org/data/flags");
}

static void test_positional_codes_mix_with_options(void **state)
{
    (void)state;
    assert_int_equal(parse("br", "-v", "cn", "B", "-l", "3", NULL), FLAGS2_ARGS_RUN);
    assert_true(args.verbose);
    assert_codes("BA BB BC");
}

static void test_double_dash_ends_options(void **state)
{
    (void)state;
    assert_int_equal(parse("--", "BR", NULL), FLAGS2_ARGS_RUN);
    assert_codes("BR");
}

static void test_long_only_extras(void **state)
{
    (void)state;
    assert_int_equal(parse("--url", "http://127.0.0.1:9/x//", "--dest", "/tmp/f", "--timeout",
                           "2.5", "--stats", NULL),
                     FLAGS2_ARGS_RUN);
    /* Trailing slashes go, so that BASE/cc/cc.gif has single slashes. */
    assert_string_equal(args.base_url, "http://127.0.0.1:9/x");
    assert_string_equal(args.label, "LOCAL");
    assert_string_equal(args.dest, "/tmp/f");
    assert_float_equal(args.timeout_s, 2.5, 1e-12);
    assert_true(args.stats);
}

static void test_url_keeps_the_label_given(void **state)
{
    (void)state;
    assert_int_equal(parse("-s", "error", "--url", "http://127.0.0.1:1234/flags", NULL),
                     FLAGS2_ARGS_RUN);
    assert_string_equal(args.label, "ERROR");
    assert_string_equal(args.base_url, "http://127.0.0.1:1234/flags");
}

static void test_connections_are_min_of_req_cap_and_codes(void **state)
{
    (void)state;
    assert_int_equal(flags2_connections(5, 20), 5);
    assert_int_equal(flags2_connections(100, 20), 20);
    assert_int_equal(flags2_connections(5000, 676), 676);
    assert_int_equal(flags2_connections(5000, 2000), 1000);
    assert_int_equal(flags2_connections(1, 676), 1);
    assert_int_equal(flags2_connections(100, 1), 1);
}

static void test_server_url_lookup(void **state)
{
    (void)state;
    const char *label = NULL;
    assert_string_equal(flags2_server_url("local", &label), "http://localhost:8001/flags");
    assert_string_equal(label, "LOCAL");
    assert_null(flags2_server_url("LOCALHOST", NULL));
    assert_null(flags2_server_url("", NULL));
}

/* ---- help ---- */

static void test_help_prints_every_help_string_and_exits_ok(void **state)
{
    (void)state;
    assert_int_equal(parse("-h", NULL), FLAGS2_ARGS_HELP);
    const char *t = out_s();
    static const char *const want[] = {
        FLAGS2_USAGE,
        "Download flags for country codes. Default: top 20 countries by population.",
        "country code or 1st letter (eg. B for BA...BZ)",
        "-a, --all             get all available flags (AD to ZW)",
        "-e, --every           get flags for every possible code (AA...ZZ)",
        "-l N, --limit N       limit to N first codes",
        "-m CONCURRENT, --max_req CONCURRENT\n                        maximum concurrent requests (default=5)",
        "-s LABEL, --server LABEL\n                        Server to hit; one of DELAY, ERROR, LOCAL, REMOTE\n"
        "                        (default=LOCAL)",
        "-v, --verbose         output detailed progress info",
        "--url BASE", "--dest DIR", "--timeout SECONDS", "--stats",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(t, want[i]))
            fail_msg("help lacks: %s", want[i]);
    assert_memory_equal(t, FLAGS2_USAGE, strlen(FLAGS2_USAGE));
    assert_string_equal(err_s(), "");
}

static void test_long_help_is_the_same(void **state)
{
    (void)state;
    assert_int_equal(parse("BR", "--help", NULL), FLAGS2_ARGS_HELP);
    assert_non_null(strstr(out_s(), "show this help message and exit"));
}

static void test_version_prints_the_version_and_exits_ok(void **state)
{
    (void)state;
    assert_int_equal(parse("BR", "--version", NULL), FLAGS2_ARGS_VERSION);
    const char *t = out_s();
    assert_memory_equal(t, "flags2 " RF_VERSION "\n", strlen("flags2 " RF_VERSION "\n"));
    assert_non_null(strstr(t, "\nbuilt with: liburing "));
    assert_string_equal(err_s(), "");
}

/* ---- the spec's usage errors ---- */

static void test_max_req_below_one_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("-m", "0", NULL), "--max_req CONCURRENT must be >= 1");
}

static void test_negative_max_req_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("-m", "-3", NULL), "--max_req CONCURRENT must be >= 1");
}

static void test_limit_below_one_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("--limit", "0", NULL), "--limit N must be >= 1");
}

static void test_max_req_is_checked_before_limit(void **state)
{
    (void)state;
    assert_usage_error(parse("-l", "0", "-m", "0", NULL), "--max_req CONCURRENT must be >= 1");
}

static void test_unknown_server_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("-s", "nowhere", NULL),
                       "--server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE");
}

static void test_bad_code_argument_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("BR", "BRA", NULL), "each CC argument must be A to Z or AA to ZZ.");
}

static void test_digit_code_argument_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("1", NULL), "each CC argument must be A to Z or AA to ZZ.");
}

static void test_server_is_checked_before_codes(void **state)
{
    (void)state;
    assert_usage_error(parse("-s", "x", "123", NULL),
                       "--server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE");
}

static void test_bad_codes_are_ignored_with_all(void **state)
{
    (void)state;
    assert_int_equal(parse("-a", "123", NULL), FLAGS2_ARGS_RUN);
    assert_int_equal(args.codes.n, 194);
}

/* ---- what argparse rejects ---- */

static void test_non_numeric_limit_is_a_parser_error(void **state)
{
    (void)state;
    assert_parser_error(parse("-l", "ten", NULL), "argument -l/--limit: invalid int value: 'ten'");
}

static void test_unknown_backend_is_a_parser_error(void **state)
{
    (void)state;
    assert_parser_error(parse("--backend", "kqueue", NULL),
                        "argument --backend: invalid choice: 'kqueue' (choose from 'uring', 'epoll')");
}

static void test_backend_and_trace_are_parsed(void **state)
{
    (void)state;
    assert_int_equal(parse("--backend", "epoll", "--trace", "t.bin", "BR", NULL), FLAGS2_ARGS_RUN);
    assert_int_equal(args.io.backend, RF_BACKEND_EPOLL);
    assert_string_equal(args.io.trace, "t.bin");
}

static void test_numeric_prefix_is_not_a_number(void **state)
{
    (void)state;
    assert_parser_error(parse("-m", "5x", NULL), "argument -m/--max_req: invalid int value: '5x'");
}

static void test_blanks_around_a_number_are_accepted(void **state)
{
    (void)state;
    assert_int_equal(parse("-m", " 12 ", NULL), FLAGS2_ARGS_RUN);
    assert_int_equal(args.max_req, 12);
}

static void test_missing_value_is_a_parser_error(void **state)
{
    (void)state;
    assert_parser_error(parse("-l", NULL), "argument -l/--limit: expected one argument");
}

static void test_unknown_short_option_is_a_parser_error(void **state)
{
    (void)state;
    assert_parser_error(parse("-x", NULL), "unrecognized arguments: -x");
}

static void test_unknown_short_option_inside_a_group(void **state)
{
    (void)state;
    assert_parser_error(parse("BR", "-axv", NULL), "unrecognized arguments: -x");
}

static void test_unknown_long_option_is_a_parser_error(void **state)
{
    (void)state;
    assert_parser_error(parse("--bogus", NULL), "unrecognized arguments: --bogus");
}

static void test_value_given_to_a_flag_is_a_parser_error(void **state)
{
    (void)state;
    assert_parser_error(parse("--all=yes", NULL), "argument --all: ignored explicit argument 'yes'");
}

static void test_bad_timeout_value_is_a_parser_error(void **state)
{
    (void)state;
    assert_parser_error(parse("--timeout", "soon", NULL),
                        "argument --timeout: invalid float value: 'soon'");
}

/* ---- our extras' errors ---- */

static void test_timeout_must_be_positive(void **state)
{
    (void)state;
    assert_usage_error(parse("--timeout", "0", NULL), "--timeout SECONDS must be > 0");
}

static void test_url_must_be_http(void **state)
{
    (void)state;
    assert_usage_error(parse("--url", "ftp://x/flags", NULL),
                       "--url BASE must be an http:// or https:// URL: unknown scheme: only "
                       "http:// and https:// URLs are supported");
    close_streams(state);
    assert_int_equal(open_streams(state), 0);
    assert_usage_error(parse("--url", "http://h:/flags", NULL),
                       "--url BASE must be an http:// or https:// URL: empty port after ':'");
}

static void test_url_must_fit_a_request(void **state)
{
    (void)state;
    static char url[RF_URL_MAX_BYTES + 16];
    memset(url, 'a', sizeof url - 1);
    memcpy(url, "http://h/", 9);
    assert_usage_error(parse("--url", url, NULL), "--url BASE is too long");
}

static void test_dest_must_not_be_empty(void **state)
{
    (void)state;
    assert_usage_error(parse("--dest", "", NULL), "--dest DIR must not be empty");
}

static void test_parser_can_run_twice(void **state)
{
    (void)state;
    assert_int_equal(parse("-m", "9", NULL), FLAGS2_ARGS_RUN);
    assert_int_equal(parse("-m", "8", "BR", NULL), FLAGS2_ARGS_RUN);
    assert_int_equal(args.max_req, 8);
    assert_codes("BR");
}

#define T(name) cmocka_unit_test_setup_teardown(name, open_streams, close_streams)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_defaults_are_local_five_and_top20),
        T(test_short_options_combine),
        T(test_short_option_value_can_be_attached),
        T(test_long_options_with_underscore_and_equals),
        T(test_server_label_is_case_insensitive),
        T(test_positional_codes_mix_with_options),
        T(test_double_dash_ends_options),
        T(test_long_only_extras),
        T(test_url_keeps_the_label_given),
        T(test_connections_are_min_of_req_cap_and_codes),
        T(test_server_url_lookup),
        T(test_help_prints_every_help_string_and_exits_ok),
        T(test_long_help_is_the_same),
        T(test_version_prints_the_version_and_exits_ok),
        T(test_max_req_below_one_is_a_usage_error),
        T(test_negative_max_req_is_a_usage_error),
        T(test_limit_below_one_is_a_usage_error),
        T(test_unknown_backend_is_a_parser_error),
        T(test_backend_and_trace_are_parsed),
        T(test_max_req_is_checked_before_limit),
        T(test_unknown_server_is_a_usage_error),
        T(test_bad_code_argument_is_a_usage_error),
        T(test_digit_code_argument_is_a_usage_error),
        T(test_server_is_checked_before_codes),
        T(test_bad_codes_are_ignored_with_all),
        T(test_non_numeric_limit_is_a_parser_error),
        T(test_numeric_prefix_is_not_a_number),
        T(test_blanks_around_a_number_are_accepted),
        T(test_missing_value_is_a_parser_error),
        T(test_unknown_short_option_is_a_parser_error),
        T(test_unknown_short_option_inside_a_group),
        T(test_unknown_long_option_is_a_parser_error),
        T(test_value_given_to_a_flag_is_a_parser_error),
        T(test_bad_timeout_value_is_a_parser_error),
        T(test_timeout_must_be_positive),
        T(test_url_must_be_http),
        T(test_url_must_fit_a_request),
        T(test_dest_must_not_be_empty),
        T(test_parser_can_run_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
