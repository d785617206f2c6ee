/* server/httpreq.c: flagserver's request parsing, limits and path decoding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/httpreq.h"

/* Feed s whole; return the result and, through used, what was consumed. */
static int feed(struct fs_req *r, const char *s, size_t *used)
{
    size_t dummy;
    return fs_req_feed(r, s, strlen(s), used ? used : &dummy);
}

static void test_simple_get_completes(void **state)
{
    (void)state;
    struct fs_req r;
    fs_req_init(&r);
    assert_int_equal(feed(&r, "GET /flags/br/br.gif HTTP/1.1\r\nHost: x\r\n\r\n", NULL), FS_REQ_DONE);
    assert_int_equal(fs_req_method(&r), FS_METHOD_GET);
    assert_string_equal(r.url, "/flags/br/br.gif");
    assert_int_equal(fs_req_minor(&r), 1);
    assert_true(fs_req_keep_alive(&r));
}

static void test_request_split_across_feeds_completes_at_the_end(void **state)
{
    (void)state;
    struct fs_req r;
    fs_req_init(&r);
    assert_int_equal(feed(&r, "HEAD /fl", NULL), FS_REQ_MORE);
    assert_int_equal(feed(&r, "ags/x HTTP/1.1\r\nHo", NULL), FS_REQ_MORE);
    assert_int_equal(feed(&r, "st: x\r\n\r\n", NULL), FS_REQ_DONE);
    assert_int_equal(fs_req_method(&r), FS_METHOD_HEAD);
    assert_string_equal(r.url, "/flags/x");
}

static void test_pipelined_requests_stop_after_each(void **state)
{
    (void)state;
    struct fs_req r;
    const char *two = "GET /a HTTP/1.1\r\n\r\nGET /bb HTTP/1.1\r\nConnection: close\r\n\r\n";
    size_t used;
    fs_req_init(&r);
    assert_int_equal(feed(&r, two, &used), FS_REQ_DONE);
    assert_int_equal(used, strlen("GET /a HTTP/1.1\r\n\r\n"));
    assert_string_equal(r.url, "/a");
    fs_req_next(&r);
    assert_int_equal(feed(&r, two + used, &used), FS_REQ_DONE);
    assert_string_equal(r.url, "/bb");
    assert_false(fs_req_keep_alive(&r));
}

static void test_http10_is_not_keep_alive_unless_asked(void **state)
{
    (void)state;
    struct fs_req r;
    fs_req_init(&r);
    assert_int_equal(feed(&r, "GET / HTTP/1.0\r\n\r\n", NULL), FS_REQ_DONE);
    assert_int_equal(fs_req_minor(&r), 0);
    assert_false(fs_req_keep_alive(&r));
    fs_req_init(&r);
    assert_int_equal(feed(&r, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", NULL), FS_REQ_DONE);
    assert_true(fs_req_keep_alive(&r));
}

static void test_malformed_request_is_bad(void **state)
{
    (void)state;
    const char *bad[] = { "BLAH\r\n\r\n", "GET / HTTP/7.0\r\n\r\n", "GET / HTTP/1.1\r\nno colon\r\n\r\n",
                          "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct fs_req r;
        fs_req_init(&r);
        assert_int_equal(feed(&r, bad[i], NULL), FS_REQ_BAD);
    }
}

static void test_request_over_the_size_limit_is_too_large(void **state)
{
    (void)state;
    struct fs_req r;
    static char big[FS_MAX_REQUEST_BYTES + 100];
    fs_req_init(&r);
    assert_int_equal(feed(&r, "GET / HTTP/1.1\r\nX-Big: ", NULL), FS_REQ_MORE);
    memset(big, 'a', sizeof(big) - 1);
    assert_int_equal(feed(&r, big, NULL), FS_REQ_TOO_LARGE);
}

static void test_long_target_is_uri_too_long(void **state)
{
    (void)state;
    struct fs_req r;
    char line[FS_MAX_URL_BYTES + 64];
    memset(line, 'a', sizeof(line));
    memcpy(line, "GET /", 5);
    strcpy(line + FS_MAX_URL_BYTES + 10, " HTTP/1.1\r\n\r\n");
    fs_req_init(&r);
    assert_int_equal(feed(&r, line, NULL), FS_REQ_URI_TOO_LONG);
}

static void test_path_decodes_and_drops_query_and_authority(void **state)
{
    (void)state;
    char p[64];
    assert_int_equal(fs_req_path("/flags/br/br.gif?x=1#f", p, sizeof(p)), 16);
    assert_string_equal(p, "/flags/br/br.gif");
    assert_true(fs_req_path("/a%20b%2Fc", p, sizeof(p)) > 0);
    assert_string_equal(p, "/a b/c");
    assert_true(fs_req_path("http://localhost:8001/flags/x", p, sizeof(p)) > 0);
    assert_string_equal(p, "/flags/x");
    assert_true(fs_req_path("/a..b/..c", p, sizeof(p)) > 0); /* dots inside names are fine */
}

static void test_path_rejects_dot_dot_bad_escapes_and_non_paths(void **state)
{
    (void)state;
    char p[64];
    const char *bad[] = { "/../etc/passwd", "/a/..", "/a/../b", "/%2e%2e/x", "/a/%2E%2e", "/%zz",
                          "/%0", "/a%00b", "*", "flags/br", "http://host" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (fs_req_path(bad[i], p, sizeof(p)) != -EINVAL)
            fail_msg("fs_req_path(\"%s\") accepted", bad[i]);
    assert_int_equal(fs_req_path("/0123456789", p, 8), -ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get_completes),
        cmocka_unit_test(test_request_split_across_feeds_completes_at_the_end),
        cmocka_unit_test(test_pipelined_requests_stop_after_each),
        cmocka_unit_test(test_http10_is_not_keep_alive_unless_asked),
        cmocka_unit_test(test_malformed_request_is_bad),
        cmocka_unit_test(test_request_over_the_size_limit_is_too_large),
        cmocka_unit_test(test_long_target_is_uri_too_long),
        cmocka_unit_test(test_path_decodes_and_drops_query_and_authority),
        cmocka_unit_test(test_path_rejects_dot_dot_bad_escapes_and_non_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
