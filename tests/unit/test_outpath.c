/* cli/outpath.c and cli/nameset.c: where a ringfetch URL is saved, which
 * URLs are refused before reaching the engine, and duplicate names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/nameset.h"
#include "cli/outpath.h"

static struct nameset seen;
static char path[4096], why[512];

static int setup(void **state)
{
    (void)state;
    nameset_init(&seen);
    path[0] = why[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nameset_free(&seen);
    return 0;
}

static int make(const char *dir, const char *url)
{
    return outpath_make(dir, url, 0, &seen, path, sizeof path, why, sizeof why);
}

/* ---- outpath ---- */

static void test_path_is_dir_slash_last_segment(void **state)
{
    (void)state;
    assert_int_equal(make("out", "http://h/a/b/flag.gif"), 0);
    assert_string_equal(path, "out/flag.gif");
}

static void test_other_scheme_is_refused_naming_the_url(void **state)
{
    (void)state;
    assert_int_equal(make("o", "htp://x"), -EINVAL);
    assert_string_equal(why, "bad URL 'htp://x': only http:// URLs are supported");
}

static void test_malformed_url_is_refused(void **state)
{
    (void)state;
    assert_int_equal(make("o", "http://"), -EINVAL);
    assert_string_equal(why, "bad URL 'http://': not a valid http:// URL");
}

static void test_unsafe_name_is_refused(void **state)
{
    (void)state;
    assert_int_equal(make("o", "http://h/a/.."), -EINVAL);
    assert_string_equal(why, "bad URL 'http://h/a/..': its last path segment is not a safe file name");
    assert_int_equal(make("o", "http://h/a/%2e%2e"), -EINVAL);
    assert_int_equal(make("o", "http://h/a%2fb"), -EINVAL);
}

static void test_second_url_with_the_same_name_is_a_duplicate(void **state)
{
    (void)state;
    assert_int_equal(make("o", "http://h/x/a.gif"), 0);
    assert_int_equal(make("o", "http://other/y/a.gif"), -EEXIST);
    assert_string_equal(why, "duplicate output name 'a.gif' for 'http://other/y/a.gif'");
    assert_int_equal(make("o", "http://h/x/b.gif"), 0);
}

static void test_refused_url_does_not_claim_its_name(void **state)
{
    (void)state;
    static char dir[5000];
    memset(dir, 'd', sizeof dir - 1);
    assert_int_equal(outpath_make(dir, "http://h/a.gif", 0, &seen, path, sizeof path, why,
                                  sizeof why),
                     -ENAMETOOLONG);
    assert_string_equal(why, "output path too long for 'http://h/a.gif'");
    assert_int_equal(make("o", "http://h/a.gif"), 0);
}

static void test_problems_from_the_list_are_reported(void **state)
{
    (void)state;
    assert_int_equal(outpath_make("o", "http://h/a", -E2BIG, &seen, path, sizeof path, why,
                                  sizeof why),
                     -EINVAL);
    assert_string_equal(why, "bad URL 'http://h/a': longer than 4095 bytes");
    assert_int_equal(outpath_make("o", "http://h/a", -EILSEQ, &seen, path, sizeof path, why,
                                  sizeof why),
                     -EINVAL);
    assert_string_equal(why, "bad URL 'http://h/a': the line holds a NUL byte");
}

static void test_control_characters_in_messages_are_escaped(void **state)
{
    (void)state;
    assert_int_equal(make("o", "http://x/\x1b[31m"), -EINVAL);
    assert_string_equal(why, "bad URL 'http://x/\\x1b[31m': not a valid http:// URL");
}

static void test_quote_keeps_printable_text(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(outpath_quote(b, sizeof b, "http://h/a b"), "http://h/a b");
    assert_string_equal(outpath_quote(b, sizeof b, "\x01\xff"), "\\x01\\xff");
}

static void test_quote_cuts_long_text_with_dots(void **state)
{
    (void)state;
    char b[10];
    assert_string_equal(outpath_quote(b, sizeof b, "abcdefghijklmnop"), "abcdef...");
    assert_string_equal(outpath_quote(b, sizeof b, "abcdefghi"), "abcdefghi");
    assert_string_equal(outpath_quote(b, sizeof b, "abcdefgh\x01"), "abcdef...");
}

/* ---- nameset ---- */

static void test_nameset_add_reports_new_and_seen(void **state)
{
    (void)state;
    assert_int_equal(nameset_add(&seen, "a.gif", 5), 1);
    assert_int_equal(nameset_add(&seen, "a.gif", 5), 0);
    assert_int_equal(nameset_add(&seen, "A.gif", 5), 1);
    assert_int_equal(nameset_add(&seen, "a.gi", 4), 1);
    assert_int_equal(seen.count, 3);
}

static void test_nameset_grows_and_keeps_every_name(void **state)
{
    (void)state;
    char name[32];
    for (int i = 0; i < 200000; i++) {
        int len = snprintf(name, sizeof name, "f%06d.bin", i);
        assert_int_equal(nameset_add(&seen, name, (size_t)len), 1);
    }
    assert_int_equal(seen.count, 200000);
    assert_true(seen.cap >= 2 * seen.count);
    for (int i = 0; i < 200000; i += 997) {
        int len = snprintf(name, sizeof name, "f%06d.bin", i);
        assert_int_equal(nameset_add(&seen, name, (size_t)len), 0);
    }
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_path_is_dir_slash_last_segment),
        T(test_other_scheme_is_refused_naming_the_url),
        T(test_malformed_url_is_refused),
        T(test_unsafe_name_is_refused),
        T(test_second_url_with_the_same_name_is_a_duplicate),
        T(test_refused_url_does_not_claim_its_name),
        T(test_problems_from_the_list_are_reported),
        T(test_control_characters_in_messages_are_escaped),
        T(test_quote_keeps_printable_text),
        T(test_quote_cuts_long_text_with_dots),
        T(test_nameset_add_reports_new_and_seen),
        T(test_nameset_grows_and_keeps_every_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
