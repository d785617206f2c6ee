/* cli/ringfetch_args.c: ringfetch's command line. */
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

#include "cli/ringfetch_args.h"
#include "ringfetch/engine.h"
#include "ringfetch/limits.h"

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

/* Parse "ringfetch" followed by the NULL-terminated arguments. */
static int parse(const char *first, ...)
{
    static char *argv[64];
    va_list ap;
    va_start(ap, first);
    int argc = capture_argv(argv, 64, "ringfetch", first, ap);
    va_end(ap);
    return ringfetch_args_parse(argc, argv, &args, cap.out, cap.err);
}

static const char *out_s(void) { return capture_out(&cap); }
static const char *err_s(void) { return capture_err(&cap); }

/* A usage error: "ringfetch: MESSAGE", the usage line and a hint, on stderr only. */
static void assert_usage_error(int rc, const char *message)
{
    char want[512];
    snprintf(want, sizeof want, "ringfetch: %s\n%sTry 'ringfetch --help' for more information.\n",
             message, RINGFETCH_USAGE);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err_s(), want);
    assert_string_equal(out_s(), "");
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse("http://h/a", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(args.window, RINGFETCH_DEFAULT_WINDOW);
    assert_string_equal(args.outdir, ".");
    assert_int_equal(args.nlists, 0);
    assert_int_equal(args.verbosity, RINGFETCH_NORMAL);
    assert_true(args.timeout_s == 0);
    assert_true(args.read_timeout_s == 0);
    assert_false(args.stats);
    assert_int_equal(args.nurls, 1);
    assert_string_equal(args.urls[0], "http://h/a");
}

static void test_all_options(void **state)
{
    (void)state;
    assert_int_equal(parse("-m", "100", "-o", "out", "-i", "list.txt", "-v", "--timeout", "1.5",
                           "--stats", "http://h/a", "http://h/b", NULL),
                     RINGFETCH_ARGS_RUN);
    assert_int_equal(args.window, 100);
    assert_string_equal(args.outdir, "out");
    assert_int_equal(args.nlists, 1);
    assert_string_equal(args.lists[0], "list.txt");
    assert_int_equal(args.verbosity, RINGFETCH_VERBOSE);
    assert_float_equal(args.timeout_s, 1.5, 1e-12);
    assert_true(args.stats);
    assert_int_equal(args.nurls, 2);
    assert_string_equal(args.urls[1], "http://h/b");
}

static void test_urls_and_options_mix(void **state)
{
    (void)state;
    assert_int_equal(parse("http://h/a", "-q", "http://h/b", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(args.verbosity, RINGFETCH_QUIET);
    assert_int_equal(args.nurls, 2);
}

static void test_list_alone_needs_no_url_argument(void **state)
{
    (void)state;
    assert_int_equal(parse("-i", "-", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(args.nlists, 1);
    assert_string_equal(args.lists[0], "-");
    assert_int_equal(args.nurls, 0);
}

static void test_several_lists_are_all_kept_in_order(void **state)
{
    (void)state;
    assert_int_equal(parse("-i", "a.txt", "-i", "-", "--input", "b.txt", NULL),
                     RINGFETCH_ARGS_RUN);
    assert_int_equal(args.nlists, 3);
    assert_string_equal(args.lists[0], "a.txt");
    assert_string_equal(args.lists[1], "-");
    assert_string_equal(args.lists[2], "b.txt");
}

static void test_stdin_as_a_list_twice_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("-i", "-", "-i", "a.txt", "-i", "-", NULL),
                       "-i - given twice: standard input can be read only once");
}

static void test_too_many_lists_is_a_usage_error(void **state)
{
    (void)state;
    char *argv[2 * RF_RINGFETCH_MAX_LISTS + 4];
    int argc = 0;
    argv[argc++] = "ringfetch";
    for (int i = 0; i <= RF_RINGFETCH_MAX_LISTS; i++) {
        argv[argc++] = "-i";
        argv[argc++] = "l.txt";
    }
    argv[argc] = NULL;
    assert_usage_error(ringfetch_args_parse(argc, argv, &args, cap.out, cap.err),
                       "-i can be given at most 16 times (join the lists with cat), not for "
                       "'l.txt'");
}

static void test_window_bounds_are_accepted(void **state)
{
    (void)state;
    assert_int_equal(parse("-m", "1", "u", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(args.window, 1);
    assert_int_equal(parse("-m", "10000", "u", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(args.window, RF_MAX_WINDOW);
}

static void test_window_zero_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("-m", "0", "u", NULL),
                       "-m N must be a whole number from 1 to 10000, not '0'");
}

static void test_window_above_the_maximum_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("-m", "10001", "u", NULL),
                       "-m N must be a whole number from 1 to 10000, not '10001'");
}

static void test_window_not_a_number_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("-m", "5x", "u", NULL),
                       "-m N must be a whole number from 1 to 10000, not '5x'");
}

