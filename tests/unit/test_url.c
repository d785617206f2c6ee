/* url.c: parsing, origin keys, Host values and output-name sanitizing. */
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
    return url_output_name(&u, out, size);
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
    assert_int_equal(url_parse("http://h:0/", &u), -EINVAL);
    assert_int_equal(url_parse("http://h:00/", &u), -EINVAL);
}

static void test_port_65536_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h:65536/", &u), -EINVAL);
    assert_int_equal(url_parse("http://h:99999999999999999999/", &u), -EINVAL);
}

static void test_non_numeric_port_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h:http/", &u), -EINVAL);
    assert_int_equal(url_parse("http://h:80a/", &u), -EINVAL);
    assert_int_equal(url_parse("http://h:-1/", &u), -EINVAL);
    assert_int_equal(url_parse("http://h:+80/", &u), -EINVAL);
}

static void test_empty_port_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h:/", &u), -EINVAL);
    assert_int_equal(url_parse("http://h:", &u), -EINVAL);
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
    assert_int_equal(url_parse("http://[::1/x", &u), -EINVAL);
    assert_int_equal(url_parse("http://[::1", &u), -EINVAL);
    assert_int_equal(url_parse("http://::1]/", &u), -EINVAL);
}

static void test_ipv6_garbage_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://[example.com]/", &u), -EINVAL);
    assert_int_equal(url_parse("http://[::1]8080/", &u), -EINVAL);
    assert_int_equal(url_parse("http://[]/", &u), -EINVAL);
    assert_int_equal(url_parse("http://[fe80::1%25eth0]/", &u), -EINVAL);
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

static void test_https_is_not_supported(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("https://example.com/", &u), -EPROTONOSUPPORT);
    assert_int_equal(url_parse("HTTPS://example.com/", &u), -EPROTONOSUPPORT);
    assert_int_equal(url_parse("ftp://example.com/", &u), -EPROTONOSUPPORT);
}

static void test_not_a_url_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("example.com/a", &u), -EINVAL);
    assert_int_equal(url_parse("/a/b", &u), -EINVAL);
    assert_int_equal(url_parse("", &u), -EINVAL);
    assert_int_equal(url_parse("http:/h/", &u), -EINVAL);
    assert_int_equal(url_parse("http:h", &u), -EINVAL);
    assert_int_equal(url_parse("://h/", &u), -EINVAL);
    assert_int_equal(url_parse(NULL, &u), -EINVAL);
}

static void test_userinfo_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://user:pw@h/", &u), -EINVAL);
    assert_int_equal(url_parse("http://user@h/", &u), -EINVAL);
    assert_int_equal(url_parse("http://@h/", &u), -EINVAL);
    /* an '@' in the path is not userinfo */
    parse_ok("http://h/a@b");
}

static void test_space_anywhere_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h/a b", &u), -EINVAL);
    assert_int_equal(url_parse("http://h /a", &u), -EINVAL);
    assert_int_equal(url_parse(" http://h/a", &u), -EINVAL);
    assert_int_equal(url_parse("http://h/a ", &u), -EINVAL);
}

static void test_control_characters_are_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h/a\r\nX-Evil: 1", &u), -EINVAL);
    assert_int_equal(url_parse("http://h/a\tb", &u), -EINVAL);
    assert_int_equal(url_parse("http://h/a\x7f", &u), -EINVAL);
    assert_int_equal(url_parse("http://h\x01/", &u), -EINVAL);
}

static void test_bad_host_characters_are_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http://h%41/", &u), -EINVAL);
    assert_int_equal(url_parse("http://a\\b/", &u), -EINVAL);
    assert_int_equal(url_parse("http://h\"/", &u), -EINVAL);
}

