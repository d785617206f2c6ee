/* url.c: parsing, the request-target sent, origin keys, Host values and
 * output-name sanitizing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ringfetch/url.h"

/* Parse s, which must succeed. */
static struct url parse_ok(const char *s)
{
    struct url u;
    int rc = url_parse(s, &u);
    if (rc != 0)
        fail_msg("url_parse(\"%s\") = %d, expected 0", s, rc);
    return u;
}

static void assert_target(const struct url *u, const char *target, const char *path)
{
    assert_int_equal(u->target_len, strlen(target));
    assert_memory_equal(u->target, target, u->target_len);
    assert_int_equal(u->path_len, strlen(path));
    assert_memory_equal(u->path, path, u->path_len);
    assert_ptr_equal(u->path, u->target);
}

static int name_of(const char *s, char *out, size_t size)
{
    struct url u = parse_ok(s);
    return url_output_name(&u, out, size, NULL);
}

/* ---- url_parse: ports ---- */

static void test_port_defaults_to_80(void **state)
{
    (void)state;
    struct url u = parse_ok("http://example.com/a");
    assert_int_equal(u.port, 80);
    assert_string_equal(u.host, "example.com");
    assert_false(u.ipv6_literal);
}

static void test_explicit_port_is_used(void **state)
{
    (void)state;
    struct url u = parse_ok("http://example.com:8080/a");
    assert_int_equal(u.port, 8080);
    assert_string_equal(u.host, "example.com");
    assert_int_equal(parse_ok("http://h:1/").port, 1);
    assert_int_equal(parse_ok("http://h:65535/").port, 65535);
}

static void test_port_zero_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h:0/", &u), URL_E_PORT_RANGE);
    assert_int_equal(url_parse("http://h:00/", &u), URL_E_PORT_RANGE);
}

static void test_port_65536_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h:65536/", &u), URL_E_PORT_RANGE);
    assert_int_equal(url_parse("http://h:99999999999999999999/", &u), URL_E_PORT_RANGE);
}

static void test_non_numeric_port_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h:http/", &u), URL_E_PORT_NOT_NUMBER);
    assert_int_equal(url_parse("http://h:80a/", &u), URL_E_PORT_NOT_NUMBER);
    assert_int_equal(url_parse("http://h:-1/", &u), URL_E_PORT_NOT_NUMBER);
    assert_int_equal(url_parse("http://h:+80/", &u), URL_E_PORT_NOT_NUMBER);
}

static void test_empty_port_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h:/", &u), URL_E_EMPTY_PORT);
    assert_int_equal(url_parse("http://h:", &u), URL_E_EMPTY_PORT);
    assert_int_equal(url_parse("http://[::1]:/", &u), URL_E_EMPTY_PORT);
}

/* ---- url_parse: IPv6 ---- */

static void test_ipv6_literal_with_port(void **state)
{
    (void)state;
    struct url u = parse_ok("http://[::1]:8080/x");
    assert_string_equal(u.host, "::1");
    assert_true(u.ipv6_literal);
    assert_int_equal(u.port, 8080);
    assert_target(&u, "/x", "/x");
}

static void test_ipv6_literal_without_port(void **state)
{
    (void)state;
    struct url u = parse_ok("http://[2001:DB8::1]");
    assert_string_equal(u.host, "2001:db8::1");
    assert_int_equal(u.port, 80);
    assert_target(&u, "/", "/");
}

static void test_ipv6_missing_bracket_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://[::1/x", &u), URL_E_IPV6_UNCLOSED);
    assert_int_equal(url_parse("http://[::1", &u), URL_E_IPV6_UNCLOSED);
    assert_int_equal(url_parse("http://::1]/", &u), URL_E_EMPTY_HOST);
}

static void test_ipv6_garbage_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://[example.com]/", &u), URL_E_IPV6);
    assert_int_equal(url_parse("http://[::1]8080/", &u), URL_E_AFTER_IPV6);
    assert_int_equal(url_parse("http://[]/", &u), URL_E_IPV6);
    assert_int_equal(url_parse("http://[fe80::1%25eth0]/", &u), URL_E_IPV6);
}

/* ---- url_parse: scheme, host, target ---- */

