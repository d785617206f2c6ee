/* URL parsing for http:// and https:// URLs (see ringfetch/url.h for the
 * contract).
 *
 * Deliberately narrow: we fetch from http(s):// origins only, so anything we
 * cannot represent exactly (an empty port, a space or a second '@' in the
 * authority, a host that would need IDNA) is refused rather than guessed
 * at, each with its own code so the front end can say which. The path and
 * query are taken as written and made fit for the wire by url_write_target.
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

static bool url_is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
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

/* The byte a "%XX" at p (end excluded) stands for, or -1 when p does not
 * start a valid escape. */
static int url_escape_at(const char *p, const char *end)
{
    if (end - p < 3 || p[0] != '%')
        return -1;
    int hi = hexdigit((unsigned char)p[1]), lo = hexdigit((unsigned char)p[2]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

size_t url_decode(const char *s, size_t len, char *out)
{
    const char *end = s + len;
    size_t n = 0;

    for (const char *p = s; p < end; p++) {
        int c = url_escape_at(p, end);
        if (c >= 0)
            p += 2;
        else
            c = (unsigned char)*p;
        out[n++] = (char)c;
    }
    return n;
}

/* Port: one or more digits, value 1..65535. Leading zeros are harmless. */
static int url_parse_port(const char *p, size_t len, uint16_t *port)
{
    unsigned long v = 0;

    if (len == 0)
        return URL_E_EMPTY_PORT;
    for (size_t i = 0; i < len; i++)
        if (!url_is_digit((unsigned char)p[i]))
            return URL_E_PORT_NOT_NUMBER;
    for (size_t i = 0; i < len; i++) {
        v = v * 10 + (unsigned long)(p[i] - '0');
        if (v > 65535)
            return URL_E_PORT_RANGE;
    }
    if (v == 0)
        return URL_E_PORT_RANGE;
    *port = (uint16_t)v;
    return URL_OK;
}

/* A user name or password, once decoded, goes into a Basic credential:
 * RFC 7617 forbids control characters in both and ':' in the user name
 * (the first ':' is where the password starts). */
static int url_check_credential(const char *s, size_t len, bool is_user)
{
    const char *end = s + len;

    for (const char *p = s; p < end; p++) {
        int c = url_escape_at(p, end);
        if (c >= 0)
            p += 2;
        else
            c = (unsigned char)*p;
        if (url_is_control((unsigned char)c))
            return URL_E_USERINFO_CONTROL;
        if (is_user && c == ':')
            return URL_E_USER_COLON;
    }
    return URL_OK;
}

/* "user[:password]" in [s, end). */
static int url_parse_userinfo(const char *s, const char *end, struct url *u)
{
    const char *colon = memchr(s, ':', (size_t)(end - s));
    int err;

    if (s == end)
        return URL_E_EMPTY_USERINFO;
    u->user = s;
    u->user_len = (size_t)((colon ? colon : end) - s);
    if (colon) {
        u->password = colon + 1;
        u->password_len = (size_t)(end - colon - 1);
    }
    err = url_check_credential(u->user, u->user_len, true);
    if (err == URL_OK && u->password)
        err = url_check_credential(u->password, u->password_len, false);
    return err;
}

/* Split the authority [s, end) into userinfo, host and port. */
static int url_parse_authority(const char *s, const char *end, struct url *u)
{
    const char *host, *host_end, *port = NULL, *at;
    int err;

    /* A space cannot be percent-encoded in a host or port, and one in a
     * user name would be a typo more often than a credential: say so. */
    if (memchr(s, ' ', (size_t)(end - s)))
        return URL_E_AUTHORITY_SPACE;
    at = memchr(s, '@', (size_t)(end - s));
    if (at) {
        if (memchr(at + 1, '@', (size_t)(end - at - 1)))
            return URL_E_AT_TWICE;
        err = url_parse_userinfo(s, at, u);
        if (err)
            return err;
        s = at + 1;
    }

    if (s < end && *s == '[') {
        host = s + 1;
        host_end = memchr(host, ']', (size_t)(end - host));
        if (!host_end)
            return URL_E_IPV6_UNCLOSED;
        if (host_end + 1 < end) {
            if (host_end[1] != ':')
                return URL_E_AFTER_IPV6;
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
    if (hlen == 0)
        return u->ipv6_literal ? URL_E_IPV6 : URL_E_EMPTY_HOST;
    if (hlen >= URL_HOST_MAX)
        return URL_E_HOST_TOO_LONG;
    for (size_t i = 0; i < hlen; i++)
        u->host[i] = url_lower(host[i]);
    u->host[hlen] = '\0';

    if (u->ipv6_literal) {
        /* inet_pton also rejects zone ids ("%25eth0"), which we cannot put
         * in a Host header portably anyway. */
        unsigned char addr[16];
        if (inet_pton(AF_INET6, u->host, addr) != 1)
            return URL_E_IPV6;
    } else {
        for (size_t i = 0; i < hlen; i++)
            if (!url_is_host_char((unsigned char)u->host[i]))
                return URL_E_HOST_CHAR;
    }

    u->port = u->tls ? 443 : 80;
    if (port)
        return url_parse_port(port, (size_t)(end - port), &u->port);
    return URL_OK;
}

int url_parse(const char *s, struct url *u)
{
    const char *p, *auth, *auth_end, *frag;

    if (!s || !u)
        return URL_E_NOT_URL;
    memset(u, 0, sizeof(*u));

    /* Control characters are never valid in a URL; refusing them up front
     * also keeps CR and LF away from the request (no header injection).
     * Spaces are judged where they stand: an error in the authority,
     * percent-encoded in the path and query. */
    for (p = s; *p; p++)
        if (url_is_control((unsigned char)*p))
            return URL_E_CONTROL;

    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    p = s;
    if (!url_is_alpha((unsigned char)*p))
        return URL_E_NOT_URL;
    while (url_is_alpha((unsigned char)*p) || url_is_digit((unsigned char)*p) ||
           *p == '+' || *p == '-' || *p == '.')
        p++;
    if (*p != ':')
        return URL_E_NOT_URL;
    if ((size_t)(p - s) == 5 && strncasecmp(s, "https", 5) == 0)
        u->tls = true;
    else if ((size_t)(p - s) != 4 || strncasecmp(s, "http", 4) != 0)
        return URL_E_SCHEME;
    if (p[1] != '/' || p[2] != '/')
        return URL_E_NO_SLASHES;

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
    return URL_OK;
}

bool url_password_span(const char *s, size_t *start, size_t *len)
{
    const char *auth = strstr(s, "://");
    if (!auth)
        return false;
    auth += 3;
    const char *end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p; /* the last one: with two, hide everything up to it */
    if (!at)
        return false;
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (!colon)
        return false;
    *start = (size_t)(colon + 1 - s);
    *len = (size_t)(at - colon - 1);
    return true;
}

/* ---- the request-target ------------------------------------------------ */

struct url_out {
    char *buf;
    size_t size, len;
    bool overflow;
};

static void url_put(struct url_out *o, const char *s, size_t n)
{
    if (o->overflow || n > o->size - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

/* Bytes RFC 3986 allows as they are in a path segment or a query (pchar,
 * '/' and '?'), '%' aside. */
static bool url_is_target_char(unsigned char c)
{
    return url_is_alpha(c) || url_is_digit(c) || (c != 0 && strchr("-._~!$&'()*+,;=:@/?", c));
}

/* [s, end) as it must go on the wire: valid escapes kept, bytes a
 * request-target may not hold percent-encoded. */
static void url_put_encoded(struct url_out *o, const char *s, const char *end)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const char *p = s; p < end && !o->overflow; p++) {
        unsigned char c = (unsigned char)*p;
        if (url_escape_at(p, end) >= 0) {
            url_put(o, p, 3);
            p += 2;
        } else if (url_is_target_char(c)) {
            url_put(o, p, 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            url_put(o, esc, 3);
        }
    }
}

/* 1 for a "." segment, 2 for "..", 0 otherwise; "%2e" counts as '.'
 * (a server that decodes first would see the dots anyway). */
static int url_dot_segment(const char *s, const char *end)
{
    int dots = 0;

    while (s < end) {
        if (*s == '.') {
            s++;
        } else if (url_escape_at(s, end) == '.') {
            s += 3;
        } else {
            return 0;
        }
        if (++dots > 2)
            return 0;
    }
    return dots;
}

int url_write_target(const struct url *u, char *buf, size_t size)
{
    struct url_out o = {.buf = buf, .size = size};
    const char *p = u->path, *end = u->path + u->path_len;

    /* RFC 3986 5.2.4 on an absolute path, one segment at a time: "."
     * vanishes, ".." takes the segment before it away, and either leaves
     * the path ending in '/' when it is the last one. The output is its
     * own stack: a ".." cuts it back to its last '/'. */
    while (p < end && !o.overflow) {
        const char *seg = p + 1, *seg_end = memchr(seg, '/', (size_t)(end - seg));
        if (!seg_end)
            seg_end = end;
        bool last = seg_end == end;
        int dots = url_dot_segment(seg, seg_end);
        if (dots == 2)
            while (o.len > 0 && buf[--o.len] != '/')
                ;
        if (dots == 0) {
            url_put(&o, "/", 1);
            url_put_encoded(&o, seg, seg_end);
        } else if (last) {
            url_put(&o, "/", 1);
        }
        p = seg_end;
    }
    if (o.len == 0)
        url_put(&o, "/", 1); /* no path, or every segment removed */
    url_put_encoded(&o, end, u->target + u->target_len); /* the query, '?' included */
    return o.overflow ? -ENOSPC : (int)o.len;
}

/* scheme, the host (in brackets when an IPv6 literal) and, when with_port,
 * ":port", into buf: what snprintf would write, without parsing a format
 * (both keys are made for every job). The length, or -ENOSPC. */
static int url_join_host(const struct url *u, const char *scheme, bool with_port, char *buf, size_t size)
{
    char digits[8];
    size_t nd = 0;
    if (with_port) {
        unsigned port = u->port;
        do
            digits[nd++] = (char)('0' + port % 10);
        while ((port /= 10) != 0);
    }
    size_t sl = strlen(scheme), hl = strlen(u->host), br = u->ipv6_literal ? 1 : 0;
    size_t len = sl + br + hl + br + (with_port ? 1 + nd : 0);
    if (len >= size)
        return -ENOSPC;
    char *o = buf;
    memcpy(o, scheme, sl);
    o += sl;
    if (br)
        *o++ = '[';
    memcpy(o, u->host, hl);
    o += hl;
    if (br)
        *o++ = ']';
    if (with_port) {
        *o++ = ':';
        while (nd)
            *o++ = digits[--nd];
    }
    *o = '\0';
    return (int)len;
}

int url_origin_key(const struct url *u, char *buf, size_t size)
{
    return url_join_host(u, u->tls ? "https://" : "", true, buf, size);
}

int url_host_header(const struct url *u, char *buf, size_t size)
{
    return url_join_host(u, "", u->port != (u->tls ? 443 : 80), buf, size);
}


int url_output_name(const struct url *u, char *out, size_t size, size_t *decoded_len)
{
    const char *seg = u->path, *end = u->path + u->path_len;
    char name[URL_NAME_MAX];
    size_t n = 0;

    for (const char *p = u->path; p < end; p++)
        if (*p == '/')
            seg = p + 1;

    /* The last segment is the requested path's own unless it is a dot
     * segment: removing it leaves that path ending in '/'. */
    if (seg == end || url_dot_segment(seg, end)) {
        static const char index_name[] = "index.html";
        if (decoded_len)
            *decoded_len = sizeof(index_name) - 1;
        if (size < sizeof(index_name))
            return -ENOSPC;
        memcpy(out, index_name, sizeof(index_name));
        return (int)sizeof(index_name) - 1;
    }

    /* Decode first, then judge the decoded bytes: "%2F" must be caught
     * exactly like "/". A '%' not followed by two hex digits is kept as it
     * is (harmless in a file name). Every byte is judged, also past the
     * length limit, so that an unsafe name is never called merely long. */
    for (const char *p = seg; p < end; p++) {
        int c = url_escape_at(p, end);
        if (c >= 0)
            p += 2;
        else
            c = (unsigned char)*p;
        if (url_is_control((unsigned char)c) || c == '/' || c == '\\')
            return -EINVAL; /* includes NUL */
        if (n < URL_NAME_MAX)
            name[n] = (char)c;
        n++;
    }
    if (decoded_len)
        *decoded_len = n;
    if (n > URL_NAME_MAX)
        return -ENAMETOOLONG;
    if (n + 1 > size)
        return -ENOSPC;
    memcpy(out, name, n);
    out[n] = '\0';
    return (int)n;
}