static void test_empty_host_is_rejected(void **state)
{
    (void)state;
    struct url u;
    assert_int_equal(url_parse("http:///a", &u), -EINVAL);
    assert_int_equal(url_parse("http://", &u), -EINVAL);
    assert_int_equal(url_parse("http://:80/", &u), -EINVAL);
    assert_int_equal(url_parse("http://?x", &u), -EINVAL);
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
    assert_int_equal(url_parse(s, &u), -EINVAL);
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

static void test_origin_key_too_small_is_enospc(void **state)
{
    (void)state;
    char buf[14];
    struct url u = parse_ok("http://example.com/x");
    assert_int_equal(url_origin_key(&u, buf, sizeof(buf)), -ENOSPC);
    char ok[15];
    assert_int_equal(url_origin_key(&u, ok, sizeof(ok)), 14);
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

static void test_dot_and_dotdot_are_rejected(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/a/..", out, sizeof(out)), -EINVAL);
    assert_int_equal(name_of("http://h/a/.", out, sizeof(out)), -EINVAL);
    assert_int_equal(name_of("http://h/..", out, sizeof(out)), -EINVAL);
    /* names that merely contain dots are fine */
    assert_int_equal(name_of("http://h/...", out, sizeof(out)), 3);
    assert_int_equal(name_of("http://h/..a", out, sizeof(out)), 3);
    assert_int_equal(name_of("http://h/.hidden", out, sizeof(out)), 7);
}

static void test_encoded_dotdot_is_rejected(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(name_of("http://h/a/%2e%2e", out, sizeof(out)), -EINVAL);
    assert_int_equal(name_of("http://h/a/%2E%2E", out, sizeof(out)), -EINVAL);
    assert_int_equal(name_of("http://h/a/.%2e", out, sizeof(out)), -EINVAL);
    assert_int_equal(name_of("http://h/a/%2e", out, sizeof(out)), -EINVAL);
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

static void test_name_of_255_bytes_is_accepted_256_rejected(void **state)
{
    (void)state;
    char s[400], out[300];

    strcpy(s, "http://h/d/");
    memset(s + 11, 'n', 255);
    s[11 + 255] = '\0';
    assert_int_equal(name_of(s, out, sizeof(out)), 255);
    assert_int_equal(strlen(out), 255);

    memset(s + 11, 'n', 256);
    s[11 + 256] = '\0';
    assert_int_equal(name_of(s, out, sizeof(out)), -EINVAL);

    /* the limit applies to the decoded name: 85 x "%41" is 85 bytes */
    strcpy(s, "http://h/");
    for (int i = 0; i < 85; i++)
        strcat(s, "%41");
    assert_int_equal(name_of(s, out, sizeof(out)), 85);
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
        cmocka_unit_test(test_https_is_not_supported),
        cmocka_unit_test(test_not_a_url_is_rejected),
        cmocka_unit_test(test_userinfo_is_rejected),
        cmocka_unit_test(test_space_anywhere_is_rejected),
        cmocka_unit_test(test_control_characters_are_rejected),
        cmocka_unit_test(test_bad_host_characters_are_rejected),
        cmocka_unit_test(test_empty_host_is_rejected),
        cmocka_unit_test(test_over_long_host_is_rejected),
        cmocka_unit_test(test_origin_key_includes_port),
        cmocka_unit_test(test_origin_key_too_small_is_enospc),
        cmocka_unit_test(test_host_header_omits_port_80),
        cmocka_unit_test(test_host_header_has_other_ports_and_brackets),
        cmocka_unit_test(test_host_header_too_small_is_enospc),
        cmocka_unit_test(test_name_is_last_segment),
        cmocka_unit_test(test_name_ignores_query_and_fragment),
        cmocka_unit_test(test_name_is_percent_decoded),
        cmocka_unit_test(test_name_keeps_stray_percent),
        cmocka_unit_test(test_trailing_slash_gives_index_html),
        cmocka_unit_test(test_dot_and_dotdot_are_rejected),
        cmocka_unit_test(test_encoded_dotdot_is_rejected),
        cmocka_unit_test(test_encoded_slash_in_segment_is_rejected),
        cmocka_unit_test(test_encoded_control_characters_are_rejected),
        cmocka_unit_test(test_encoded_nul_is_rejected),
        cmocka_unit_test(test_name_of_255_bytes_is_accepted_256_rejected),
        cmocka_unit_test(test_name_too_small_buffer_is_enospc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