static void test_timeout_must_be_positive(void **state)
{
    (void)state;
    assert_usage_error(parse("--timeout", "0", "u", NULL),
                       "--timeout S must be a number of seconds > 0, not '0'");
}

static void test_timeout_must_be_a_number(void **state)
{
    (void)state;
    assert_usage_error(parse("--timeout", "x", "u", NULL),
                       "--timeout S must be a number of seconds > 0, not 'x'");
}

/* Empty stdout and stderr again, for a test that parses more than once. */
static void fresh_streams(void)
{
    capture_close(&cap);
    assert_int_equal(capture_open(&cap), 0);
}

static void test_seconds_and_rate_refuse_what_is_not_a_plain_positive_number(void **state)
{
    (void)state;
    static const char *const bad[] = { "inf", "nan", "3s", "-1", "", "1e400" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[160];
        snprintf(want, sizeof want, "--timeout S must be a number of seconds > 0, not '%s'", bad[i]);
        fresh_streams();
        assert_usage_error(parse("--timeout", bad[i], "u", NULL), want);
        snprintf(want, sizeof want, "--read-timeout S must be a number of seconds > 0, not '%s'", bad[i]);
        fresh_streams();
        assert_usage_error(parse("--read-timeout", bad[i], "u", NULL), want);
        snprintf(want, sizeof want, "--rate R must be a number of requests per second > 0, not '%s'", bad[i]);
        fresh_streams();
        assert_usage_error(parse("--rate", bad[i], "u", NULL), want);
    }
    /* --rate has a ceiling: past a million a second it is a typo */
    fresh_streams();
    assert_usage_error(parse("--rate", "1000001", "u", NULL),
                       "--rate R must be a number of requests per second > 0, not '1000001'");
    assert_int_equal(parse("--rate", "1000000", "u", NULL), RINGFETCH_ARGS_RUN);
    assert_float_equal(args.rate, 1e6, 1e-6);
    assert_int_equal(parse("--rate", "0.5", "u", NULL), RINGFETCH_ARGS_RUN);
    assert_float_equal(args.rate, 0.5, 1e-12);
}

static void test_read_timeout(void **state)
{
    (void)state;
    assert_int_equal(parse("--read-timeout", "2.5", "u", NULL), RINGFETCH_ARGS_RUN);
    assert_float_equal(args.read_timeout_s, 2.5, 1e-12);
}

static void test_read_timeout_must_be_positive(void **state)
{
    (void)state;
    assert_usage_error(parse("--read-timeout", "0", "u", NULL),
                       "--read-timeout S must be a number of seconds > 0, not '0'");
}

static void test_read_timeout_must_be_finite(void **state)
{
    (void)state;
    assert_usage_error(parse("--read-timeout", "inf", "u", NULL),
                       "--read-timeout S must be a number of seconds > 0, not 'inf'");
}

