/* Request bytes for one job. */
#ifndef RF_REQUEST_H
#define RF_REQUEST_H

#include <stddef.h>
#include "ringfetch/url.h"

/* Write "GET target HTTP/1.1" (url_write_target's form of the target) +
 * Host, Authorization (Basic, when the URL has a userinfo), User-Agent,
 * Accept into buf; no Connection header: keep-alive is HTTP/1.1's default.
 * Returns the length, -EINVAL when user_agent holds a control character,
 * or -ENOSPC when it does not fit. */
int request_build(char *buf, size_t size, const struct url *u, const char *user_agent);
/* The same with extra header lines ("Name: value\r\n" each, checked by
 * the caller), written after ours; one named Host, User-Agent or Accept
 * (any case) replaces ours. extra may be NULL. */
int request_build_with(char *buf, size_t size, const struct url *u, const char *user_agent,
                       const char *extra);

#endif
