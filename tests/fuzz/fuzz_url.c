/* libFuzzer target: URL parsing and output names (src/http/url.c).
 *
 * The input (cut at its first NUL) is parsed as a URL. When it parses:
 * - host is non-empty, lower-case, shorter than URL_HOST_MAX; port is not 0;
 * - target/path lie inside the input (or are the static "/"), the path is a
 *   prefix of the target, the target starts with '/' or '?' and holds no
 *   space, control character or '#';
 * - the origin key and the Host header fit in a generous buffer, and
 *   "http://" + Host header + target parses back to the same host and port;
 * - request_build's first line is "GET <target> HTTP/1.1" ('/' added before
 *   a target that starts with '?');
 * - url_output_name either fails or gives a name of the returned length that
 *   is not "." or "..", holds no '/', '\\', NUL or control character, and is
 *   at most 255 bytes: a name can never leave the destination directory.
 */
#include <errno.h>
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
        CHECK((unsigned char)u.target[i] > 0x20 && u.target[i] != 0x7f && u.target[i] != '#');

    CHECK(url_origin_key(&u, buf, sizeof buf) > 0);
    int hl = url_host_header(&u, host, sizeof host);
    CHECK(hl > 0);
    int al = snprintf(again, sizeof again, "http://%s%.*s", host, (int)u.target_len, u.target);
    if (al > 0 && (size_t)al < sizeof again) {
        CHECK(url_parse(again, &back) == 0);
        CHECK(strcmp(back.host, u.host) == 0 && back.port == u.port);
        CHECK(back.target_len == u.target_len && memcmp(back.target, u.target, u.target_len) == 0);
    }

    char req[8192];
    int rl = request_build(req, sizeof req, &u, "fuzz/1");
    if (rl > 0) {
        size_t at = u.target[0] == '?' ? 5 : 4;
        CHECK(memcmp(req, at == 5 ? "GET /" : "GET ", at) == 0);
        CHECK((size_t)rl > at + u.target_len && memcmp(req + at, u.target, u.target_len) == 0);
        CHECK(memcmp(req + at + u.target_len, " HTTP/1.1\r\n", 11) == 0);
    } else {
        CHECK(rl == -ENOSPC && u.target_len > 4096); /* only a URL longer than the engine allows */
    }

    int n = url_output_name(&u, name, sizeof name);
    if (n >= 0)
        check_name(name, n);
    free(s);
    return 0;
}