static void test_read_timeout_must_be_a_number(void **state)
{
    (void)state;
    assert_usage_error(parse("--read-timeout", "3s", "u", NULL),
                       "--read-timeout S must be a number of seconds > 0, not '3s'");
}

static void test_quiet_and_verbose_conflict(void **state)
{
    (void)state;
    assert_usage_error(parse("-q", "-v", "u", NULL), "-q and -v cannot be used together");
}

static void test_discard_is_parsed(void **state)
{
    (void)state;
    assert_int_equal(parse("--discard", "u", NULL), RINGFETCH_ARGS_RUN);
    assert_true(args.discard);
}

static void test_pipeline_backend_and_trace_are_parsed(void **state)
{
    (void)state;
    assert_int_equal(parse("--pipeline", "16", "--backend", "epoll", "--trace", "t.bin", "u", NULL),
                     RINGFETCH_ARGS_RUN);
    assert_int_equal(args.dl.pipeline, 16);
    assert_int_equal(args.io.backend, RF_BACKEND_EPOLL);
    assert_string_equal(args.io.trace, "t.bin");
    assert_int_equal(parse("u", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(args.dl.pipeline, 0);
    assert_int_equal(args.io.backend, RF_BACKEND_URING);
    assert_null(args.io.trace);
}

static void test_bad_pipeline_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("--pipeline", "0", "u", NULL),
                       "--pipeline D must be a whole number from 1 to 256, not '0'");
}

static void test_bad_backend_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("--backend", "kqueue", "u", NULL),
                       "--backend must be uring or epoll, not 'kqueue'");
}

static void test_empty_trace_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("--trace", "", "u", NULL), "--trace FILE must not be empty");
}

static void test_discard_with_an_output_dir_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("--discard", "-o", "d", "u", NULL),
                       "--discard saves nothing: -o DIR cannot go with it");
}

static void test_no_url_at_all_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse(NULL), "no URL given (as arguments or with -i FILE)");
}

static void test_missing_value_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("u", "-o", NULL), "-o needs a value");
}

static void test_unknown_option_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("-Z", "u", NULL), "unknown option '-Z'");
}

static void test_unknown_long_option_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("--nope", "u", NULL), "unknown option '--nope'");
}

static void test_value_given_to_a_flag_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("--quiet=1", "u", NULL), "option '--quiet' takes no value");
}

static void test_empty_output_dir_is_a_usage_error(void **state)
{
    (void)state;
    assert_usage_error(parse("-o", "", "u", NULL), "-o DIR must not be empty");
}

static void test_help_documents_duplicates_and_exits_ok(void **state)
{
    (void)state;
    assert_int_equal(parse("--help", NULL), RINGFETCH_ARGS_EXIT);
    const char *t = out_s();
    assert_memory_equal(t, RINGFETCH_USAGE, strlen(RINGFETCH_USAGE));
    assert_non_null(strstr(t, "duplicate output name"));
    assert_non_null(strstr(t, "The same URL again is fetched once"));
    assert_non_null(strstr(t, "1..10000 (default=20)"));
    assert_non_null(strstr(t, "--timeout S           give up on a URL after S seconds (default: "));
    assert_non_null(strstr(t, "--read-timeout S      a server that sends nothing for S seconds fails the\n"
                              "                        try, which --retry repeats (default: 30)\n"));
    assert_non_null(strstr(t, "Exit status"));
    assert_string_equal(err_s(), "");
}

static void test_version_prints_the_version(void **state)
{
    (void)state;
    assert_int_equal(parse("--version", NULL), RINGFETCH_ARGS_EXIT);
    /* The first line is the version alone; then what it was built with and
     * what this kernel's ring can do (tests/e2e/test_version.py checks the values). */
    const char *t = out_s();
    assert_true(strncmp(t, "ringfetch " RF_VERSION "\n", strlen("ringfetch " RF_VERSION "\n")) == 0);
    assert_non_null(strstr(t, "\nbuilt with: liburing "));
    assert_non_null(strstr(t, "\nio_uring: "));
    assert_string_equal(err_s(), "");
}