static void test_upper_case_scheme_and_host_are_accepted_and_host_lowered(void **state)
{
    (void)state;
    struct url u = parse_ok("HTTP://Example.COM/Path/File.GIF");
    assert_string_equal(u.host, "example.com");
    /* the path is case-sensitive and stays as written */
    assert_target(&u, "/Path/File.GIF", "/Path/File.GIF");
    parse_ok("HtTp://h/");
}

static void test_ipv4_literal_is_a_host(void **state)
{
    (void)state;
    struct url u = parse_ok("http://127.0.0.1:8000/f");
    assert_string_equal(u.host, "127.0.0.1");
    assert_false(u.ipv6_literal);
    assert_int_equal(u.port, 8000);
}

static void test_no_path_gives_slash_target(void **state)
{
    (void)state;
    struct url u = parse_ok("http://h");
    assert_target(&u, "/", "/");
    u = parse_ok("http://h:81");
    assert_target(&u, "/", "/");
    assert_int_equal(u.port, 81);
}

static void test_query_is_in_target_not_in_path(void **state)
{
    (void)state;
    struct url u = parse_ok("http://h/a/b.gif?x=1&y=2");
    assert_target(&u, "/a/b.gif?x=1&y=2", "/a/b.gif");
}

static void test_fragment_is_excluded(void **state)
{
    (void)state;
    struct url u = parse_ok("http://h/a/b.gif?x=1#frag?z");
    assert_target(&u, "/a/b.gif?x=1", "/a/b.gif");
    u = parse_ok("http://h/p#f");
    assert_target(&u, "/p", "/p");
    u = parse_ok("http://h#f");
    assert_target(&u, "/", "/");
    assert_string_equal(u.host, "h");
}

static void test_query_without_path_keeps_the_query(void **state)
{
    (void)state;
    struct url u;
    /* A query with no path: the target keeps the query, request_build adds the '/'. */
    assert_int_equal(url_parse("http://h?q=1", &u), 0);
    assert_int_equal((int)u.target_len, 4);
    assert_memory_equal(u.target, "?q=1", 4);
    assert_int_equal((int)u.path_len, 0);
}

static void test_target_points_into_the_string(void **state)
{
    (void)state;
    const char *s = "http://h:1234/dir/f.bin?q";
    struct url u = parse_ok(s);
    assert_ptr_equal(u.target, s + strlen("http://h:1234"));
}

static void test_https_is_parsed_with_port_443(void **state)
{
    (void)state;
    struct url u = parse_ok("https://example.com/a");
    assert_true(u.tls);
    assert_int_equal(u.port, 443);
    u = parse_ok("HTTPS://example.com:8443/");
    assert_true(u.tls);
    assert_int_equal(u.port, 8443);
    u = parse_ok("http://example.com/");
    assert_false(u.tls);
}

static void test_other_schemes_are_refused(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("ftp://example.com/", &u), URL_E_SCHEME);
    assert_int_equal(url_parse("htp://x", &u), URL_E_SCHEME);
    assert_int_equal(url_parse("httpss://x/", &u), URL_E_SCHEME);
}

static void test_not_a_url_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("example.com/a", &u), URL_E_NOT_URL);
    assert_int_equal(url_parse("/a/b", &u), URL_E_NOT_URL);
    assert_int_equal(url_parse("", &u), URL_E_NOT_URL);
    assert_int_equal(url_parse("http:/h/", &u), URL_E_NO_SLASHES);
    assert_int_equal(url_parse("http:h", &u), URL_E_NO_SLASHES);
    assert_int_equal(url_parse("://h/", &u), URL_E_NOT_URL);
    assert_int_equal(url_parse("not a url", &u), URL_E_NOT_URL);
    assert_int_equal(url_parse(NULL, &u), URL_E_NOT_URL);
}

static void test_userinfo_is_split_into_user_and_password(void **state)
{
    (void)state;
    struct url u = parse_ok("http://us%40er:p%3Aw:d@Host:81/a@b");
    assert_non_null(u.user);
    assert_int_equal(u.user_len, 7);
    assert_memory_equal(u.user, "us%40er", 7);
    assert_non_null(u.password);
    assert_int_equal(u.password_len, 7); /* the first ':' splits: the rest is the password */
    assert_memory_equal(u.password, "p%3Aw:d", 7);
    assert_string_equal(u.host, "host");
    assert_int_equal(u.port, 81);
    assert_target(&u, "/a@b", "/a@b");
}

