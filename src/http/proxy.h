/* Proxies as curl and wget users write them: a proxy URL
 * ("[http://][user:password@]host[:port][/]") and a no_proxy list, and
 * which proxy (if any) a URL goes through. Pure functions, no I/O, no
 * allocation.
 *
 * A proxy URL: scheme http:// or none (http is assumed, as curl does);
 * https:// (TLS to the proxy) and socks*:// are refused with words of their
 * own. Host, port and userinfo follow ringfetch/url.h's rules; the port
 * defaults to RF_PROXY_DEFAULT_PORT; nothing but "/" may follow the
 * authority. user:password (percent-decoded) becomes Proxy-Authorization:
 * Basic, sent to the proxy only and never shown: proxy.name, what messages
 * print, has no credentials.
 *
 * A no_proxy list: entries separated by commas (blanks around them
 * ignored, empty ones skipped), each
 *   *                 every host: no proxy at all;
 *   example.com       that host and every name under it (www.example.com),
 *   .example.com      the same (curl's reading: the dot changes nothing),
 *   *.example.com     the same again (a common spelling elsewhere);
 *   192.0.2.7, ::1    that address, written as the URL writes it (an address
 *                     is never looked up: a name never matches an address);
 *   10.0.0.0/8        addresses in that block (CIDR, IPv4 or IPv6);
 * optionally with a ":port" (IPv6 then in brackets), which is ignored: the
 * match is on the host only. Names compare without case; a trailing dot
 * is dropped on both sides.
 */
#ifndef RF_HTTP_PROXY_H
#define RF_HTTP_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http_tunables.h"
#include "ringfetch/url.h"

struct proxy {
    char host[URL_HOST_MAX];        /* lower-cased; IPv6 without brackets */
    uint16_t port;
    bool ipv6_literal;
    char name[URL_HOST_MAX + 16];   /* "http://host:port": how messages name it */
    char auth[RF_PROXY_AUTH_MAX_BYTES]; /* base64("user:password") for Proxy-Authorization,
                                       "" when the URL has no userinfo */
};

/* Why proxy_parse refused a string: one of these, or a url_status code
 * (host, port, userinfo). Outside the errno range, like enum rf_err. */
enum proxy_status {
    PROXY_OK = 0,
    PROXY_E_EMPTY = -4201,          /* nothing (or only blanks) */
    PROXY_E_TLS = -4202,            /* https:// : TLS to the proxy is not supported */
    PROXY_E_SCHEME = -4203,         /* socks5:// or another scheme */
    PROXY_E_PATH = -4204,           /* a path, query or fragment besides "/" */
    PROXY_E_AUTH_LONG = -4205,      /* credentials over RF_PROXY_AUTH_MAX_BYTES once encoded */
    PROXY_E_LONG = -4206,           /* the whole value is longer than any URL we take */
    PROXY_E_NO_PROXY = -4207,       /* (no_proxy_check) an entry that is not a host, an
                                       address or a block */
};

/* Parse a proxy URL into *p. Returns PROXY_OK, an enum proxy_status or a
 * url_status code. */
int proxy_parse(const char *s, struct proxy *p);

/* Words for proxy_parse's and no_proxy_check's codes (static text). */
const char *proxy_strerror(int code);

/* s as it may be printed: the password (what follows the first ':' of the
 * userinfo) replaced by "***", control bytes by '?'. Returns out. */
char *proxy_show(const char *s, char *out, size_t size);

/* Check a no_proxy list. Returns PROXY_OK, or PROXY_E_NO_PROXY with the
 * bad entry's place in *bad_at and *bad_len. */
int no_proxy_check(const char *list, size_t *bad_at, size_t *bad_len);

/* Does host (as struct url holds it: lower-cased, IPv6 without brackets)
 * match an entry of list? A list that does not pass no_proxy_check
 * matches through its good entries only. NULL matches nothing. */
bool no_proxy_match(const char *list, const char *host);

/* The run's proxies: one for http:// URLs, one for https:// ones (either
 * may be absent), and the hosts that go direct. */
struct proxy_conf {
    struct proxy http, https;
    bool has_http, has_https;
    const char *no_proxy;           /* NULL: none (not copied: must outlive the conf) */
};

/* Fill *c from the values (NULL or "" = none). Returns PROXY_OK, or the
 * first value's error (*which: 0 http, 1 https, 2 no_proxy). */
int proxy_conf_init(struct proxy_conf *c, const char *http, const char *https, const char *no_proxy,
                    int *which);

/* The proxy a request for u goes through, or NULL: direct. */
const struct proxy *proxy_for(const struct proxy_conf *c, const struct url *u);

#endif