/* ---- the downloader options (dlopts.h) ---- */

static void test_downloader_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse("http://h/a", NULL), RINGFETCH_ARGS_RUN);
    const struct dlopts *d = &args.dl;
    assert_int_equal(d->max_redirects, 10);
    assert_false(d->allow_downgrade);
    assert_int_equal(d->retries, 3);
    assert_int_equal(d->retry_delay_ms, 1000);
    assert_int_equal(d->retry_max_delay_ms, 60000);
    assert_int_equal(d->max_per_host, 0);
    assert_int_equal(d->pipeline, 0);
    assert_int_equal(d->nheaders, 0);
    assert_null(d->user_agent);
    assert_false(d->have_user);
    assert_false(d->skip_existing);
    assert_false(d->force_dirs);
    assert_null(d->log_json);
    assert_int_equal(d->shard.n, 0);
    assert_int_equal(d->progress, DLOPTS_PROGRESS_AUTO);
    /* and the engine gets them */
    struct rf_options opt;
    rf_options_default(&opt);
    dlopts_apply(d, &opt);
    assert_int_equal(opt.max_redirects, 10);
    assert_int_equal(opt.retries, 3);
    assert_null(opt.credentials);
    assert_null(opt.headers);
}

static void test_every_downloader_option_is_taken(void **state)
{
    (void)state;
    assert_int_equal(parse("--max-redirs", "0", "--allow-downgrade", "--retry", "7", "--retry-delay", "0.25",
                           "--retry-max-delay", "2.5", "--max-per-host", "4", "--pipeline", "8",
                           "-H", "X-A: 1", "--header", "X-B:", "-A", "ua/1", "--user", "u:p:w",
                           "--skip-existing", "-x", "--log-json", "log.json", "--shard", "2/7",
                           "--progress=dot", "http://h/a", NULL),
                     RINGFETCH_ARGS_RUN);
    const struct dlopts *d = &args.dl;
    assert_int_equal(d->max_redirects, 0);
    assert_true(d->allow_downgrade);
    assert_int_equal(d->retries, 7);
    assert_int_equal(d->retry_delay_ms, 250);
    assert_int_equal(d->retry_max_delay_ms, 2500);
    assert_int_equal(d->max_per_host, 4);
    assert_int_equal(d->pipeline, 8);
    assert_int_equal(d->nheaders, 2);
    assert_string_equal(d->headers[0], "X-A: 1");
    assert_string_equal(d->headers[1], "X-B:");
    assert_string_equal(d->user_agent, "ua/1");
    assert_true(d->have_user && !d->ask_password);
    assert_string_equal(d->credentials, "u:p:w");
    assert_true(d->skip_existing && d->force_dirs);
    assert_string_equal(d->log_json, "log.json");
    assert_int_equal(d->shard.k, 2);
    assert_int_equal(d->shard.n, 7);
    assert_int_equal(d->progress, DLOPTS_PROGRESS_DOT);
    struct rf_options opt;
    rf_options_default(&opt);
    dlopts_apply(d, &opt);
    assert_int_equal(opt.max_per_host, 4);
    assert_int_equal(opt.pipeline, 8);
    assert_int_equal(opt.retry_delay_ms, 250);
    assert_int_equal(opt.nheaders, 2);
    assert_string_equal(opt.credentials, "u:p:w");
    assert_true(opt.allow_downgrade);
    /* --pipeline alone: the window rides on fewer connections, D requests each */
    assert_int_equal(parse("--pipeline", "8", "http://h/a", NULL), RINGFETCH_ARGS_RUN);
    rf_options_default(&opt);
    opt.window = 100;
    dlopts_apply(&args.dl, &opt);
    assert_int_equal(opt.max_per_host, 13);
}

