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
};

/* Write "GET target HTTP/1.1" (url_write_target's form of the target) +
 * Host, Authorization (Basic: the URL's userinfo, else ex->credentials),
 * User-Agent, Accept and ex's headers into buf; no Connection header:
 * keep-alive is HTTP/1.1's default. ex may be NULL. Returns the length,
 * -EINVAL when the user agent or a header holds a control character (it
 * would let them inject lines) or a header has no ':', or -ENOSPC when it
 * does not fit. */
int request_build(char *buf, size_t size, const struct url *u, const struct request_extra *ex);

#endif
