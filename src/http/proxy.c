/* Proxy URLs and no_proxy lists (see proxy.h). */
#include "http/proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ringfetch/engine.h"
#include "util/base64.h"

/* ---- proxy URLs ------------------------------------------------------------ */

static bool proxy_is_scheme(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* Where the scheme's "://" is, or NULL when s has no scheme (a "://" after
 * something that cannot be a scheme, as in a password, does not count). */
static const char *proxy_scheme_end(const char *s)
{
    const char *sep = strstr(s, "://");
    return sep && proxy_is_scheme(s, (size_t)(sep - s)) ? sep : NULL;
}

/* Was a port written after the host of the authority [auth, end)? */
static bool proxy_port_written(const char *auth, const char *end)
{
    const char *host = auth;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            host = p + 1;
    if (host < end && *host == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));
        return close && close + 1 < end && close[1] == ':';
    }
    return memchr(host, ':', (size_t)(end - host)) != NULL;
}

/* base64("user:password"), both percent-decoded (RFC 7617), into p->auth.
 * The decoded credentials sit on the stack only while they are encoded. */
static int proxy_encode_auth(const struct url *u, struct proxy *p)
{
    char cred[RF_URL_MAX_BYTES + 2];
    size_t pass_len = u->password ? u->password_len : 0;
    if (u->user_len + 1 + pass_len > sizeof cred)
        return PROXY_E_AUTH_LONG;
    size_t n = url_decode(u->user, u->user_len, cred);
    cred[n++] = ':';
    if (u->password)
        n += url_decode(u->password, u->password_len, cred + n);
    int ret = PROXY_OK;
    if (BASE64_ENCODED_BYTES(n) + 1 > sizeof p->auth)
        ret = PROXY_E_AUTH_LONG;
    else
        p->auth[base64_encode(cred, n, p->auth)] = '\0';
    explicit_bzero(cred, n);
    return ret;
}

int proxy_parse(const char *s, struct proxy *p)
{
    char buf[RF_URL_MAX_BYTES + 8];
    struct url u;

    memset(p, 0, sizeof *p);
    if (!s || s[strspn(s, " \t")] == '\0')
        return PROXY_E_EMPTY;
    if (strlen(s) >= RF_URL_MAX_BYTES)
        return PROXY_E_LONG;
    const char *sep = proxy_scheme_end(s);
    if (sep) {
        size_t n = (size_t)(sep - s);
        if (n == 5 && strncasecmp(s, "https", 5) == 0)
            return PROXY_E_TLS;
        if (n != 4 || strncasecmp(s, "http", 4) != 0)
            return PROXY_E_SCHEME;
        snprintf(buf, sizeof buf, "%s", s);
    } else {
        snprintf(buf, sizeof buf, "http://%s", s); /* curl's reading: no scheme is http */
    }
    int ret = url_parse(buf, &u);
    if (ret != URL_OK)
        return ret;
    const char *auth = buf + strlen("http://"), *auth_end = auth + strcspn(auth, "/?#");
    /* Nothing but "/" after the authority: a proxy URL names a server, and
     * a path there is more likely a mistake than something to ignore. */
    if (strchr(buf, '#') || u.target_len != 1 || u.target[0] != '/')
        return PROXY_E_PATH;
    memcpy(p->host, u.host, sizeof p->host);
    p->ipv6_literal = u.ipv6_literal;
    p->port = proxy_port_written(auth, auth_end) ? u.port : RF_PROXY_DEFAULT_PORT;
    snprintf(p->name, sizeof p->name, "http://%s%s%s:%u", p->ipv6_literal ? "[" : "", p->host,
             p->ipv6_literal ? "]" : "", (unsigned)p->port);
    if (u.user && (ret = proxy_encode_auth(&u, p)) != PROXY_OK) {
        explicit_bzero(buf, sizeof buf);
        memset(p, 0, sizeof *p);
        return ret;
    }
    explicit_bzero(buf, sizeof buf); /* it held the password too */
    return PROXY_OK;
}

const char *proxy_strerror(int code)
{
    switch (code) {
    case PROXY_OK: return "ok";
    case PROXY_E_EMPTY: return "empty";
    case PROXY_E_TLS: return "https:// proxies (TLS to the proxy) are not supported: use http://";
    case PROXY_E_SCHEME: return "only http:// proxies are supported";
    case PROXY_E_PATH: return "a proxy URL has no path, query or fragment";
    case PROXY_E_AUTH_LONG: return "user name and password too long";
    case PROXY_E_LONG: return "too long";
    case PROXY_E_NO_PROXY: return "not a host name, an IP address or an address block";
    case URL_E_CONTROL: return "a control character";
    case URL_E_NO_SLASHES: return "no '//' after the scheme";
    case URL_E_AUTHORITY_SPACE: return "a space in the host, port or user name";
    case URL_E_EMPTY_HOST: return "no host";
    case URL_E_HOST_TOO_LONG: return "host name too long";
    case URL_E_HOST_CHAR: return "a character host names do not have";
    case URL_E_IPV6_UNCLOSED: return "'[' without a closing ']'";
    case URL_E_IPV6: return "not an IPv6 address between '[' and ']'";
    case URL_E_AFTER_IPV6: return "something other than ':PORT' after ']'";
    case URL_E_EMPTY_PORT: return "empty port after ':'";
    case URL_E_PORT_NOT_NUMBER: return "the port is not a number";
    case URL_E_PORT_RANGE: return "port out of range (1 to 65535)";
    case URL_E_AT_TWICE: return "two '@' before the host (write '@' in a password as %40)";
    case URL_E_EMPTY_USERINFO: return "empty user name before '@'";
    case URL_E_USER_COLON: return "a ':' in the user name";
    case URL_E_USERINFO_CONTROL: return "a control character in the user name or password";
    default: return "not a usable proxy";
    }
}

