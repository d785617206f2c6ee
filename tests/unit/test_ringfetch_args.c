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
    assert_int_equal(args.pipeline, 16);
    assert_int_equal(args.io.backend, RF_BACKEND_EPOLL);
    assert_string_equal(args.io.trace, "t.bin");
    assert_int_equal(parse("u", NULL), RINGFETCH_ARGS_RUN);
    assert_int_equal(args.pipeline, 0);
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
    assert_non_null(strstr(t, "Exit status"));
    assert_string_equal(err_s(), "");
}

static void test_version_prints_the_version(void **state)
{
    (void)state;
    assert_int_equal(parse("--version", NULL), RINGFETCH_ARGS_EXIT);
    assert_string_equal(out_s(), "ringfetch " RF_VERSION "\n");
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