static void test_user_without_password_and_empty_parts(void **state)
{
    (void)state;
    struct url u = parse_ok("http://user@h/");
    assert_int_equal(u.user_len, 4);
    assert_null(u.password);
    u = parse_ok("http://user:@h/");
    assert_non_null(u.password);
    assert_int_equal(u.password_len, 0);
    u = parse_ok("http://:pw@[::1]:8080/");
    assert_int_equal(u.user_len, 0);
    assert_int_equal(u.password_len, 2);
    assert_string_equal(u.host, "::1");
    u = parse_ok("http://h/x");
    assert_null(u.user);
    assert_null(u.password);
    /* an '@' in the path or query is not userinfo */
    u = parse_ok("http://h/a@b?c@d");
    assert_null(u.user);
    assert_string_equal(u.host, "h");
}

static void test_bad_userinfo_has_its_own_codes(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://@h/", &u), URL_E_EMPTY_USERINFO);
    assert_int_equal(url_parse("http://a@b@h/", &u), URL_E_AT_TWICE);
    assert_int_equal(url_parse("http://u%3Ax:p@h/", &u), URL_E_USER_COLON);
    assert_int_equal(url_parse("http://u:p%0d%0aX:1@h/", &u), URL_E_USERINFO_CONTROL);
    assert_int_equal(url_parse("http://u%00:p@h/", &u), URL_E_USERINFO_CONTROL);
    /* a ':' in the password is fine, decoded or not */
    parse_ok("http://u:a%3Ab:c@h/");
}

static void test_space_in_the_authority_is_its_own_error(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h /a", &u), URL_E_AUTHORITY_SPACE);
    assert_int_equal(url_parse("http://h: 80/a", &u), URL_E_AUTHORITY_SPACE);
    assert_int_equal(url_parse("http://my user:pw@h/a", &u), URL_E_AUTHORITY_SPACE);
    assert_int_equal(url_parse(" http://h/a", &u), URL_E_NOT_URL);
}

static void test_space_and_non_ascii_in_path_and_query_are_accepted(void **state)
{
    (void)state;
    struct url u = parse_ok("http://h/a b/\xc3\xa9t\xc3\xa9.txt?q=x y");
    assert_target(&u, "/a b/\xc3\xa9t\xc3\xa9.txt?q=x y", "/a b/\xc3\xa9t\xc3\xa9.txt");
    u = parse_ok("http://h/a ");
    assert_target(&u, "/a ", "/a ");
}

static void test_control_characters_are_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h/a\r\nX-Evil: 1", &u), URL_E_CONTROL);
    assert_int_equal(url_parse("http://h/a\tb", &u), URL_E_CONTROL);
    assert_int_equal(url_parse("http://h/a\x7f", &u), URL_E_CONTROL);
    assert_int_equal(url_parse("http://h\x01/", &u), URL_E_CONTROL);
}

static void test_bad_host_characters_are_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h%41/", &u), URL_E_HOST_CHAR);
    assert_int_equal(url_parse("http://a\\b/", &u), URL_E_HOST_CHAR);
    assert_int_equal(url_parse("http://h\"/", &u), URL_E_HOST_CHAR);
    assert_int_equal(url_parse("http://h\xc3\xa9/", &u), URL_E_HOST_CHAR);
}

static void test_empty_host_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http:///a", &u), URL_E_EMPTY_HOST);
    assert_int_equal(url_parse("http://", &u), URL_E_EMPTY_HOST);
    assert_int_equal(url_parse("http://:80/", &u), URL_E_EMPTY_HOST);
    assert_int_equal(url_parse("http://?x", &u), URL_E_EMPTY_HOST);
    assert_int_equal(url_parse("http://u:p@/x", &u), URL_E_EMPTY_HOST);
}

static void test_over_long_host_is_rejected(void **state)
{
    (void)state;
    char s[URL_HOST_MAX + 32];
    struct url u;

    /* URL_HOST_MAX - 1 characters fit (with the NUL) ... */
    strcpy(s, "http://");
    memset(s + 7, 'a', URL_HOST_MAX - 1);
    strcpy(s + 7 + URL_HOST_MAX - 1, "/x");
    assert_int_equal(url_parse(s, &u), 0);
    assert_int_equal(strlen(u.host), URL_HOST_MAX - 1);
    /* ... one more does not */
    memset(s + 7, 'a', URL_HOST_MAX);
    strcpy(s + 7 + URL_HOST_MAX, "/x");
    assert_int_equal(url_parse(s, &u), URL_E_HOST_TOO_LONG);
}

