/* http/proxy.c: proxy URLs as curl reads them, no_proxy lists, and which
 * proxy a URL goes through. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/proxy.h"
#include "ringfetch/engine.h"

static struct proxy p;

static void parses(const char *s, const char *host, unsigned port, const char *name)
{
    assert_int_equal(proxy_parse(s, &p), PROXY_OK);
    assert_string_equal(p.host, host);
    assert_int_equal(p.port, port);
    assert_string_equal(p.name, name);
}

static void test_proxy_urls_with_and_without_scheme_and_port(void **state)
{
    (void)state;
    parses("http://127.0.0.1:3128", "127.0.0.1", 3128, "http://127.0.0.1:3128");
    parses("http://127.0.0.1:3128/", "127.0.0.1", 3128, "http://127.0.0.1:3128");
    parses("127.0.0.1:3128", "127.0.0.1", 3128, "http://127.0.0.1:3128"); /* no scheme: http */
    parses("HTTP://Proxy.Example:80", "proxy.example", 80, "http://proxy.example:80");
    parses("http://[::1]:8080/", "::1", 8080, "http://[::1]:8080");
    assert_true(p.ipv6_literal);
    assert_string_equal(p.auth, "");
}

static void test_a_proxy_without_a_port_is_on_1080_as_curl_says(void **state)
{
    (void)state;
    parses("proxy.example", "proxy.example", 1080, "http://proxy.example:1080");
    parses("http://proxy.example", "proxy.example", 1080, "http://proxy.example:1080");
    parses("http://u:p@[::1]", "::1", 1080, "http://[::1]:1080");
    /* A ':' in the password is not a port. */
    parses("http://u:9@h", "h", 1080, "http://h:1080");
}

static void test_credentials_become_basic_and_never_reach_the_name(void **state)
{
    (void)state;
    parses("http://user:s3cret@127.0.0.1:3128", "127.0.0.1", 3128, "http://127.0.0.1:3128");
    assert_string_equal(p.auth, "dXNlcjpzM2NyZXQ="); /* base64("user:s3cret") */
    /* Percent-decoded first: "p@ss" and "a b". */
    parses("http://u:p%40ss@h:1", "h", 1, "http://h:1");
    assert_string_equal(p.auth, "dTpwQHNz");
    parses("a%20b@h:1", "h", 1, "http://h:1");
    assert_string_equal(p.auth, "YSBiOg=="); /* "a b:" : a user without a password */
}

static void fails(const char *s, int code)
{
    assert_int_equal(proxy_parse(s, &p), code);
    assert_string_equal(p.auth, ""); /* nothing half-made is kept */
}

static void test_what_is_not_an_http_proxy_is_refused_with_its_reason(void **state)
{
    (void)state;
    fails("", PROXY_E_EMPTY);
    fails("  ", PROXY_E_EMPTY);
    fails(NULL, PROXY_E_EMPTY);
    fails("https://h:443", PROXY_E_TLS);
    fails("socks5://u:p@h:1080", PROXY_E_SCHEME);
    fails("ftp://h", PROXY_E_SCHEME);
    fails("http://h:3128/path", PROXY_E_PATH);
    fails("http://h:3128/?q", PROXY_E_PATH);
    fails("http://h:3128#f", PROXY_E_PATH);
    fails("http://h:0", URL_E_PORT_RANGE);
    fails("http://h:99999", URL_E_PORT_RANGE);
    fails("http://h:", URL_E_EMPTY_PORT);
    fails("http://", URL_E_EMPTY_HOST);
    fails("http://a b:1", URL_E_AUTHORITY_SPACE);
    fails("http://[::1", URL_E_IPV6_UNCLOSED);
    fails("http://h\r\n:1", URL_E_CONTROL);
    assert_string_equal(proxy_strerror(PROXY_E_SCHEME), "only http:// proxies are supported");
    assert_string_equal(proxy_strerror(URL_E_PORT_RANGE), "port out of range (1 to 65535)");
}

