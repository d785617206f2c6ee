/* libFuzzer target: URL parsing and output names (src/http/url.c).
 *
 * The input (cut at its first NUL) is parsed as a URL. When it parses:
 * - host is non-empty, lower-case, shorter than URL_HOST_MAX; port is not 0;
 * - target/path lie inside the input (or are the static "/"), the path is a
 *   prefix of the target, the target starts with '/' or '?' and holds no
 *   control character or '#';
 * - user/password, when set, lie inside the input before the host;
 *   url_password_span finds exactly the password;
 * - the origin key and the Host header fit in a generous buffer, and
 *   the scheme + Host header + target parses back to the same host and port;
 * - url_write_target's target starts with '/', holds only bytes RFC 3986
 *   allows in a request-target (every '%' starting a valid escape), and no
 *   "." or ".." segment (also not as %2e); writing it again from
 *   "http://h" + that target gives the same bytes (it is a fixed point);
 * - request_build's first line is "GET <that target> HTTP/1.1", with an
 *   Authorization line exactly when the URL has a user;
 * - url_output_name either fails or gives a name of the returned length that
 *   is not "." or "..", holds no '/', '\\', NUL or control character, and is
 *   at most 255 bytes: a name can never leave the destination directory.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/request.h"
#include "ringfetch/url.h"

#define CHECK(cond)              \
    do {                         \
        if (!(cond))             \
            __builtin_trap();    \
    } while (0)

static void check_name(const char *name, int n)
{
    CHECK((size_t)n == strlen(name));
    CHECK(n >= 1 && n <= 255);
    CHECK(strcmp(name, ".") != 0 && strcmp(name, "..") != 0);
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        CHECK(c != '/' && c != '\\' && c >= 0x20 && c != 0x7f);
    }
}

static bool target_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("-._~!$&'()*+,;=:@/?%", c));
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A written target: allowed bytes only, valid escapes, no dot segment. */
static void check_target(const char *t, int n)
{
    CHECK(n >= 1 && t[0] == '/');
    int path_end = n;
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        CHECK(target_char_ok(c));
        if (c == '%')
            CHECK(i + 2 < n && is_hex((unsigned char)t[i + 1]) && is_hex((unsigned char)t[i + 2]));
        if (c == '?' && path_end == n)
            path_end = i;
    }
    for (int i = 0; i < path_end;) {
        /* A segment is a dot segment only when every unit in it is a dot
         * ('.' or %2e); one other byte makes it a name however many dots follow. */
        int j = i + 1, dots = 0;
        bool other = false;
        while (j < path_end && t[j] != '/') {
            if (t[j] == '.') {
                j++;
            } else if (j + 2 < path_end && t[j] == '%' && t[j + 1] == '2' &&
                       (t[j + 2] == 'e' || t[j + 2] == 'E')) {
                j += 3;
            } else {
                other = true;
                j++;
                continue;
            }
            dots++;
        }
        CHECK(other || !(dots == 1 || dots == 2));
        i = j;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct url u, back;
    char buf[1024], host[600], name[300], again[8192];

    CHECK(s);
    memcpy(s, data, size);
    s[size] = '\0';
    int rc = url_parse(s, &u);
    if (rc < 0) {
        free(s);
        return 0;
    }
    size_t slen = strlen(s);
    size_t hlen = strlen(u.host);
    CHECK(hlen > 0 && hlen < URL_HOST_MAX);
    for (size_t i = 0; i < hlen; i++)
        CHECK(!(u.host[i] >= 'A' && u.host[i] <= 'Z'));
    CHECK(u.port != 0);
    CHECK(u.target_len >= 1);
    CHECK((u.target >= s && u.target + u.target_len <= s + slen) || strcmp(u.target, "/") == 0);
    CHECK(u.path == u.target && u.path_len <= u.target_len);
    /* "http://h?q" has the target "?q"; request_build puts the '/' in front. */
    CHECK(u.target[0] == '/' || u.target[0] == '?');
    for (size_t i = 0; i < u.target_len; i++)
        CHECK((unsigned char)u.target[i] >= 0x20 && u.target[i] != 0x7f && u.target[i] != '#');

    CHECK(url_origin_key(&u, buf, sizeof buf) > 0);
    int hl = url_host_header(&u, host, sizeof host);
    CHECK(hl > 0);
    /* The Host header leaves out the scheme's default port: rebuild with the same scheme. */
    int al = snprintf(again, sizeof again, "%s://%s%.*s", u.tls ? "https" : "http", host,
                      (int)u.target_len, u.target);
    if (al > 0 && (size_t)al < sizeof again) {
        CHECK(url_parse(again, &back) == 0);
        CHECK(strcmp(back.host, u.host) == 0 && back.port == u.port && back.tls == u.tls);
        CHECK(back.target_len == u.target_len && memcmp(back.target, u.target, u.target_len) == 0);
    }

    /* Every byte of the target may take 3, plus the '/' before a query. */
    size_t tcap = 3 * u.target_len + 2;
    char *tgt = malloc(tcap), *again2 = malloc(tcap + 16), *tgt2 = malloc(tcap + 16);
    CHECK(tgt && again2 && tgt2);
    int tl = url_write_target(&u, tgt, tcap);
    CHECK(tl > 0);
    check_target(tgt, tl);
    snprintf(again2, tcap + 16, "http://h%.*s", tl, tgt);
    CHECK(url_parse(again2, &back) == URL_OK);
    int tl2 = url_write_target(&back, tgt2, tcap + 16);
    CHECK(tl2 == tl && memcmp(tgt, tgt2, (size_t)tl) == 0);

    if (u.user) {
        CHECK(u.user >= s && u.user + u.user_len <= s + slen);
        size_t at, len;
        CHECK(url_password_span(s, &at, &len) == (u.password != NULL));
        if (u.password)
            CHECK(s + at == u.password && len == u.password_len);
    }

    size_t rcap = (size_t)tl + 2 * slen + 4096;
    char *req = malloc(rcap);
    CHECK(req);
    int rl = request_build(req, rcap, &u, &(struct request_extra){ .user_agent = "fuzz/1" });
    if (rl > 0) {
        CHECK(memcmp(req, "GET ", 4) == 0);
        CHECK((size_t)rl > 4 + (size_t)tl && memcmp(req + 4, tgt, (size_t)tl) == 0);
        CHECK(memcmp(req + 4 + tl, " HTTP/1.1\r\n", 11) == 0);
        CHECK((memmem(req, (size_t)rl, "\r\nAuthorization: Basic ", 23) != NULL) == (u.user != NULL));
    } else {
        CHECK(rl == -ENOSPC && slen >= 4096); /* credentials longer than any URL the engine takes */
    }
    free(req);
    free(tgt);
    free(again2);
    free(tgt2);

    int n = url_output_name(&u, name, sizeof name, NULL);
    if (n >= 0)
        check_name(name, n);
    free(s);
    return 0;
}