/* ---- url_write_target ---- */

/* url_write_target of url must be expect. */
static void assert_sent(const char *url, const char *expect)
{
    char buf[600];
    struct url u = parse_ok(url);
    int n = url_write_target(&u, buf, sizeof buf - 1);
    if (n < 0) {
        fail_msg("url_write_target(\"%s\") = %d", url, n);
        return;
    }
    buf[n] = '\0';
    if (strcmp(buf, expect) != 0)
        fail_msg("url_write_target(\"%s\") = \"%s\", expected \"%s\"", url, buf, expect);
}

static void test_target_as_written_when_nothing_to_do(void **state)
{
    (void)state;
    assert_sent("http://h/flags/br/br.gif", "/flags/br/br.gif");
    assert_sent("http://h", "/");
    assert_sent("http://h/", "/");
    assert_sent("http://h?q=1", "/?q=1");
    assert_sent("http://h/a?b=1&c=%20#frag", "/a?b=1&c=%20");
    assert_sent("http://h/-._~!$&'()*+,;=:@/x?/?:@", "/-._~!$&'()*+,;=:@/x?/?:@");
    assert_sent("http://h//a//b/", "//a//b/");
}

static void test_dot_segments_are_removed_rfc3986_5_2_4(void **state)
{
    (void)state;
    /* RFC 3986 5.2.4's own example, and the paths of 5.4's examples */
    assert_sent("http://h/a/b/c/./../../g", "/a/g");
    assert_sent("http://h/b/c/./g", "/b/c/g");
    assert_sent("http://h/b/c/g/", "/b/c/g/");
    assert_sent("http://h/b/c/.", "/b/c/");
    assert_sent("http://h/b/c/./", "/b/c/");
    assert_sent("http://h/b/c/..", "/b/");
    assert_sent("http://h/b/c/../", "/b/");
    assert_sent("http://h/b/c/../g", "/b/g");
    assert_sent("http://h/b/c/../..", "/");
    assert_sent("http://h/b/c/../../g", "/g");
    /* 5.4.2: more ".." than segments stay at the root */
    assert_sent("http://h/../g", "/g");
    assert_sent("http://h/../../../g", "/g");
    assert_sent("http://h/..", "/");
    assert_sent("http://h/.", "/");
    /* segments that only look like dots are kept */
    assert_sent("http://h/b/c/g.", "/b/c/g.");
    assert_sent("http://h/b/c/.g", "/b/c/.g");
    assert_sent("http://h/b/c/g..", "/b/c/g..");
    assert_sent("http://h/b/c/..g", "/b/c/..g");
    assert_sent("http://h/b/c/...", "/b/c/...");
    /* empty segments are segments */
    assert_sent("http://h/a//../b", "/a/b");
    assert_sent("http://h/a//..", "/a/");
    /* the query is not a path */
    assert_sent("http://h/a/../b?x=/../y", "/b?x=/../y");
    assert_sent("http://h/a/..?q", "/?q");
}

static void test_encoded_dots_are_dot_segments(void **state)
{
    (void)state;
    assert_sent("http://h/a/%2e%2e/b", "/b");
    assert_sent("http://h/a/.%2E/b", "/b");
    assert_sent("http://h/a/%2E./b", "/b");
    assert_sent("http://h/a/%2e/b", "/a/b");
    assert_sent("http://h/a/%2e%2e%2e", "/a/%2e%2e%2e");
}

static void test_bytes_a_target_may_not_hold_are_percent_encoded(void **state)
{
    (void)state;
    assert_sent("http://h/a b", "/a%20b");
    assert_sent("http://h/a ", "/a%20");
    assert_sent("http://h/\xc3\xa9t\xc3\xa9?q=\xe2\x82\xac", "/%C3%A9t%C3%A9?q=%E2%82%AC");
    assert_sent("http://h/\xff\x80", "/%FF%80");
    assert_sent("http://h/\"<>\\^`{|}[]", "/%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D");
    assert_sent("http://h/?q=a b&r=\"", "/?q=a%20b&r=%22");
}

