/* URL parsing for http:// URLs (see url.h for the contract).
 *
 * Deliberately narrow: we fetch from http:// origins only, so anything we
 * cannot represent exactly (userinfo, empty port, a query with no path) is
 * rejected rather than guessed at. Every failure is -EINVAL except a
 * well-formed URL of another scheme, which is -EPROTONOSUPPORT so the front
 * end can say "https is not supported" instead of "bad URL".
 */
#include "ringfetch/url.h"
#include "util/hexdigit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char url_slash[] = "/";

static bool url_is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool url_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static char url_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Registered-name characters we accept in a host: letters, digits and the
 * punctuation real host names use. Percent-encoded or non-ASCII host names
 * would need IDNA, which a flag downloader does not need. */
static bool url_is_host_char(unsigned char c)
{
    return url_is_alpha(c) || url_is_digit(c) || c == '-' || c == '.' || c == '_';
}

/* Port: one or more digits, value 1..65535. Leading zeros are harmless. */
static int url_parse_port(const char *p, size_t len, uint16_t *port)
{
    unsigned long v = 0;

    if (len == 0)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (!url_is_digit((unsigned char)p[i]))
            return -EINVAL;
        v = v * 10 + (unsigned long)(p[i] - '0');
        if (v > 65535)
            return -EINVAL;
    }
    if (v == 0)
        return -EINVAL;
    *port = (uint16_t)v;
    return 0;
}

/* Split the authority [s, end) into host and port. */
static int url_parse_authority(const char *s, const char *end, struct url *u)
{
    const char *host, *host_end, *port = NULL;

    if (memchr(s, '@', (size_t)(end - s)))
        return -EINVAL; /* userinfo: never sent, and a classic phishing trick */

    if (*s == '[') {
        host = s + 1;
        host_end = memchr(host, ']', (size_t)(end - host));
        if (!host_end)
            return -EINVAL;
        if (host_end + 1 < end) {
            if (host_end[1] != ':')
                return -EINVAL;
            port = host_end + 2;
        }
        u->ipv6_literal = true;
    } else {
        host = s;
        host_end = memchr(s, ':', (size_t)(end - s));
        if (host_end)
            port = host_end + 1;
        else
            host_end = end;
        u->ipv6_literal = false;
    }

    size_t hlen = (size_t)(host_end - host);
    if (hlen == 0 || hlen >= URL_HOST_MAX)
        return -EINVAL;
    for (size_t i = 0; i < hlen; i++)
        u->host[i] = url_lower(host[i]);
    u->host[hlen] = '\0';

    if (u->ipv6_literal) {
        /* inet_pton also rejects zone ids ("%25eth0"), which we cannot put
         * in a Host header portably anyway. */
        unsigned char addr[16];
        if (inet_pton(AF_INET6, u->host, addr) != 1)
            return -EINVAL;
    } else {
        for (size_t i = 0; i < hlen; i++)
            if (!url_is_host_char((unsigned char)u->host[i]))
                return -EINVAL;
    }

    u->port = 80;
    if (port)
        return url_parse_port(port, (size_t)(end - port), &u->port);
    return 0;
}

int url_parse(const char *s, struct url *u)
{
    const char *p, *auth, *auth_end, *frag;

    if (!s || !u)
        return -EINVAL;
    memset(u, 0, sizeof(*u));

    /* Spaces and control characters are never valid in a URL; rejecting them
     * up front also keeps them out of the request line (no header injection). */
    for (p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f)
            return -EINVAL;
    }

    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    p = s;
    if (!url_is_alpha((unsigned char)*p))
        return -EINVAL;
    while (url_is_alpha((unsigned char)*p) || url_is_digit((unsigned char)*p) ||
           *p == '+' || *p == '-' || *p == '.')
        p++;
    if (*p != ':')
        return -EINVAL;
    if ((size_t)(p - s) != 4 || strncasecmp(s, "http", 4) != 0)
        return -EPROTONOSUPPORT;
    if (p[1] != '/' || p[2] != '/')
        return -EINVAL;

    auth = p + 3;
    auth_end = auth + strcspn(auth, "/?#");
    int err = url_parse_authority(auth, auth_end, u);
    if (err)
        return err;

    frag = strchr(auth_end, '#');
    if (!frag)
        frag = auth_end + strlen(auth_end);

    if (auth_end == frag) {
        u->target = url_slash;
        u->target_len = 1;
    } else {
        u->target = auth_end;
        u->target_len = (size_t)(frag - auth_end);
    }
    const char *q = memchr(u->target, '?', u->target_len);
    u->path = u->target;
    u->path_len = q ? (size_t)(q - u->target) : u->target_len;
    return 0;
}

static int url_fit(int n, size_t size)
{
    if (n < 0 || (size_t)n >= size)
        return -ENOSPC;
    return n;
}

int url_origin_key(const struct url *u, char *buf, size_t size)
{
    int n;

    if (u->ipv6_literal)
        n = snprintf(buf, size, "[%s]:%u", u->host, (unsigned)u->port);
    else
        n = snprintf(buf, size, "%s:%u", u->host, (unsigned)u->port);
    return url_fit(n, size);
}

int url_host_header(const struct url *u, char *buf, size_t size)
{
    const char *open = u->ipv6_literal ? "[" : "";
    const char *close = u->ipv6_literal ? "]" : "";
    int n;

    if (u->port == 80)
        n = snprintf(buf, size, "%s%s%s", open, u->host, close);
    else
        n = snprintf(buf, size, "%s%s%s:%u", open, u->host, close, (unsigned)u->port);
    return url_fit(n, size);
}


#define URL_NAME_MAX 255 /* NAME_MAX on Linux file systems */

int url_output_name(const struct url *u, char *out, size_t size)
{
    const char *seg = u->path, *end = u->path + u->path_len;
    char name[URL_NAME_MAX + 1];
    size_t n = 0;

    for (const char *p = u->path; p < end; p++)
        if (*p == '/')
            seg = p + 1;

    if (seg == end) {
        static const char index_name[] = "index.html";
        if (size < sizeof(index_name))
            return -ENOSPC;
        memcpy(out, index_name, sizeof(index_name));
        return (int)sizeof(index_name) - 1;
    }

    /* Decode first, then judge the decoded bytes: "%2e%2e" and "%2F" must be
     * caught exactly like ".." and "/". A '%' not followed by two hex digits
     * is kept as it is (harmless in a file name). */
    for (const char *p = seg; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%' && end - p >= 3 && hexdigit((unsigned char)p[1]) >= 0 &&
            hexdigit((unsigned char)p[2]) >= 0) {
            c = (unsigned char)(hexdigit((unsigned char)p[1]) * 16 + hexdigit((unsigned char)p[2]));
            p += 2;
        }
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return -EINVAL; /* includes NUL */
        if (n == URL_NAME_MAX)
            return -EINVAL;
        name[n++] = (char)c;
    }
    if ((n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.'))
        return -EINVAL;
    if (n + 1 > size)
        return -ENOSPC;
    memcpy(out, name, n);
    out[n] = '\0';
    return (int)n;
}
