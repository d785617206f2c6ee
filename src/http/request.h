/* Request bytes for one job. */
#ifndef RF_REQUEST_H
#define RF_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ringfetch/url.h"

/* What a run adds to every request (rf_options: -A, -H, --user). */
struct request_extra {
    const char *user_agent;     /* NULL: "ringfetch/VERSION" */
    const char *const *headers; /* "Name: value" lines; a name we set ourselves (Host,
                                   User-Agent, Accept, Authorization) replaces ours, and
                                   "Name:" with nothing after it removes ours, as curl's -H */
    unsigned nheaders;
    const char *credentials;    /* "user:password" (not encoded) for Basic authorization
                                   when the URL has no userinfo of its own; NULL: none */
    bool foreign;               /* not the origin the user named (a redirect elsewhere):
                                   no credentials, and no -H Authorization or Cookie */
    bool range;                 /* ask for the bytes from range_start on (resume) */
    uint64_t range_start;
    const char *if_range;       /* with range: the validator the part was started with */
    bool absolute_form;         /* through a proxy: "GET http://host[:port]/path" (RFC 9112
                                   3.2.2; http:// only: https goes through a tunnel) */
    const char *proxy_auth;     /* with absolute_form: base64 credentials for
                                   "Proxy-Authorization: Basic" (to the proxy only), or NULL */
};

/* Write "GET target HTTP/1.1" (url_write_target's form of the target,
 * after "http://host[:port]" with ex->absolute_form) + Host,
 * Proxy-Authorization (absolute form only), Authorization (Basic: the
 * URL's userinfo, else ex->credentials),
 * User-Agent, Accept and ex's headers into buf; no Connection header:
 * keep-alive is HTTP/1.1's default. ex may be NULL. Returns the length,
 * -EINVAL when the user agent or a header holds a control character (it
 * would let them inject lines) or a header has no ':', or -ENOSPC when it
 * does not fit. */
int request_build(char *buf, size_t size, const struct url *u, const struct request_extra *ex);

/* Write the request that asks a proxy for a tunnel (RFC 9110 9.3.6):
 * "CONNECT host:port HTTP/1.1" (IPv6 in brackets) + Host (the same) +
 * User-Agent (NULL: ringfetch's) + Proxy-Authorization: Basic proxy_auth
 * when not NULL. Nothing else of the run's: its -H headers are for the
 * origin. Returns the length, -EINVAL for a control character in the user
 * agent, or -ENOSPC. */
int request_build_connect(char *buf, size_t size, const char *host, uint16_t port, const char *user_agent,
                          const char *proxy_auth);

#endif