static void test_escapes_are_kept_and_stray_percent_is_encoded(void **state)
{
    (void)state;
    assert_sent("http://h/a%20b%2fc%2Fd", "/a%20b%2fc%2Fd");
    assert_sent("http://h/100%", "/100%25");
    assert_sent("http://h/a%zzb%4", "/a%25zzb%254");
    assert_sent("http://h/?p=%", "/?p=%25");
}

static void test_target_too_small_is_enospc(void **state)
{
    (void)state;
    char buf[10];
    struct url u = parse_ok("http://h/a b c");
    assert_int_equal(url_write_target(&u, buf, sizeof buf - 1), -ENOSPC); /* 10 bytes */
    assert_int_equal(url_write_target(&u, buf, sizeof buf), 10);
    assert_memory_equal(buf, "/a%20b%20c", 10);
    assert_int_equal(url_write_target(&u, buf, 0), -ENOSPC);
}

/* ---- url_decode, url_password_span ---- */

static void test_decode_turns_escapes_into_bytes(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(url_decode("a%20b%2F%00c%zz%4", 17, out), 11);
    assert_memory_equal(out, "a b/\0c%zz%4", 11);
    assert_int_equal(url_decode("", 0, out), 0);
}

static void test_password_span_finds_the_password(void **state)
{
    (void)state;
    size_t at, len;
    const char *s = "http://user:secret@h/p:q@r";
    assert_true(url_password_span(s, &at, &len));
    assert_int_equal(at, 12);
    assert_int_equal(len, 6);
    s = "http://u:@h/";
    assert_true(url_password_span(s, &at, &len));
    assert_int_equal(len, 0);
    /* with two '@', everything after the first ':' up to the last one */
    s = "http://u:p@x@h/";
    assert_true(url_password_span(s, &at, &len));
    assert_int_equal(at, 9);
    assert_int_equal(len, 3);
    /* also in a URL that does not parse */
    s = "http://u:pw@h:99999/";
    assert_true(url_password_span(s, &at, &len));
    assert_int_equal(len, 2);
    assert_false(url_password_span("http://user@h/", &at, &len));
    assert_false(url_password_span("http://h/a:b@c", &at, &len));
    assert_false(url_password_span("http://h:80/", &at, &len));
    assert_false(url_password_span("not a url", &at, &len));
}

/* ---- origin key and Host header ---- */

static void test_origin_key_includes_port(void **state)
{
    (void)state;
    char buf[64];
    struct url u = parse_ok("http://Example.com/x");
    assert_int_equal(url_origin_key(&u, buf, sizeof(buf)), 14);
    assert_string_equal(buf, "example.com:80");
    u = parse_ok("http://[::1]:8080/");
    assert_int_equal(url_origin_key(&u, buf, sizeof(buf)), 10);
    assert_string_equal(buf, "[::1]:8080");
}

static void test_origin_key_tells_https_from_http(void **state)
{
    (void)state;
    char a[64], b[64];
    struct url u = parse_ok("https://example.com:80/x");
    assert_int_equal(url_origin_key(&u, a, sizeof(a)), 22);
    assert_string_equal(a, "https://example.com:80");
    u = parse_ok("http://example.com:80/x");
    url_origin_key(&u, b, sizeof(b));
    assert_string_not_equal(a, b);
    u = parse_ok("https://[::1]/");
    url_origin_key(&u, a, sizeof(a));
    assert_string_equal(a, "https://[::1]:443");
}

static void test_origin_key_too_small_is_enospc(void **state)
{
    (void)state;
    char buf[14];
    struct url u = parse_ok("http://example.com/x");
    assert_int_equal(url_origin_key(&u, buf, sizeof(buf)), -ENOSPC);
    char ok[15];
    assert_int_equal(url_origin_key(&u, ok, sizeof(ok)), 14);
}

static void test_origin_key_writes_every_port_digit(void **state)
{
    (void)state;
    char buf[64];
    struct url u = parse_ok("http://h:65535/");
    assert_int_equal(url_origin_key(&u, buf, sizeof(buf)), 7);
    assert_string_equal(buf, "h:65535");
    u = parse_ok("https://h/");
    assert_int_equal(url_host_header(&u, buf, sizeof(buf)), 1);
    assert_string_equal(buf, "h");
    u = parse_ok("https://h:80/");
    assert_int_equal(url_host_header(&u, buf, sizeof(buf)), 4);
    assert_string_equal(buf, "h:80");
}

