/* request.c: the exact bytes of a GET. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/request.h"
#include "ringfetch/engine.h"

static void assert_request(const char *url, const char *ua, const char *expect)
{
    char buf[1024];
    struct url u;

    assert_int_equal(url_parse(url, &u), 0);
    int n = request_build(buf, sizeof(buf), &u, &(struct request_extra){ .user_agent = ua });
    assert_int_equal(n, (int)strlen(expect));
    assert_memory_equal(buf, expect, (size_t)n);
}

static void test_get_has_exact_bytes(void **state)
{
    (void)state;
    assert_request("http://example.com/flags/br/br.gif", "ua/1",
                   "GET /flags/br/br.gif HTTP/1.1\r\n"
                   "Host: example.com\r\n"
                   "User-Agent: ua/1\r\n"
                   "Accept: */*\r\n"
                   "\r\n");
}

static void test_host_header_carries_non_default_port(void **state)
{
    (void)state;
    assert_request("http://127.0.0.1:8001/x", "ua",
                   "GET /x HTTP/1.1\r\nHost: 127.0.0.1:8001\r\nUser-Agent: ua\r\nAccept: */*\r\n\r\n");
}

static void test_host_header_brackets_ipv6(void **state)
{
    (void)state;
    assert_request("http://[::1]:8080/x", "ua",
                   "GET /x HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: ua\r\nAccept: */*\r\n\r\n");
    assert_request("http://[::1]/x", "ua",
                   "GET /x HTTP/1.1\r\nHost: [::1]\r\nUser-Agent: ua\r\nAccept: */*\r\n\r\n");
}

static void test_target_keeps_query_and_drops_fragment(void **state)
{
    (void)state;
    assert_request("http://h/a?b=1&c=%20#frag", "ua",
                   "GET /a?b=1&c=%20 HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\nAccept: */*\r\n\r\n");
}

static void test_empty_path_requests_slash(void **state)
{
    (void)state;
    assert_request("http://H", "ua",
                   "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\nAccept: */*\r\n\r\n");
}

static void test_query_without_path_requests_slash_query(void **state)
{
    (void)state;
    assert_request("http://h?q=1", "ua",
                   "GET /?q=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\nAccept: */*\r\n\r\n");
}

static void test_null_user_agent_is_ringfetch_version(void **state)
{
    (void)state;
    assert_request("http://h/", NULL,
                   "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: ringfetch/" RF_VERSION
                   "\r\nAccept: */*\r\n\r\n");
}

static void test_no_connection_header_is_sent(void **state)
{
    (void)state;
    char buf[512];
    struct url u;
    assert_int_equal(url_parse("http://h/x", &u), 0);
    int n = request_build(buf, sizeof(buf) - 1, &u, &(struct request_extra){ .user_agent = "ua" });
    assert_true(n > 0);
    buf[n] = '\0';
    assert_null(strcasestr(buf, "connection"));
}

static void test_exact_fit_succeeds_one_less_is_enospc(void **state)
{
    (void)state;
    static const char expect[] =
        "GET /x HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\nAccept: */*\r\n\r\n";
    char buf[sizeof(expect) - 1];
    struct url u;
    assert_int_equal(url_parse("http://h/x", &u), 0);
    assert_int_equal(request_build(buf, sizeof(buf), &u, &(struct request_extra){ .user_agent = "ua" }), (int)sizeof(buf));
    assert_memory_equal(buf, expect, sizeof(buf));
    assert_int_equal(request_build(buf, sizeof(buf) - 1, &u, &(struct request_extra){ .user_agent = "ua" }), -ENOSPC);
    assert_int_equal(request_build(buf, 0, &u, &(struct request_extra){ .user_agent = "ua" }), -ENOSPC);
}

static void test_user_agent_with_crlf_is_refused(void **state)
{
    (void)state;
    char buf[512];
    struct url u;
    assert_int_equal(url_parse("http://h/x", &u), 0);
    assert_int_equal(request_build(buf, sizeof(buf), &u, &(struct request_extra){ .user_agent = "ua\r\nX-Evil: 1" }), -EINVAL);
}

static void test_target_is_sent_without_dot_segments_and_encoded(void **state)
{
    (void)state;
    assert_request("http://h/a/b/../c d/./\xc3\xa9%41?q=x y", "ua",
                   "GET /a/c%20d/%C3%A9%41?q=x%20y HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\n"
                   "Accept: */*\r\n\r\n");
}

static void test_userinfo_is_sent_as_basic_authorization(void **state)
{
    (void)state;
    /* RFC 7617's example: Aladdin / open sesame */
    assert_request("http://Aladdin:open%20sesame@h:8080/x", "ua",
                   "GET /x HTTP/1.1\r\nHost: h:8080\r\n"
                   "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
                   "User-Agent: ua\r\nAccept: */*\r\n\r\n");
}