static void test_show_hides_the_password_only(void **state)
{
    (void)state;
    char out[128];
    assert_string_equal(proxy_show("http://user:s3cret@h:1", out, sizeof out), "http://user:***@h:1");
    assert_string_equal(proxy_show("user:s3cret@h:1", out, sizeof out), "user:***@h:1");
    assert_string_equal(proxy_show("socks5://u:pw@h", out, sizeof out), "socks5://u:***@h");
    assert_string_equal(proxy_show("http://u:@h", out, sizeof out), "http://u:***@h");
    assert_string_equal(proxy_show("http://user@h:1", out, sizeof out), "http://user@h:1");
    assert_string_equal(proxy_show("http://h:1/a:b@c", out, sizeof out), "http://h:1/a:b@c");
    assert_string_equal(proxy_show("http://a\nb", out, sizeof out), "http://a?b");
    assert_string_equal(proxy_show("http://u:pw@h", out, 9), "http://u");
}

static void test_rf_proxy_check_says_what_and_hides_the_password(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(rf_proxy_check("http://127.0.0.1:3128", why, sizeof why), 0);
    assert_int_equal(rf_proxy_check("http://u:topsecret@h:0", why, sizeof why), -EINVAL);
    assert_string_equal(why, "'http://u:***@h:0': port out of range (1 to 65535)");
    assert_int_equal(rf_no_proxy_check("a.com, b c", why, sizeof why), -EINVAL);
    assert_string_equal(why, "'b c': not a host name, an IP address or an address block");
}

static void test_no_proxy_lists_that_are_fine(void **state)
{
    (void)state;
    const char *good[] = {
        "", " ", ",,", "*", "localhost", "localhost,127.0.0.1,::1", ".example.com", "*.example.com",
        " a.com , b.org ", "example.com:8080", "127.0.0.1:80", "[::1]:8080", "[::1]", "10.0.0.0/8",
        "fd00::/8", "[fd00::/8]", "192.168.1.7/32", "host_with_underscore", "example.com.",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        size_t at = 99, len = 99;
        if (no_proxy_check(good[i], &at, &len) != PROXY_OK)
            fail_msg("'%s' refused at %zu+%zu", good[i], at, len);
    }
}

static void bad_at(const char *list, size_t at, size_t len)
{
    size_t a = 0, l = 0;
    assert_int_equal(no_proxy_check(list, &a, &l), PROXY_E_NO_PROXY);
    assert_int_equal(a, at);
    assert_int_equal(l, len);
}

static void test_bad_no_proxy_entries_are_found_and_placed(void **state)
{
    (void)state;
    bad_at("http://x", 0, 8);
    bad_at("a.com, b c ,d", 7, 3);
    bad_at("10.0.0.0/33", 0, 11);
    bad_at("::1/129", 0, 7);
    bad_at("a.com:0", 0, 7);
    bad_at("a.com:http", 0, 10);
    bad_at("ok,user@host", 3, 9);
    bad_at("[a.com]", 0, 7);
    bad_at("*x", 0, 2);
    bad_at(".", 0, 1);
    bad_at("a.com/8", 0, 7);
}

static void test_no_proxy_names_match_themselves_and_names_under_them(void **state)
{
    (void)state;
    const char *l = "example.com";
    assert_true(no_proxy_match(l, "example.com"));
    assert_true(no_proxy_match(l, "www.example.com"));
    assert_true(no_proxy_match(l, "a.b.example.com"));
    assert_false(no_proxy_match(l, "notexample.com"));   /* a suffix, not a label */
    assert_false(no_proxy_match(l, "example.com.org"));
    assert_false(no_proxy_match(l, "com"));
    /* A leading dot or "*." changes nothing (curl reads ".x" as x too). */
    assert_true(no_proxy_match(".example.com", "example.com"));
    assert_true(no_proxy_match(".example.com", "www.example.com"));
    assert_true(no_proxy_match("*.example.com", "example.com"));
    assert_true(no_proxy_match("*.example.com", "www.example.com"));
    /* Case, a trailing dot, a port in the entry, blanks around. */
    assert_true(no_proxy_match("Example.COM", "www.example.com"));
    assert_true(no_proxy_match("example.com.", "example.com"));
    assert_true(no_proxy_match("example.com", "www.example.com."));
    assert_true(no_proxy_match("example.com:8080", "example.com"));
    assert_true(no_proxy_match(" a.org ,\texample.com ", "example.com"));
}

