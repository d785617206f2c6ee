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

#endif