static void test_credentials_are_decoded_before_base64(void **state)
{
    (void)state;
    /* "a@b" : "p:w%" -> "a@b:p:w%" */
    assert_request("http://a%40b:p:w%25@h/", "ua",
                   "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic YUBiOnA6dyU=\r\n"
                   "User-Agent: ua\r\nAccept: */*\r\n\r\n");
    /* no password: "user:" ; empty password: the same */
    assert_request("http://user@h/", "ua",
                   "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic dXNlcjo=\r\n"
                   "User-Agent: ua\r\nAccept: */*\r\n\r\n");
    assert_request("http://user:@h/", "ua",
                   "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic dXNlcjo=\r\n"
                   "User-Agent: ua\r\nAccept: */*\r\n\r\n");
}

static void test_credentials_that_do_not_fit_are_enospc(void **state)
{
    (void)state;
    static const char expect[] = "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic dTpw\r\n"
                                 "User-Agent: ua\r\nAccept: */*\r\n\r\n";
    char buf[sizeof expect - 1];
    struct url u;
    assert_int_equal(url_parse("http://u:p@h/", &u), URL_OK);
    assert_int_equal(request_build(buf, sizeof buf, &u, &(struct request_extra){ .user_agent = "ua" }), (int)sizeof buf);
    assert_memory_equal(buf, expect, sizeof buf);
    /* cut inside the base64, inside the target, before the credentials */
    for (size_t size = 0; size < sizeof buf; size++)
        assert_int_equal(request_build(buf, size, &u, &(struct request_extra){ .user_agent = "ua" }), -ENOSPC);
}

static void assert_request_ex(const char *url, const struct request_extra *ex, const char *expect)
{
    char buf[1024];
    struct url u;
    assert_int_equal(url_parse(url, &u), 0);
    int n = request_build(buf, sizeof(buf), &u, ex);
    assert_int_equal(n, (int)strlen(expect));
    assert_memory_equal(buf, expect, (size_t)n);
}

/* -H: extra lines go last; a name we set replaces ours; "Name:" removes ours. */
static void test_run_headers_add_replace_and_remove(void **state)
{
    (void)state;
    const char *h[] = { "X-Trace: 1", "user-agent: them/2", "Accept:", "X-Empty:" };
    struct request_extra ex = { .user_agent = "ua", .headers = h, .nheaders = 4 };
    assert_request_ex("http://h/a", &ex,
                      "GET /a HTTP/1.1\r\nHost: h\r\n"
                      "X-Trace: 1\r\nuser-agent: them/2\r\n\r\n");
}

static void test_header_injection_is_refused(void **state)
{
    (void)state;
    char buf[256];
    struct url u;
    assert_int_equal(url_parse("http://h/a", &u), 0);
    const char *bad[][1] = { { "X-A: 1\r\nX-B: 2" }, { "no colon here" }, { ": no name" }, { "X-A: \x01" } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct request_extra ex = { .headers = bad[i], .nheaders = 1 };
        assert_int_equal(request_build(buf, sizeof buf, &u, &ex), -EINVAL);
    }
}

/* --user: Basic authorization for URLs without a userinfo; the URL's own wins. */
static void test_run_credentials_apply_unless_the_url_has_its_own(void **state)
{
    (void)state;
    struct request_extra ex = { .user_agent = "ua", .credentials = "Aladdin:open sesame" };
    assert_request_ex("http://h/a", &ex,
                      "GET /a HTTP/1.1\r\nHost: h\r\n"
                      "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
                      "User-Agent: ua\r\nAccept: */*\r\n\r\n");
    assert_request_ex("http://u:p@h/a", &ex,
                      "GET /a HTTP/1.1\r\nHost: h\r\n"
                      "Authorization: Basic dTpw\r\n"
                      "User-Agent: ua\r\nAccept: */*\r\n\r\n");
}

/* Another origin (a redirect elsewhere): no --user credentials, no -H
 * Authorization or Cookie; the other -H lines and a URL's own userinfo stay. */
static void test_foreign_origin_gets_no_user_secrets(void **state)
{
    (void)state;
    const char *h[] = { "Cookie: id=1", "X-Trace: 1", "authorization: Bearer t" };
    struct request_extra ex = { .user_agent = "ua", .credentials = "a:b", .headers = h, .nheaders = 3,
                                .foreign = true };
    assert_request_ex("http://h/a", &ex,
                      "GET /a HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\nAccept: */*\r\n"
                      "X-Trace: 1\r\n\r\n");
    ex.nheaders = 2; /* no -H Authorization: the Location's own userinfo is used */
    assert_request_ex("http://u:p@h/a", &ex,
                      "GET /a HTTP/1.1\r\nHost: h\r\nAuthorization: Basic dTpw\r\n"
                      "User-Agent: ua\r\nAccept: */*\r\nX-Trace: 1\r\n\r\n");
}

