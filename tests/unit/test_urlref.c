/* http/urlref.c: resolving a redirect's Location (RFC 3986 5.2), checked
 * against the RFC's own examples (section 5.4) and what servers send. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "http/urlref.h"

static const char BASE[] = "http://a/b/c/d;p?q";

static void check(const char *base, const char *ref, const char *want)
{
    char out[256];
    int n = urlref_resolve(base, ref, strlen(ref), out, sizeof out);
    if (n < 0)
        fail_msg("%s + %s: error %d", base, ref, n);
    if (strcmp(out, want) != 0)
        fail_msg("%s + %s = %s, expected %s", base, ref, out, want);
    assert_int_equal(n, strlen(want));
}

static void rfc3986_normal_examples(void **state)
{
    (void)state;
    check(BASE, "g:h", "g:h");
    check(BASE, "g", "http://a/b/c/g");
    check(BASE, "./g", "http://a/b/c/g");
    check(BASE, "g/", "http://a/b/c/g/");
    check(BASE, "/g", "http://a/g");
    check(BASE, "//g", "http://g");
    check(BASE, "?y", "http://a/b/c/d;p?y");
    check(BASE, "g?y", "http://a/b/c/g?y");
    check(BASE, "#s", "http://a/b/c/d;p?q");       /* fragments are dropped */
    check(BASE, "g#s", "http://a/b/c/g");
    check(BASE, "g?y#s", "http://a/b/c/g?y");
    check(BASE, ";x", "http://a/b/c/;x");
    check(BASE, "g;x", "http://a/b/c/g;x");
    check(BASE, "g;x?y#s", "http://a/b/c/g;x?y");
    check(BASE, "", "http://a/b/c/d;p?q");
    check(BASE, ".", "http://a/b/c/");
    check(BASE, "./", "http://a/b/c/");
    check(BASE, "..", "http://a/b/");
    check(BASE, "../", "http://a/b/");
    check(BASE, "../g", "http://a/b/g");
    check(BASE, "../..", "http://a/");
    check(BASE, "../../", "http://a/");
    check(BASE, "../../g", "http://a/g");
}

static void rfc3986_abnormal_examples(void **state)
{
    (void)state;
    check(BASE, "../../../g", "http://a/g");
    check(BASE, "../../../../g", "http://a/g");
    check(BASE, "/./g", "http://a/g");
    check(BASE, "/../g", "http://a/g");
    check(BASE, "g.", "http://a/b/c/g.");
    check(BASE, ".g", "http://a/b/c/.g");
    check(BASE, "g..", "http://a/b/c/g..");
    check(BASE, "..g", "http://a/b/c/..g");
    check(BASE, "./../g", "http://a/b/g");
    check(BASE, "./g/.", "http://a/b/c/g/");
    check(BASE, "g/./h", "http://a/b/c/g/h");
    check(BASE, "g/../h", "http://a/b/c/h");
    check(BASE, "g;x=1/./y", "http://a/b/c/g;x=1/y");
    check(BASE, "g;x=1/../y", "http://a/b/c/y");
    check(BASE, "g?y/./x", "http://a/b/c/g?y/./x");
    check(BASE, "g?y/../x", "http://a/b/c/g?y/../x");
    check(BASE, "g#s/./x", "http://a/b/c/g");
    check(BASE, "http:g", "http:g"); /* strict parsers, as the RFC recommends */
}

static void what_servers_send(void **state)
{
    (void)state;
    check("http://h:8080/dir/file?x=1", "/other", "http://h:8080/other");
    check("http://h/dir/file", "https://cdn.example/a/b", "https://cdn.example/a/b");
    check("http://h/dir/", "next.bin", "http://h/dir/next.bin");
    check("http://h", "x", "http://h/x");   /* a base with no path */
    check("http://[::1]:81/a", "b", "http://[::1]:81/b");
}

static void no_room_and_no_base_are_errors(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(urlref_resolve("http://a/b", "/a-long-path-indeed", 19, out, sizeof out), -ENOSPC);
    assert_int_equal(urlref_resolve("/relative", "x", 1, out, sizeof out), -EINVAL);
    /* ref need not be NUL-terminated */
    char big[64];
    assert_int_equal(urlref_resolve("http://a/b", "/xyz-not-this", 4, big, sizeof big), 12);
    assert_string_equal(big, "http://a/xyz");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc3986_normal_examples),
        cmocka_unit_test(rfc3986_abnormal_examples),
        cmocka_unit_test(what_servers_send),
        cmocka_unit_test(no_room_and_no_base_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
