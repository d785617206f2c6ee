/* cli/outpath.c and cli/nameset.c: where a ringfetch URL is saved, which
 * URLs are refused before reaching the engine, and duplicate names. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
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
static struct outpath_dest dest;
static char why[512];
static const char *const path = dest.path;

static int setup(void **state)
{
    (void)state;
    nameset_init(&seen);
    dest.path[0] = why[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nameset_free(&seen);
    return 0;
}

/* outpath_make of url as argument or list line `index`, with a problem. */
static int make_at(const char *dir, const char *url, bool from_list, unsigned long index,
                   int problem)
{
    struct urllist_item it = {
        .url = url, .url_len = strlen(url), .from_list = from_list, .index = index,
        .problem = problem,
    };
    struct outpath_opts o = { .dir = dir };
    return outpath_make(&o, &it, &seen, &dest, why, sizeof why);
}

static int make(const char *dir, const char *url)
{
    return make_at(dir, url, false, 1, 0);
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
    assert_string_equal(why, "bad URL 'htp://x': unknown scheme: only http:// and https:// URLs "
                             "are supported");
    assert_int_equal(make("o", "https://h/x"), OUTPATH_FETCH);
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
    assert_int_equal(make(dir, "http://h/a.gif"), -ENAMETOOLONG);
    assert_string_equal(why, "output path too long for 'http://h/a.gif'");
    assert_int_equal(make("o", "http://h/a.gif"), 0);
}

