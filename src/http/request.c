/* Request bytes for one job (see request.h).
 *
 * The request is fixed except for the target, Host, the credentials and
 * User-Agent, so it is written straight into the caller's buffer and nothing
 * is allocated here (the decoded credentials pass through a stack buffer,
 * wiped after). The caller owns the bytes: the engine copies them into a
 * buffer of the job's own, which the connection sends from. */
#include "http/request.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "ringfetch/engine.h"
#include "util/base64.h"

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

/* The path and query, made fit for the wire (url_write_target). */
static void request_put_target(struct request_out *o, const struct url *u)
{
    if (o->overflow)
        return;
    int n = url_write_target(u, o->buf + o->len, o->size - o->len);
    if (n < 0)
        o->overflow = true;
    else
        o->len += (size_t)n;
}

/* "Authorization: Basic base64(user:password)\r\n" (RFC 7617), both
 * percent-decoded first. The decoded credentials sit on the stack only
 * while they are encoded, and are wiped after. */
static void request_put_credentials(struct request_out *o, const struct url *u)
{
    char cred[RF_URL_MAX_BYTES];
    size_t pass_len = u->password ? u->password_len : 0;

    if (o->overflow || u->user_len + 1 + pass_len > sizeof cred) {
        o->overflow = true; /* longer than any URL the engine takes */
        return;
    }
    size_t n = url_decode(u->user, u->user_len, cred);
    cred[n++] = ':';
    if (u->password)
        n += url_decode(u->password, u->password_len, cred + n);

    request_puts(o, "Authorization: Basic ");
    if (!o->overflow && BASE64_ENCODED_BYTES(n) <= o->size - o->len)
        o->len += base64_encode(cred, n, o->buf + o->len);
    else
        o->overflow = true;
    explicit_bzero(cred, n);
    request_puts(o, "\r\n");
}

/* Does one of the extra lines carry this header (name without the colon)? */
static bool request_extra_has(const char *extra, const char *name)
{
    size_t n = strlen(name);
    for (const char *l = extra; l && *l;) {
        if (strncasecmp(l, name, n) == 0 && l[n] == ':')
            return true;
        const char *next = strstr(l, "\r\n");
        if (!next)
            break;
        l = next + 2;
    }
    return false;
}

int request_build(char *buf, size_t size, const struct url *u, const char *user_agent)
{
    return request_build_with(buf, size, u, user_agent, NULL);
}

int request_build_with(char *buf, size_t size, const struct url *u, const char *user_agent,
                       const char *extra)
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
    request_put_target(&o, u);
    request_puts(&o, " HTTP/1.1\r\n");
    if (!request_extra_has(extra, "Host")) {
        request_puts(&o, "Host: ");
        request_put(&o, host, (size_t)hlen);
        request_puts(&o, "\r\n");
    }
    if (u->user)
        request_put_credentials(&o, u);
    if (!request_extra_has(extra, "User-Agent")) {
        request_puts(&o, "User-Agent: ");
        request_puts(&o, user_agent);
        request_puts(&o, "\r\n");
    }
    if (!request_extra_has(extra, "Accept"))
        request_puts(&o, "Accept: */*\r\n");
    if (extra)
        request_puts(&o, extra);
    request_puts(&o, "\r\n");
    if (o.overflow)
        return -ENOSPC;
    return (int)o.len;
}