static void test_host_header_omits_port_80(void **state)
{
    (void)state;
    char buf[64];
    struct url u = parse_ok("http://h.example:80/x");
    assert_int_equal(url_host_header(&u, buf, sizeof(buf)), 9);
    assert_string_equal(buf, "h.example");
}

static void test_host_header_has_other_ports_and_brackets(void **state)
{
    (void)state;
    char buf[64];
    struct url u = parse_ok("http://h:8080/x");
    assert_int_equal(url_host_header(&u, buf, sizeof(buf)), 6);
    assert_string_equal(buf, "h:8080");
    u = parse_ok("http://[::1]/x");
    assert_int_equal(url_host_header(&u, buf, sizeof(buf)), 5);
    assert_string_equal(buf, "[::1]");
    u = parse_ok("http://[::1]:81/x");
    assert_int_equal(url_host_header(&u, buf, sizeof(buf)), 8);
    assert_string_equal(buf, "[::1]:81");
}

static void test_host_header_omits_the_default_port_of_https(void **state)
{
    (void)state;
    char buf[64];
    struct url u = parse_ok("https://h.example/x");
    assert_int_equal(url_host_header(&u, buf, sizeof(buf)), 9);
    assert_string_equal(buf, "h.example");
    u = parse_ok("https://h.example:80/x");
    assert_int_equal(url_host_header(&u, buf, sizeof(buf)), 12);
    assert_string_equal(buf, "h.example:80");
    u = parse_ok("http://h.example:443/x");
    assert_int_equal(url_host_header(&u, buf, sizeof(buf)), 13);
    assert_string_equal(buf, "h.example:443");
}

static void test_host_header_too_small_is_enospc(void **state)
{
    (void)state;
    char buf[6];
    struct url u = parse_ok("http://h:8080/x");
    assert_int_equal(url_host_header(&u, buf, sizeof(buf)), -ENOSPC);
}

/* ---- url_output_name ---- */

static void test_name_is_last_segment(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/flags/br/br.gif", out, sizeof(out)), 6);
    assert_string_equal(out, "br.gif");
}

static void test_name_ignores_query_and_fragment(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/a/f.gif?x=/etc/passwd#y", out, sizeof(out)), 5);
    assert_string_equal(out, "f.gif");
    assert_int_equal(name_of("http://h/a/?x=1", out, sizeof(out)), 10);
    assert_string_equal(out, "index.html");
}

static void test_name_is_percent_decoded(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/a%20b%2Bc%e2%82%ac.txt", out, sizeof(out)), 12);
    assert_string_equal(out, "a b+c\xe2\x82\xac.txt");
}

static void test_name_keeps_stray_percent(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/100%", out, sizeof(out)), 4);
    assert_string_equal(out, "100%");
    assert_int_equal(name_of("http://h/a%zzb%4", out, sizeof(out)), 7);
    assert_string_equal(out, "a%zzb%4");
    /* decoding happens once: %252e stays "%2e", a harmless name */
    assert_int_equal(name_of("http://h/%252e", out, sizeof(out)), 3);
    assert_string_equal(out, "%2e");
}

static void test_trailing_slash_gives_index_html(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/dir/", out, sizeof(out)), 10);
    assert_string_equal(out, "index.html");
    assert_int_equal(name_of("http://h/", out, sizeof(out)), 10);
    assert_string_equal(out, "index.html");
    assert_int_equal(name_of("http://h", out, sizeof(out)), 10);
    assert_string_equal(out, "index.html");
}