char *proxy_show(const char *s, char *out, size_t size)
{
    size_t n = 0, i = 0, hide_from = SIZE_MAX, hide_to = 0;
    if (size == 0)
        return out;
    const char *sep = proxy_scheme_end(s);
    const char *auth = sep ? sep + 3 : s, *end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p; /* the last one: with two, everything up to it is hidden */
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) {
        hide_from = (size_t)(colon + 1 - s);
        hide_to = (size_t)(at - s);
    }
    while (s[i] && n + 1 < size) {
        if (i == hide_from) {
            for (const char *m = "***"; *m && n + 1 < size; m++)
                out[n++] = *m;
            i = hide_to;
            hide_from = SIZE_MAX; /* once: an empty password ends where it starts */
            continue;
        }
        unsigned char c = (unsigned char)s[i++];
        out[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    out[n] = '\0';
    return out;
}

/* ---- no_proxy -------------------------------------------------------------------- */

struct np_entry {
    bool all;                 /* "*" */
    int family;               /* AF_INET, AF_INET6, or 0 for a name */
    unsigned char addr[16];
    unsigned bits;            /* of addr that must match */
    const char *name;         /* a name: its bytes in the list, without dots around */
    size_t name_len;
};

static bool np_is_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

/* ":PORT" or nothing: a port is allowed and ignored. */
static bool np_port_ok(const char *p, const char *end)
{
    if (p == end)
        return true;
    if (*p != ':' || end - p < 2 || end - p > 6)
        return false;
    unsigned long v = 0;
    for (p++; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    return v >= 1 && v <= 65535;
}

/* An address, with "/BITS" or without, into e. */
static bool np_parse_addr(const char *s, size_t n, struct np_entry *e)
{
    char a[INET6_ADDRSTRLEN + 8];
    if (n == 0 || n >= sizeof a)
        return false;
    memcpy(a, s, n);
    a[n] = '\0';
    char *slash = strchr(a, '/');
    long bits = -1;
    if (slash) {
        char *end;
        *slash = '\0';
        if (!slash[1] || slash[1] < '0' || slash[1] > '9')
            return false;
        bits = strtol(slash + 1, &end, 10);
        if (*end)
            return false;
    }
    if (inet_pton(AF_INET, a, e->addr) == 1)
        e->family = AF_INET;
    else if (inet_pton(AF_INET6, a, e->addr) == 1)
        e->family = AF_INET6;
    else
        return false;
    long max = e->family == AF_INET ? 32 : 128;
    if (bits > max)
        return false;
    e->bits = (unsigned)(bits < 0 ? max : bits);
    return true;
}

/* One entry (blanks already trimmed, not empty). */
static bool np_parse(const char *b, size_t n, struct np_entry *e)
{
    const char *end = b + n, *host = b, *host_end, *rest;
    memset(e, 0, sizeof *e);
    if (n == 1 && *b == '*') {
        e->all = true;
        return true;
    }
    if (*b == '[') {
        host = b + 1;
        host_end = memchr(host, ']', (size_t)(end - host));
        if (!host_end)
            return false;
        rest = host_end + 1;
        return np_port_ok(rest, end) && np_parse_addr(host, (size_t)(host_end - host), e) &&
               e->family == AF_INET6;
    }
    size_t colons = 0;
    for (const char *p = b; p < end; p++)
        colons += *p == ':';
    if (colons >= 2) /* a bare IPv6 address (curl's spelling), so no port */
        return np_parse_addr(b, n, e) && e->family == AF_INET6;
    host_end = colons ? memchr(b, ':', n) : end;
    if (!np_port_ok(host_end, end))
        return false;
    size_t hn = (size_t)(host_end - host);
    if (np_parse_addr(host, hn, e))
        return e->family == AF_INET;
    /* A name: "*.x", ".x" and "x" all mean x and the names under it. */
    if (hn >= 2 && host[0] == '*' && host[1] == '.') {
        host++;
        hn--;
    }
    while (hn > 0 && *host == '.') {
        host++;
        hn--;
    }
    while (hn > 0 && host[hn - 1] == '.')
        hn--;
    if (hn == 0 || hn >= URL_HOST_MAX)
        return false;
    for (size_t i = 0; i < hn; i++)
        if (!np_is_name_char((unsigned char)host[i]))
            return false;
    e->name = host;
    e->name_len = hn;
    return true;
}

/* Call fn for each entry of list: [b, b+n) trimmed, not empty. Stops at
 * the first fn that returns true (and returns true). */
static bool np_each(const char *list, bool (*fn)(void *ctx, const char *b, size_t n), void *ctx)
{
    const char *p = list;
    while (p && *p) {
        size_t n = strcspn(p, ",");
        const char *b = p, *e = p + n;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > b && fn(ctx, b, (size_t)(e - b)))
            return true;
        p += n;
        if (*p == ',')
            p++;
    }
    return false;
}

struct np_bad {
    const char *list;
    size_t at, len;
    bool found;
};

static bool np_find_bad(void *ctx, const char *b, size_t n)
{
    struct np_bad *bad = ctx;
    struct np_entry e;
    if (np_parse(b, n, &e))
        return false;
    bad->at = (size_t)(b - bad->list);
    bad->len = n;
    bad->found = true;
    return true;
}

int no_proxy_check(const char *list, size_t *bad_at, size_t *bad_len)
{
    struct np_bad bad = { .list = list };
    if (!np_each(list, np_find_bad, &bad))
        return PROXY_OK;
    if (bad_at)
        *bad_at = bad.at;
    if (bad_len)
        *bad_len = bad.len;
    return PROXY_E_NO_PROXY;
}

struct np_host {
    const char *host;
    size_t len;
    int family;               /* of host when it is an address, else 0 */
    unsigned char addr[16];
};

static bool np_bits_match(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

static bool np_matches(void *ctx, const char *b, size_t n)
{
    const struct np_host *h = ctx;
    struct np_entry e;
    if (!np_parse(b, n, &e))
        return false;
    if (e.all)
        return true;
    if (e.family)
        return h->family == e.family && np_bits_match(h->addr, e.addr, e.bits);
    if (h->family)
        return false; /* names are never looked up: an address matches addresses only */
    if (h->len == e.name_len)
        return strncasecmp(h->host, e.name, e.name_len) == 0;
    /* A name under the entry: "www.example.com" for "example.com". */
    return h->len > e.name_len && h->host[h->len - e.name_len - 1] == '.' &&
           strncasecmp(h->host + h->len - e.name_len, e.name, e.name_len) == 0;
}

bool no_proxy_match(const char *list, const char *host)
{
    struct np_host h = { .host = host, .len = strlen(host) };
    if (!list)
        return false;
    while (h.len > 0 && host[h.len - 1] == '.')
        h.len--;
    if (inet_pton(AF_INET, host, h.addr) == 1)
        h.family = AF_INET;
    else if (inet_pton(AF_INET6, host, h.addr) == 1)
        h.family = AF_INET6;
    return np_each(list, np_matches, &h);
}

/* ---- a run's proxies ------------------------------------------------------------------ */

int proxy_conf_init(struct proxy_conf *c, const char *http, const char *https, const char *no_proxy,
                    int *which)
{
    int ret;
    memset(c, 0, sizeof *c);
    *which = 0;
    if (http && *http) {
        if ((ret = proxy_parse(http, &c->http)) != PROXY_OK)
            return ret;
        c->has_http = true;
    }
    *which = 1;
    if (https && *https) {
        if ((ret = proxy_parse(https, &c->https)) != PROXY_OK)
            return ret;
        c->has_https = true;
    }
    *which = 2;
    if (no_proxy && (ret = no_proxy_check(no_proxy, NULL, NULL)) != PROXY_OK)
        return ret;
    c->no_proxy = no_proxy;
    return PROXY_OK;
}

const struct proxy *proxy_for(const struct proxy_conf *c, const struct url *u)
{
    const struct proxy *p = NULL;
    if (u->tls && c->has_https)
        p = &c->https;
    else if (!u->tls && c->has_http)
        p = &c->http;
    if (p && no_proxy_match(c->no_proxy, u->host))
        return NULL;
    return p;
}

/* ---- for front ends (ringfetch/engine.h) ----------------------------------------------- */

int rf_proxy_check(const char *value, char *why, size_t size)
{
    struct proxy p;
    int ret = proxy_parse(value, &p);
    explicit_bzero(p.auth, sizeof p.auth);
    if (ret == PROXY_OK)
        return 0;
    char shown[RF_URL_MAX_BYTES + 8];
    snprintf(why, size, "'%s': %s", proxy_show(value ? value : "", shown, sizeof shown), proxy_strerror(ret));
    return -EINVAL;
}

int rf_no_proxy_check(const char *list, char *why, size_t size)
{
    size_t at = 0, len = 0;
    if (no_proxy_check(list, &at, &len) == PROXY_OK)
        return 0;
    char entry[URL_HOST_MAX + 8];
    size_t n = len < sizeof entry - 1 ? len : sizeof entry - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)list[at + i];
        entry[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    entry[n] = '\0';
    snprintf(why, size, "'%s': %s", entry, proxy_strerror(PROXY_E_NO_PROXY));
    return -EINVAL;
}