static void test_problems_from_the_list_are_reported(void **state)
{
    (void)state;
    assert_int_equal(make_at("o", "http://h/a", true, 1, -E2BIG), -EINVAL);
    assert_string_equal(why, "bad URL 'http://h/a': longer than 4095 bytes");
    assert_int_equal(make_at("o", "http://h/a", true, 1, -EILSEQ), -EINVAL);
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
        {"not a url", "not a URL (it must start with http:// or https://)"},
        {"ftp://h/x", "unknown scheme: only http:// and https:// URLs are supported"},
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

static void test_the_same_url_again_is_a_repeat_naming_the_first(void **state)
{
    (void)state;
    assert_int_equal(make_at("o", "http://h/a.gif", false, 2, 0), OUTPATH_FETCH);
    assert_int_equal(make_at("o", "http://h/a.gif", true, 7, 0), OUTPATH_REPEAT);
    assert_string_equal(why, "same URL as argument 2, fetched once: 'http://h/a.gif'");
    assert_int_equal(make_at("o", "http://h/b.gif", true, 3, 0), OUTPATH_FETCH);
    assert_int_equal(make_at("o", "http://h/b.gif", true, 9, 0), OUTPATH_REPEAT);
    assert_string_equal(why, "same URL as line 3, fetched once: 'http://h/b.gif'");
    /* and again: each repeat is one */
    assert_int_equal(make_at("o", "http://h/b.gif", true, 10, 0), OUTPATH_REPEAT);
    assert_string_equal(why, "same URL as line 3, fetched once: 'http://h/b.gif'");
}

static void test_urls_asking_for_the_same_request_are_the_same(void **state)
{
    (void)state;
    assert_int_equal(make("o", "http://h/x/a b"), OUTPATH_FETCH);
    assert_int_equal(make("o", "HTTP://H:80/x/./y/../a%20b#frag"), OUTPATH_REPEAT);
    assert_int_equal(make("o", "http://u:p@h/z/c"), OUTPATH_FETCH);
    assert_int_equal(make("o", "http://u:p@H/z/c"), OUTPATH_REPEAT);
    assert_string_equal(why, "same URL as argument 1, fetched once: 'http://u:***@H/z/c'");
}

static void test_different_urls_with_one_name_stay_an_error(void **state)
{
    (void)state;
    assert_int_equal(make("o", "http://h/x/a"), OUTPATH_FETCH);
    /* another host, port, path, query or credentials is another URL */
    static const char *const others[] = {
        "http://g/x/a", "http://h:81/x/a", "http://h/y/a", "http://h/x/a?v=2",
        "http://u@h/x/a", "http://u:p@h/x/a", "http://u:q@h/x/a", "http://h/x/A/../a?",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        assert_int_equal(make("o", others[i]), -EEXIST);
        assert_non_null(strstr(why, "duplicate output name 'a' for"));
    }
}

static void test_line_numbers_past_31_bits_say_an_earlier_one(void **state)
{
    (void)state;
    assert_int_equal(make_at("o", "http://h/a", true, 0x80000000ul, 0), OUTPATH_FETCH);
    assert_int_equal(make_at("o", "http://h/a", true, 0x80000001ul, 0), OUTPATH_REPEAT);
    assert_string_equal(why, "same URL as an earlier one, fetched once: 'http://h/a'");
}

static void test_discard_checks_the_url_and_claims_nothing(void **state)
{
    (void)state;
    assert_int_equal(make(NULL, "http://h/a"), OUTPATH_FETCH);
    assert_string_equal(path, "");
    assert_int_equal(make(NULL, "http://h/a"), OUTPATH_FETCH);
    assert_int_equal(make(NULL, "http://h:/a"), -EINVAL);
    assert_int_equal(seen.count, 0);
}

/* ---- -x, out= and dir= ---- */

static int make_item(const struct urllist_item *it, bool force_dirs)
{
    struct outpath_opts o = { .dir = "out", .force_dirs = force_dirs };
    return outpath_make(&o, it, &seen, &dest, why, sizeof why);
}

static int make_x(const char *url)
{
    struct urllist_item it = { .url = url, .url_len = strlen(url), .index = 1 };
    return make_item(&it, true);
}

static void test_x_puts_host_and_path_folders_under_the_dir(void **state)
{
    (void)state;
    assert_int_equal(make_x("http://H/a/b/c.gif"), OUTPATH_FETCH);
    assert_string_equal(dest.path, "out/h/a/b/c.gif");
    assert_string_equal(dest.rel, "h/a/b/c.gif");
    assert_int_equal(dest.sub_len, strlen("h/a/b"));
    /* the port unless 80, dot segments removed, empty segments no folder,
     * escapes decoded, the query left out, '/' at the end is index.html */
    assert_int_equal(make_x("http://h:8080/x/./y/../z//w%20v/f.bin?q=1"), OUTPATH_FETCH);
    assert_string_equal(dest.path, "out/h:8080/x/z/w v/f.bin");
    assert_int_equal(make_x("http://[::1]:81/d/"), OUTPATH_FETCH);
    assert_string_equal(dest.path, "out/[::1]:81/d/index.html");
    assert_int_equal(make_x("http://h/top"), OUTPATH_FETCH);
    assert_string_equal(dest.path, "out/h/top");
    assert_int_equal(dest.sub_len, 1);
}

static void test_x_refuses_unsafe_folders(void **state)
{
    (void)state;
    assert_int_equal(make_x("http://h/a%2fb/c"), -EINVAL);
    assert_string_equal(why, "bad URL 'http://h/a%2fb/c': folder 'a/b' of its path holds '/', '\\' or a "
                             "control character once decoded, so it cannot be a folder (-x)");
    assert_int_equal(make_x("http://h/a%5cb/c"), -EINVAL);
    assert_int_equal(make_x("http://h/a%0d/c"), -EINVAL);
    char url[400] = "http://h/";
    memset(url + 9, 'd', 256);
    strcpy(url + 9 + 256, "/f");
    assert_int_equal(make_x(url), -EINVAL);
    assert_non_null(strstr(why, "is over the file system's 255-byte limit"));
    /* a host of dots would climb out of -o */
    assert_int_equal(make_x("http://../x"), -EINVAL);
    assert_string_equal(why, "bad URL 'http://../x': its host is '.' or '..', so it cannot be a folder (-x)");
    assert_int_equal(seen.count, 0);
}

static void test_x_names_differ_by_host_and_folder(void **state)
{
    (void)state;
    assert_int_equal(make_x("http://a/d/f"), OUTPATH_FETCH);
    assert_int_equal(make_x("http://b/d/f"), OUTPATH_FETCH);
    assert_int_equal(make_x("http://a/e/f"), OUTPATH_FETCH);
    assert_int_equal(make_x("http://a/d/f"), OUTPATH_REPEAT);
    assert_int_equal(make_x("http://a/d//f"), -EEXIST);
    assert_string_equal(why, "duplicate output name 'a/d/f' for 'http://a/d//f'");
}

static void test_out_and_dir_name_the_file_and_folder(void **state)
{
    (void)state;
    struct urllist_item it = { .url = "http://h/a/b.bin", .url_len = 16, .index = 1, .from_list = true,
                               .out = "mine.bin", .dir = "x/y//z/" };
    assert_int_equal(make_item(&it, false), OUTPATH_FETCH);
    assert_string_equal(dest.path, "out/x/y/z/mine.bin");
    assert_int_equal(dest.sub_len, strlen("x/y/z"));
    /* dir= replaces -x's folders */
    it.out = NULL;
    it.dir = "only";
    assert_int_equal(make_item(&it, true), OUTPATH_FETCH);
    assert_string_equal(dest.path, "out/only/b.bin");
    /* out= alone, with -x, keeps the folders */
    it.out = "other.bin";
    it.dir = NULL;
    assert_int_equal(make_item(&it, true), OUTPATH_FETCH);
    assert_string_equal(dest.path, "out/h/a/other.bin");
}

static void test_out_and_dir_go_through_the_same_checks(void **state)
{
    (void)state;
    static const struct { const char *out, *dir, *words; } cases[] = {
        {"a/b", NULL, "out='a/b' for 'http://h/f' is not a safe file name: it holds '/', '\\' or a "
                      "control character"},
        {"..", NULL, "out='..' for 'http://h/f' is not a safe file name: it is '.' or '..'"},
        {"", NULL, "out='' for 'http://h/f' is not a safe file name: it is empty"},
        {"a\\b", NULL, "out='a\\b' for 'http://h/f' is not a safe file name: it holds '/', '\\' or a "
                       "control character"},
        {"a\x1b", NULL, "out='a\\x1b' for 'http://h/f' is not a safe file name: it holds '/', '\\' or a "
                        "control character"},
        {NULL, "/etc", "dir='/etc' for 'http://h/f' is not a folder under -o: it must not start with '/'"},
        {NULL, "a/../../b", "dir='a/../../b' for 'http://h/f' is not a folder under -o: '..' is '.' or '..'"},
        {NULL, "./a", "dir='./a' for 'http://h/f' is not a folder under -o: '.' is '.' or '..'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct urllist_item it = { .url = "http://h/f", .url_len = 10, .index = 1, .from_list = true,
                                   .out = cases[i].out, .dir = cases[i].dir };
        assert_int_equal(make_item(&it, false), -EINVAL);
        assert_string_equal(why, cases[i].words);
    }
    char big[300];
    memset(big, 'n', 256);
    big[256] = '\0';
    struct urllist_item it = { .url = "http://h/f", .url_len = 10, .index = 1, .out = big };
    assert_int_equal(make_item(&it, false), -EINVAL);
    assert_non_null(strstr(why, "is over the file system's 255-byte limit"));
    assert_int_equal(seen.count, 0);
}

static void test_option_and_stray_problems_have_their_words(void **state)
{
    (void)state;
    struct urllist_item it = { .url = "http://h/f", .url_len = 10, .index = 3, .from_list = true,
                               .opt_problem = URLLIST_OPT_UNKNOWN, .opt_line = 4, .opt_name = "split" };
    assert_int_equal(make_item(&it, false), -EINVAL);
    assert_string_equal(why, "option 'split' on line 4 is not supported (only out= and dir=), so "
                             "'http://h/f' is not fetched");
    it.opt_problem = URLLIST_OPT_TWICE;
    strcpy(it.opt_name, "out");
    assert_int_equal(make_item(&it, false), -EINVAL);
    assert_string_equal(why, "option 'out' given again on line 4, so 'http://h/f' is not fetched");
    it.opt_problem = URLLIST_OPT_LINE;
    assert_int_equal(make_item(&it, false), -EINVAL);
    assert_string_equal(why, "option line 4 is too long or holds a NUL byte, so 'http://h/f' is not fetched");
    struct urllist_item stray = { .url = "out=x", .url_len = 5, .index = 1, .from_list = true,
                                  .problem = URLLIST_P_STRAY_OPTION };
    assert_int_equal(make_item(&stray, false), -EINVAL);
    assert_string_equal(why, "option line 'out=x' does not follow a URL line");
    stray.problem = URLLIST_P_LATE_OPTION;
    assert_int_equal(make_item(&stray, false), -EINVAL);
    assert_string_equal(why, "option line 'out=x' came after its URL had started (on a pipe or a "
                             "terminal, send a URL line and its option lines together)");
    assert_int_equal(seen.count, 0);
}

/* ---- nameset ---- */

static void test_nameset_claim_reports_new_same_url_and_taken(void **state)
{
    (void)state;
    uint32_t first = 0;
    assert_int_equal(nameset_claim(&seen, "a.gif", 5, "u1", 2, 11, &first), NAMESET_NEW);
    assert_int_equal(nameset_claim(&seen, "a.gif", 5, "u1", 2, 12, &first), NAMESET_SAME_URL);
    assert_int_equal(first, 11);
    assert_int_equal(nameset_claim(&seen, "a.gif", 5, "u2", 2, 13, &first), NAMESET_TAKEN);
    assert_int_equal(nameset_claim(&seen, "A.gif", 5, "u2", 2, 14, NULL), NAMESET_NEW);
    assert_int_equal(nameset_claim(&seen, "a.gi", 4, "u1", 2, 15, NULL), NAMESET_NEW);
    assert_int_equal(seen.count, 3);
    /* a repeat or a refusal changes nothing: the first claim stays */
    assert_int_equal(nameset_claim(&seen, "a.gif", 5, "u1", 2, 16, &first), NAMESET_SAME_URL);
    assert_int_equal(first, 11);
}

static void test_nameset_grows_and_keeps_every_name(void **state)
{
    (void)state;
    char name[32];
    uint32_t first = 0;
    for (int i = 0; i < 200000; i++) {
        int len = snprintf(name, sizeof name, "f%06d.bin", i);
        assert_int_equal(nameset_claim(&seen, name, (size_t)len, name, (size_t)len, (uint32_t)i + 1,
                                       NULL),
                         NAMESET_NEW);
    }
    assert_int_equal(seen.count, 200000);
    assert_true(seen.cap >= 2 * seen.count);
    /* 16 bytes a slot: the memory the header promises */
    assert_int_equal(sizeof(struct nameset_slot), 16);
    for (int i = 0; i < 200000; i += 997) {
        int len = snprintf(name, sizeof name, "f%06d.bin", i);
        assert_int_equal(nameset_claim(&seen, name, (size_t)len, name, (size_t)len, 0, &first),
                         NAMESET_SAME_URL);
        assert_int_equal(first, (uint32_t)i + 1);
        assert_int_equal(nameset_claim(&seen, name, (size_t)len, "x", 1, 0, NULL), NAMESET_TAKEN);
    }
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_x_puts_host_and_path_folders_under_the_dir),
        T(test_x_refuses_unsafe_folders),
        T(test_x_names_differ_by_host_and_folder),
        T(test_out_and_dir_name_the_file_and_folder),
        T(test_out_and_dir_go_through_the_same_checks),
        T(test_option_and_stray_problems_have_their_words),
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
        T(test_the_same_url_again_is_a_repeat_naming_the_first),
        T(test_urls_asking_for_the_same_request_are_the_same),
        T(test_different_urls_with_one_name_stay_an_error),
        T(test_line_numbers_past_31_bits_say_an_earlier_one),
        T(test_discard_checks_the_url_and_claims_nothing),
        T(test_nameset_claim_reports_new_same_url_and_taken),
        T(test_nameset_grows_and_keeps_every_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