static void test_trailing_dot_segments_give_index_html(void **state)
{
    (void)state;
    char out[300];
    /* "/a/.." is requested as "/": the file is the directory's index */
    assert_int_equal(name_of("http://h/a/..", out, sizeof(out)), 10);
    assert_string_equal(out, "index.html");
    assert_int_equal(name_of("http://h/a/.", out, sizeof(out)), 10);
    assert_int_equal(name_of("http://h/..", out, sizeof(out)), 10);
    assert_int_equal(name_of("http://h/a/%2e%2e", out, sizeof(out)), 10);
    assert_int_equal(name_of("http://h/a/%2E%2E", out, sizeof(out)), 10);
    assert_int_equal(name_of("http://h/a/.%2e", out, sizeof(out)), 10);
    assert_int_equal(name_of("http://h/a/%2e", out, sizeof(out)), 10);
    assert_string_equal(out, "index.html");
    /* names that merely contain dots are names */
    assert_int_equal(name_of("http://h/...", out, sizeof(out)), 3);
    assert_int_equal(name_of("http://h/..a", out, sizeof(out)), 3);
    assert_int_equal(name_of("http://h/.hidden", out, sizeof(out)), 7);
    assert_int_equal(name_of("http://h/%2e%2e%2e", out, sizeof(out)), 3);
    assert_string_equal(out, "...");
}

static void test_name_is_the_last_segment_of_the_requested_path(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/a/../b.gif", out, sizeof(out)), 5);
    assert_string_equal(out, "b.gif");
    assert_int_equal(name_of("http://h/x/./y/../../z", out, sizeof(out)), 1);
    assert_string_equal(out, "z");
}

static void test_encoded_slash_in_segment_is_rejected(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/a/..%2F..%2Fetc%2Fpasswd", out, sizeof(out)), -EINVAL);
    assert_int_equal(name_of("http://h/a%2fb", out, sizeof(out)), -EINVAL);
    assert_int_equal(name_of("http://h/a%5Cb", out, sizeof(out)), -EINVAL);
}

static void test_encoded_control_characters_are_rejected(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/a%0ab", out, sizeof(out)), -EINVAL);
    assert_int_equal(name_of("http://h/a%0Db", out, sizeof(out)), -EINVAL);
    assert_int_equal(name_of("http://h/a%1b[31m", out, sizeof(out)), -EINVAL);
    assert_int_equal(name_of("http://h/a%7f", out, sizeof(out)), -EINVAL);
}

static void test_encoded_nul_is_rejected(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/a%00.gif", out, sizeof(out)), -EINVAL);
}

static void test_names_of_251_to_255_bytes_are_accepted_256_is_too_long(void **state)
{
    (void)state;
    char s[1024], out[300];
    size_t len = 0;
    struct url u;

    for (int n = 251; n <= 256; n++) {
        strcpy(s, "http://h/d/");
        memset(s + 11, 'n', (size_t)n);
        s[11 + n] = '\0';
        assert_int_equal(url_parse(s, &u), URL_OK);
        int rc = url_output_name(&u, out, sizeof(out), &len);
        assert_int_equal(len, (size_t)n);
        if (n <= URL_NAME_MAX) {
            assert_int_equal(rc, n);
            assert_int_equal(strlen(out), (size_t)n);
        } else {
            assert_int_equal(rc, -ENAMETOOLONG);
        }
    }

    /* the limit applies to the decoded name: 100 x "%C3%A9" is 200 bytes,
     * 150 x is 300 */
    strcpy(s, "http://h/");
    for (int i = 0; i < 100; i++)
        strcat(s, "%C3%A9");
    assert_int_equal(url_parse(s, &u), URL_OK);
    assert_int_equal(url_output_name(&u, out, sizeof(out), &len), 200);
    char big[1024] = "http://h/";
    for (int i = 0; i < 150; i++)
        strcat(big, "%C3%A9");
    assert_int_equal(url_parse(big, &u), URL_OK);
    assert_int_equal(url_output_name(&u, out, sizeof(out), &len), -ENAMETOOLONG);
    assert_int_equal(len, 300);
    /* NULL is fine for decoded_len */
    assert_int_equal(url_output_name(&u, out, sizeof(out), NULL), -ENAMETOOLONG);
}

static void test_unsafe_beats_too_long(void **state)
{
    (void)state;
    char s[400], out[300];
    strcpy(s, "http://h/");
    memset(s + 9, 'n', 300);
    strcpy(s + 309, "%2F");
    assert_int_equal(name_of(s, out, sizeof(out)), -EINVAL);
}

