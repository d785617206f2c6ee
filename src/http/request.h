/* Request bytes for one job. */
#ifndef RF_REQUEST_H
#define RF_REQUEST_H

#include <stddef.h>
#include "ringfetch/url.h"

/* Write "GET target HTTP/1.1" + Host, User-Agent, Accept, (no Connection
 * header: keep-alive is HTTP/1.1's default) into buf. Returns the length,
 * or -ENOSPC when it does not fit. */
int request_build(char *buf, size_t size, const struct url *u, const char *user_agent);

#endif