/* Through a proxy: the absolute form, Host still the origin's, and the
 * proxy's credentials beside (never the URL's userinfo in the target). */
static void test_absolute_form_for_a_proxy(void **state)
{
    (void)state;
    char buf[1024];
    struct url u;
    assert_int_equal(url_parse("http://me:pw@origin.example:8080/a/../b?q=1#f", &u), 0);
    struct request_extra ex = { .user_agent = "ua", .absolute_form = true, .proxy_auth = "dTpw" };
    int n = request_build(buf, sizeof buf, &u, &ex);
    const char *want = "GET http://origin.example:8080/b?q=1 HTTP/1.1\r\n"
                       "Host: origin.example:8080\r\n"
                       "Proxy-Authorization: Basic dTpw\r\n"
                       "Authorization: Basic bWU6cHc=\r\n"
                       "User-Agent: ua\r\nAccept: */*\r\n\r\n";
    assert_int_equal(n, (int)strlen(want));
    assert_memory_equal(buf, want, (size_t)n);
    /* The default port is not written; IPv6 keeps its brackets. */
    assert_int_equal(url_parse("http://[::1]/x", &u), 0);
    ex.proxy_auth = NULL;
    n = request_build(buf, sizeof buf, &u, &ex);
    want = "GET http://[::1]/x HTTP/1.1\r\nHost: [::1]\r\nUser-Agent: ua\r\nAccept: */*\r\n\r\n";
    assert_int_equal(n, (int)strlen(want));
    assert_memory_equal(buf, want, (size_t)n);
}

/* Proxy credentials go to the proxy only: a direct request never has them. */
static void test_proxy_credentials_only_with_the_absolute_form(void **state)
{
    (void)state;
    char buf[1024];
    struct url u;
    assert_int_equal(url_parse("http://h/x", &u), 0);
    struct request_extra ex = { .user_agent = "ua", .proxy_auth = "dTpw" };
    int n = request_build(buf, sizeof buf, &u, &ex);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_null(strstr(buf, "Proxy-Authorization"));
    assert_memory_equal(buf, "GET /x HTTP/1.1\r\n", 17);
}

static void test_connect_request_bytes(void **state)
{
    (void)state;
    char buf[512];
    int n = request_build_connect(buf, sizeof buf, "origin.example", 443, "ua/2", "dTpw");
    const char *want = "CONNECT origin.example:443 HTTP/1.1\r\nHost: origin.example:443\r\n"
                       "User-Agent: ua/2\r\nProxy-Authorization: Basic dTpw\r\n\r\n";
    assert_int_equal(n, (int)strlen(want));
    assert_memory_equal(buf, want, (size_t)n);
    n = request_build_connect(buf, sizeof buf, "::1", 8443, NULL, NULL);
    want = "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nUser-Agent: ringfetch/" RF_VERSION
           "\r\n\r\n";
    assert_int_equal(n, (int)strlen(want));
    assert_memory_equal(buf, want, (size_t)n);
    assert_int_equal(request_build_connect(buf, 20, "origin.example", 443, NULL, NULL), -ENOSPC);
    assert_int_equal(request_build_connect(buf, sizeof buf, "h", 1, "a\r\nX: y", NULL), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_has_exact_bytes),
        cmocka_unit_test(test_foreign_origin_gets_no_user_secrets),
        cmocka_unit_test(test_host_header_carries_non_default_port),
        cmocka_unit_test(test_host_header_brackets_ipv6),
        cmocka_unit_test(test_target_keeps_query_and_drops_fragment),
        cmocka_unit_test(test_empty_path_requests_slash),
        cmocka_unit_test(test_query_without_path_requests_slash_query),
        cmocka_unit_test(test_null_user_agent_is_ringfetch_version),
        cmocka_unit_test(test_no_connection_header_is_sent),
        cmocka_unit_test(test_exact_fit_succeeds_one_less_is_enospc),
        cmocka_unit_test(test_user_agent_with_crlf_is_refused),
        cmocka_unit_test(test_target_is_sent_without_dot_segments_and_encoded),
        cmocka_unit_test(test_userinfo_is_sent_as_basic_authorization),
        cmocka_unit_test(test_credentials_are_decoded_before_base64),
        cmocka_unit_test(test_credentials_that_do_not_fit_are_enospc),
        cmocka_unit_test(test_run_headers_add_replace_and_remove),
        cmocka_unit_test(test_header_injection_is_refused),
        cmocka_unit_test(test_run_credentials_apply_unless_the_url_has_its_own),
        cmocka_unit_test(test_absolute_form_for_a_proxy),
        cmocka_unit_test(test_proxy_credentials_only_with_the_absolute_form),
        cmocka_unit_test(test_connect_request_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