static void test_no_proxy_addresses_and_blocks(void **state)
{
    (void)state;
    assert_true(no_proxy_match("127.0.0.1", "127.0.0.1"));
    assert_false(no_proxy_match("127.0.0.1", "127.0.0.2"));
    assert_true(no_proxy_match("127.0.0.0/8", "127.4.5.6"));
    assert_false(no_proxy_match("127.0.0.0/8", "128.0.0.1"));
    assert_true(no_proxy_match("192.168.0.0/17", "192.168.127.1"));
    assert_false(no_proxy_match("192.168.0.0/17", "192.168.128.1"));
    assert_true(no_proxy_match("0.0.0.0/0", "8.8.8.8"));
    assert_true(no_proxy_match("::1", "::1"));
    assert_true(no_proxy_match("[::1]:443", "::1"));
    assert_true(no_proxy_match("fd00::/8", "fd12:3456::1"));
    assert_false(no_proxy_match("fd00::/8", "fe80::1"));
    /* Names are never looked up: an address never matches a name, nor the
     * other way round, nor across families. */
    assert_false(no_proxy_match("localhost", "127.0.0.1"));
    assert_false(no_proxy_match("127.0.0.1", "localhost"));
    assert_false(no_proxy_match("::ffff:127.0.0.1", "127.0.0.1"));
    /* An address is not a name suffix. */
    assert_false(no_proxy_match("0.0.1", "127.0.0.1"));
}

static void test_star_matches_everything_and_nothing_matches_nothing(void **state)
{
    (void)state;
    assert_true(no_proxy_match("*", "anything.example"));
    assert_true(no_proxy_match("a.com,*", "::1"));
    assert_false(no_proxy_match("", "a.com"));
    assert_false(no_proxy_match(NULL, "a.com"));
    /* A bad entry matches nothing; the good ones still do. */
    assert_true(no_proxy_match("b c,a.com", "a.com"));
    assert_false(no_proxy_match("b c", "b c"));
}

static void test_the_proxy_for_a_url(void **state)
{
    (void)state;
    struct proxy_conf c;
    struct url u;
    int which = -1;
    assert_int_equal(proxy_conf_init(&c, "127.0.0.1:3128", "http://10.0.0.1:8080", "localhost,.internal",
                                     &which), PROXY_OK);
    assert_int_equal(url_parse("http://example.com/x", &u), 0);
    assert_ptr_equal(proxy_for(&c, &u), &c.http);
    assert_int_equal(url_parse("https://example.com/x", &u), 0);
    assert_ptr_equal(proxy_for(&c, &u), &c.https);
    assert_string_equal(proxy_for(&c, &u)->name, "http://10.0.0.1:8080");
    assert_int_equal(url_parse("https://db.internal/x", &u), 0);
    assert_null(proxy_for(&c, &u));
    assert_int_equal(url_parse("http://localhost:8000/x", &u), 0);
    assert_null(proxy_for(&c, &u));

    /* Only one of them: the other scheme goes direct. */
    assert_int_equal(proxy_conf_init(&c, NULL, "h:1", NULL, &which), PROXY_OK);
    assert_int_equal(url_parse("http://example.com/x", &u), 0);
    assert_null(proxy_for(&c, &u));
    assert_int_equal(proxy_conf_init(&c, "", "", NULL, &which), PROXY_OK);
    assert_int_equal(url_parse("https://example.com/x", &u), 0);
    assert_null(proxy_for(&c, &u));

    /* The first bad value is named. */
    assert_int_equal(proxy_conf_init(&c, "h:1", "socks5://h", NULL, &which), PROXY_E_SCHEME);
    assert_int_equal(which, 1);
    assert_int_equal(proxy_conf_init(&c, NULL, NULL, "a b", &which), PROXY_E_NO_PROXY);
    assert_int_equal(which, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proxy_urls_with_and_without_scheme_and_port),
        cmocka_unit_test(test_a_proxy_without_a_port_is_on_1080_as_curl_says),
        cmocka_unit_test(test_credentials_become_basic_and_never_reach_the_name),
        cmocka_unit_test(test_what_is_not_an_http_proxy_is_refused_with_its_reason),
        cmocka_unit_test(test_show_hides_the_password_only),
        cmocka_unit_test(test_rf_proxy_check_says_what_and_hides_the_password),
        cmocka_unit_test(test_no_proxy_lists_that_are_fine),
        cmocka_unit_test(test_bad_no_proxy_entries_are_found_and_placed),
        cmocka_unit_test(test_no_proxy_names_match_themselves_and_names_under_them),
        cmocka_unit_test(test_no_proxy_addresses_and_blocks),
        cmocka_unit_test(test_star_matches_everything_and_nothing_matches_nothing),
        cmocka_unit_test(test_the_proxy_for_a_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