static void test_name_too_small_buffer_is_enospc(void **state)
{
    (void)state;
    char out[5];
    assert_int_equal(name_of("http://h/abcde", out, sizeof(out)), -ENOSPC);
    assert_int_equal(name_of("http://h/", out, sizeof(out)), -ENOSPC);
    assert_int_equal(name_of("http://h/abcd", out, sizeof(out)), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_defaults_to_80),
        cmocka_unit_test(test_explicit_port_is_used),
        cmocka_unit_test(test_port_zero_is_rejected),
        cmocka_unit_test(test_port_65536_is_rejected),
        cmocka_unit_test(test_non_numeric_port_is_rejected),
        cmocka_unit_test(test_empty_port_is_rejected),
        cmocka_unit_test(test_ipv6_literal_with_port),
        cmocka_unit_test(test_ipv6_literal_without_port),
        cmocka_unit_test(test_ipv6_missing_bracket_is_rejected),
        cmocka_unit_test(test_ipv6_garbage_is_rejected),
        cmocka_unit_test(test_upper_case_scheme_and_host_are_accepted_and_host_lowered),
        cmocka_unit_test(test_ipv4_literal_is_a_host),
        cmocka_unit_test(test_no_path_gives_slash_target),
        cmocka_unit_test(test_query_is_in_target_not_in_path),
        cmocka_unit_test(test_fragment_is_excluded),
        cmocka_unit_test(test_query_without_path_keeps_the_query),
        cmocka_unit_test(test_target_points_into_the_string),
        cmocka_unit_test(test_https_is_parsed_with_port_443),
        cmocka_unit_test(test_other_schemes_are_refused),
        cmocka_unit_test(test_not_a_url_is_rejected),
        cmocka_unit_test(test_userinfo_is_split_into_user_and_password),
        cmocka_unit_test(test_user_without_password_and_empty_parts),
        cmocka_unit_test(test_bad_userinfo_has_its_own_codes),
        cmocka_unit_test(test_space_in_the_authority_is_its_own_error),
        cmocka_unit_test(test_space_and_non_ascii_in_path_and_query_are_accepted),
        cmocka_unit_test(test_control_characters_are_rejected),
        cmocka_unit_test(test_bad_host_characters_are_rejected),
        cmocka_unit_test(test_empty_host_is_rejected),
        cmocka_unit_test(test_over_long_host_is_rejected),
        cmocka_unit_test(test_target_as_written_when_nothing_to_do),
        cmocka_unit_test(test_dot_segments_are_removed_rfc3986_5_2_4),
        cmocka_unit_test(test_encoded_dots_are_dot_segments),
        cmocka_unit_test(test_bytes_a_target_may_not_hold_are_percent_encoded),
        cmocka_unit_test(test_escapes_are_kept_and_stray_percent_is_encoded),
        cmocka_unit_test(test_target_too_small_is_enospc),
        cmocka_unit_test(test_decode_turns_escapes_into_bytes),
        cmocka_unit_test(test_password_span_finds_the_password),
        cmocka_unit_test(test_origin_key_includes_port),
        cmocka_unit_test(test_origin_key_tells_https_from_http),
        cmocka_unit_test(test_origin_key_too_small_is_enospc),
        cmocka_unit_test(test_origin_key_writes_every_port_digit),
        cmocka_unit_test(test_host_header_omits_port_80),
        cmocka_unit_test(test_host_header_has_other_ports_and_brackets),
        cmocka_unit_test(test_host_header_omits_the_default_port_of_https),
        cmocka_unit_test(test_host_header_too_small_is_enospc),
        cmocka_unit_test(test_name_is_last_segment),
        cmocka_unit_test(test_name_ignores_query_and_fragment),
        cmocka_unit_test(test_name_is_percent_decoded),
        cmocka_unit_test(test_name_keeps_stray_percent),
        cmocka_unit_test(test_trailing_slash_gives_index_html),
        cmocka_unit_test(test_trailing_dot_segments_give_index_html),
        cmocka_unit_test(test_name_is_the_last_segment_of_the_requested_path),
        cmocka_unit_test(test_encoded_slash_in_segment_is_rejected),
        cmocka_unit_test(test_encoded_control_characters_are_rejected),
        cmocka_unit_test(test_encoded_nul_is_rejected),
        cmocka_unit_test(test_names_of_251_to_255_bytes_are_accepted_256_is_too_long),
        cmocka_unit_test(test_unsafe_beats_too_long),
        cmocka_unit_test(test_name_too_small_buffer_is_enospc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
