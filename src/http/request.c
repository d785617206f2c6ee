/* Request bytes for one job (see request.h).
 *
 * The request is fixed except for target, Host and User-Agent, so it is
 * assembled with plain copies into the caller's buffer: no allocation, and
 * the connection can send it straight from there. */
#include "http/request.h"

#include <errno.h>
#include <string.h>

#include "ringfetch/engine.h"

struct request_out {
    char *buf;
    size_t size, len;
    bool overflow;
};

static void request_put(struct request_out *o, const char *s, size_t n)
{
    if (o->overflow || n > o->size - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void request_puts(struct request_out *o, const char *s)
{
    request_put(o, s, strlen(s));
}

int request_build(char *buf, size_t size, const struct url *u, const char *user_agent)
{
    struct request_out o = { .buf = buf, .size = size };
    char host[URL_HOST_MAX + 16];
    int hlen;

    if (!user_agent)
        user_agent = "ringfetch/" RF_VERSION;
    /* The user agent comes from outside (options): a CR or LF in it would
     * let it inject headers, so any control character is refused. */
    for (const char *p = user_agent; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return -EINVAL;

    hlen = url_host_header(u, host, sizeof(host));
    if (hlen < 0)
        return hlen;

    request_puts(&o, "GET ");
    if (u->target[0] == '?')
        request_put(&o, "/", 1); /* "http://h?q" asks for "/?q" */
    request_put(&o, u->target, u->target_len);
    request_puts(&o, " HTTP/1.1\r\nHost: ");
    request_put(&o, host, (size_t)hlen);
    request_puts(&o, "\r\nUser-Agent: ");
    request_puts(&o, user_agent);
    request_puts(&o, "\r\nAccept: */*\r\n\r\n");
    if (o.overflow)
        return -ENOSPC;
    return (int)o.len;
}