/* Each bad value: a usage error naming the option (and never a password). */
static void test_bad_downloader_values_are_usage_errors_naming_the_option(void **state)
{
    (void)state;
    static const struct { const char *opt, *value, *message; } cases[] = {
        {"--max-redirs", "-1", "--max-redirs N must be a whole number from 0 to 1000, not '-1'"},
        {"--max-redirs", "1001", "--max-redirs N must be a whole number from 0 to 1000, not '1001'"},
        {"--retry", "x", "--retry N must be a whole number from 0 to 1000, not 'x'"},
        {"--retry", "", "--retry N must be a whole number from 0 to 1000, not ''"},
        {"--retry-delay", "0", "--retry-delay S must be a number of seconds > 0 and at most 86400, not '0'"},
        {"--retry-delay", "1e9", "--retry-delay S must be a number of seconds > 0 and at most 86400, not '1e9'"},
        {"--retry-delay", "nan", "--retry-delay S must be a number of seconds > 0 and at most 86400, not 'nan'"},
        {"--retry-max-delay", "-2", "--retry-max-delay S must be a number of seconds > 0 and at most 86400, not '-2'"},
        {"--max-per-host", "0", "--max-per-host N must be a whole number from 1 to 10000, not '0'"},
        {"--max-per-host", "10001", "--max-per-host N must be a whole number from 1 to 10000, not '10001'"},
        {"--pipeline", "0", "--pipeline D must be a whole number from 1 to 256, not '0'"},
        {"-H", "X", "-H 'X' must be 'Name: value' (a ':' right after the name)"},
        {"-H", "X : y", "-H 'X : y' must be 'Name: value' (a ':' right after the name)"},
        {"-H", "(x): y", "-H '(x): y' must start with a header name (letters, digits and !#$%&'*+-.^_`|~)"},
        {"-H", "X: a\nY: b", "-H 'X: a\nY: b' holds a control character (CR, LF...) in its value"},
        {"-A", "a\rb", "-A UA holds a control character (CR, LF...)"},
        {"--user", ":secret", "--user needs a user name before any ':'"},
        {"--log-json", "", "--log-json FILE must not be empty"},
        {"--shard", "2/2", "--shard K/N needs whole numbers with 0 <= K < N <= 1000000, not '2/2'"},
        {"--progress", "dots", "--progress must be bar, bar:force, dot or none, not 'dots'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        capture_close(&cap);
        capture_open(&cap);
        assert_usage_error(parse(cases[i].opt, cases[i].value, "http://h/a", NULL), cases[i].message);
    }
}

static void test_options_that_contradict_each_other_are_usage_errors(void **state)
{
    (void)state;
    assert_usage_error(parse("--retry-delay", "5", "--retry-max-delay", "1", "http://h/a", NULL),
                       "--retry-max-delay S must not be less than --retry-delay");
    capture_close(&cap);
    capture_open(&cap);
    assert_usage_error(parse("--discard", "-x", "http://h/a", NULL), "--discard saves nothing: -x cannot go with it");
    /* a long first wait raises the default cap instead */
    assert_int_equal(parse("--retry-delay", "120", "http://h/a", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(args.dl.retry_max_delay_ms, 120000);
}

static void test_too_many_header_bytes_is_a_usage_error(void **state)
{
    (void)state;
    static char big[5000];
    memcpy(big, "X-Big: ", 7);
    memset(big + 7, 'v', sizeof big - 8);
    assert_usage_error(parse("-H", big, "http://h/a", NULL),
                       "-H and -A add more than 4096 bytes to every request");
}

static void test_an_empty_user_agent_removes_ours(void **state)
{
    (void)state;
    assert_int_equal(parse("-A", "", "http://h/a", NULL), RINGFETCH_ARGS_RUN);
    assert_null(args.dl.user_agent);
    assert_int_equal(args.dl.nheaders, 1);
    assert_string_equal(args.dl.headers[0], "User-Agent:");
}

static void test_user_without_a_colon_asks_and_the_password_is_hidden_in_argv(void **state)
{
    (void)state;
    assert_int_equal(parse("--user", "alice", "http://h/a", NULL), RINGFETCH_ARGS_RUN);
    assert_true(args.dl.have_user && args.dl.ask_password);
    assert_string_equal(args.dl.credentials, "alice");
    /* argv's copy of a password is overwritten, ours is kept */
    char user_arg[] = "bob:hunter2";
    char *argv[] = { "ringfetch", "--user", user_arg, "http://h/a", NULL };
    assert_int_equal(ringfetch_args_parse(4, argv, &args, cap.out, cap.err), RINGFETCH_ARGS_RUN);
    dlopts_hide_password(&args.dl);
    assert_string_equal(user_arg, "bob:*******");
    assert_string_equal(args.dl.credentials, "bob:hunter2");
    dlopts_wipe(&args.dl);
    assert_false(args.dl.have_user);
    assert_string_equal(args.dl.credentials, "");
}

static void test_help_lists_the_downloader_options(void **state)
{
    (void)state;
    assert_int_equal(parse("--help", NULL), RINGFETCH_ARGS_EXIT);
    const char *t = out_s();
    static const char *const opts[] = {
        "--max-redirs N", "--allow-downgrade", "--retry N", "--retry-delay S", "--retry-max-delay S",
        "--max-per-host N", "--pipeline D", "-H, --header", "-A, --user-agent", "--user USER:PASSWORD",
        "--skip-existing", "-x, --force-directories", "--log-json FILE", "--shard K/N", "--progress=TYPE",
        "out=NAME", "dir=DIR",
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        assert_non_null(strstr(t, opts[i]));
}

#define T(name) cmocka_unit_test_setup_teardown(name, open_streams, close_streams)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_all_options),
        T(test_urls_and_options_mix),
        T(test_list_alone_needs_no_url_argument),
        T(test_several_lists_are_all_kept_in_order),
        T(test_stdin_as_a_list_twice_is_a_usage_error),
        T(test_too_many_lists_is_a_usage_error),
        T(test_window_bounds_are_accepted),
        T(test_window_zero_is_a_usage_error),
        T(test_window_above_the_maximum_is_a_usage_error),
        T(test_window_not_a_number_is_a_usage_error),
        T(test_timeout_must_be_positive),
        T(test_timeout_must_be_a_number),
        T(test_seconds_and_rate_refuse_what_is_not_a_plain_positive_number),
        T(test_read_timeout),
        T(test_read_timeout_must_be_positive),
        T(test_read_timeout_must_be_finite),
        T(test_read_timeout_must_be_a_number),
        T(test_quiet_and_verbose_conflict),
        T(test_discard_is_parsed),
        T(test_pipeline_backend_and_trace_are_parsed),
        T(test_bad_pipeline_is_a_usage_error),
        T(test_bad_backend_is_a_usage_error),
        T(test_empty_trace_is_a_usage_error),
        T(test_discard_with_an_output_dir_is_a_usage_error),
        T(test_no_url_at_all_is_a_usage_error),
        T(test_missing_value_is_a_usage_error),
        T(test_unknown_option_is_a_usage_error),
        T(test_unknown_long_option_is_a_usage_error),
        T(test_value_given_to_a_flag_is_a_usage_error),
        T(test_empty_output_dir_is_a_usage_error),
        T(test_help_documents_duplicates_and_exits_ok),
        T(test_version_prints_the_version),
        T(test_downloader_defaults),
        T(test_every_downloader_option_is_taken),
        T(test_bad_downloader_values_are_usage_errors_naming_the_option),
        T(test_options_that_contradict_each_other_are_usage_errors),
        T(test_too_many_header_bytes_is_a_usage_error),
        T(test_an_empty_user_agent_removes_ours),
        T(test_user_without_a_colon_asks_and_the_password_is_hidden_in_argv),
        T(test_help_lists_the_downloader_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
