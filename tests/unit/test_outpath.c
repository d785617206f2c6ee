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
    assert_string_equal(why, "bad URL 'htp://x': unknown scheme: only http:// URLs are supported");
    assert_int_equal(make("o", "https://h/x"), -EINVAL);
    assert_string_equal(why, "bad URL 'https://h/x': only http:// URLs are supported for now");
}

static void test_malformed_url_is_refused(void **state)
{
    (void)state;
    assert_int_equal(make("o", "http://"), -EINVAL);
    assert_string_equal(why, "bad URL 'http://': no host name");
}

static void test_unsafe_name_is_refused(void **state)
{
    (void)state;
    assert_int_equal(make("o", "http://h/a%2fb"), -EINVAL);
    assert_string_equal(why, "bad URL 'http://h/a%2fb': its last path segment is not a safe file "
                             "name ('/', '\\' or a control character once decoded)");
    assert_int_equal(make("o", "http://h/a%5cb"), -EINVAL);
    assert_int_equal(make("o", "http://h/a%0ab"), -EINVAL);
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
    assert_string_equal(why, "bad URL 'http://x/\\x1b[31m': it holds a control character");
}

static void test_quote_keeps_printable_text(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(outpath_quote(b, sizeof b, "http://h/a b", 12), "http://h/a b");
    assert_string_equal(outpath_quote(b, sizeof b, "\x01\xff", 2), "\\x01\\xff");
    /* a length, not a NUL, ends the text */
    assert_string_equal(outpath_quote(b, sizeof b, "a\0b", 3), "a\\x00b");
    assert_string_equal(outpath_quote(b, sizeof b, "abc", 2), "ab");
}

static void test_quote_cuts_long_text_with_dots(void **state)
{
    (void)state;
    char b[10];
    assert_string_equal(outpath_quote(b, sizeof b, "abcdefghijklmnop", 16), "abcdef...");
    assert_string_equal(outpath_quote(b, sizeof b, "abcdefghi", 9), "abcdefghi");
    assert_string_equal(outpath_quote(b, sizeof b, "abcdefgh\x01", 9), "abcdef...");
}

static void test_each_parse_failure_has_its_own_words(void **state)
{
    (void)state;
    static const struct { const char *url, *words; } cases[] = {
        {"not a url", "not a URL (it must start with http://)"},
        {"ftp://h/x", "unknown scheme: only http:// URLs are supported"},
        {"https://h/x", "only http:// URLs are supported for now"},
        {"http:/h/x", "'http:' must be followed by '//'"},
        {"http://h/\t", "it holds a control character"},
        {"http://h x/", "space in the host, port or user name (write one in a user name or "
                        "password as %20)"},
        {"http:///x", "no host name"},
        {"http://h_!/x", "the host name holds a character other than letters, digits, '-', '.' "
                         "and '_'"},
        {"http://[::1/x", "'[' without a closing ']'"},
        {"http://[::g]/x", "not a valid IPv6 address between '[' and ']'"},
        {"http://[::1]x/", "only ':port' may follow ']'"},
        {"http://h:/x", "empty port after ':'"},
        {"http://h:8o/x", "the port is not a number"},
        {"http://h:65536/x", "port out of range (1 to 65535)"},
        {"http://h:0/x", "port out of range (1 to 65535)"},
        {"http://a@b@h/x", "two '@' before the host (write '@' in a user name or password as %40)"},
        {"http://@h/x", "nothing before '@'"},
        {"http://a%3ab@h/x", "the user name holds ':' once decoded"},
        {"http://a:%0a@h/x", "the user name or password holds a control character once decoded"},
    };
    char expect[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char q[256];
        assert_int_equal(make("o", cases[i].url), -EINVAL);
        snprintf(expect, sizeof expect, "bad URL '%s': %s",
                 outpath_quote_url(q, sizeof q, cases[i].url), cases[i].words);
        assert_string_equal(why, expect);
    }
}

static void test_a_name_over_255_bytes_is_refused_saying_why(void **state)
{
    (void)state;
    char url[400] = "http://h/";
    memset(url + 9, 'n', 300);
    url[309] = '\0';
    assert_int_equal(make("o", url), -EINVAL);
    assert_non_null(strstr(why, "': file name is 300 bytes, over the file system's 255-byte limit"));
    /* 255 bytes are a name */
    url[9 + 255] = '\0';
    assert_int_equal(make("o", url), 0);
    assert_int_equal(strlen(path), strlen("o/") + 255);
}

static void test_passwords_never_show_in_messages(void **state)
{
    (void)state;
    assert_int_equal(make("o", "http://user:s3cret@h:99999/x"), -EINVAL);
    assert_string_equal(why, "bad URL 'http://user:***@h:99999/x': port out of range (1 to 65535)");
    assert_int_equal(make("o", "http://user:s3cret@h/d/a.gif"), 0);
    assert_int_equal(make("o", "http://user:s3cret@h/e/a.gif"), -EEXIST);
    assert_string_equal(why, "duplicate output name 'a.gif' for 'http://user:***@h/e/a.gif'");
    assert_null(strstr(why, "s3cret"));
}

static void test_quote_url_hides_the_password_and_escapes_the_rest(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(outpath_quote_url(b, sizeof b, "http://u:pw@h/\xc3\xa9 x"),
                        "http://u:***@h/\\xc3\\xa9 x");
    assert_string_equal(outpath_quote_url(b, sizeof b, "http://u:@h/"), "http://u:***@h/");
    assert_string_equal(outpath_quote_url(b, sizeof b, "http://u@h/"), "http://u@h/");
    assert_string_equal(outpath_quote_url(b, sizeof b, "http://a:b@c@h/"), "http://a:***@h/");
    /* cut after the mask: the password is never partly shown */
    char small[16];
    assert_string_equal(outpath_quote_url(small, sizeof small, "http://u:secretsecret@h/long"),
                        "http://u:***...");
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
        T(test_each_parse_failure_has_its_own_words),
        T(test_a_name_over_255_bytes_is_refused_saying_why),
        T(test_passwords_never_show_in_messages),
        T(test_quote_url_hides_the_password_and_escapes_the_rest),
        T(test_nameset_add_reports_new_and_seen),
        T(test_nameset_grows_and_keeps_every_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
