/* Request bytes for one job (see request.h).
 *
 * The request is fixed except for the target, Host, the credentials and
 * User-Agent, so it is written straight into the caller's buffer and nothing
 * is allocated here (the decoded credentials pass through a stack buffer,
 * wiped after). The caller owns the bytes: the engine copies them into a
 * buffer of the job's own, which the connection sends from. */
#include "http/request.h"

#include <errno.h>
#include <stdio.h>
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

static void request_put_basic(struct request_out *o, const char *cred, size_t n)
{
    request_puts(o, "Authorization: Basic ");
    if (!o->overflow && BASE64_ENCODED_BYTES(n) <= o->size - o->len)
        o->len += base64_encode(cred, n, o->buf + o->len);
    else
        o->overflow = true;
    request_puts(o, "\r\n");
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
    request_put_basic(o, cred, n);
    explicit_bzero(cred, n);
}

static bool request_bad_bytes(const char *s)
{
    for (const char *p = s; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            return true;
    return false;
}

/* Does one of the run's headers name this field? Then *value_empty says
 * whether it only removes ours ("Name:" with nothing after it). */
static bool request_overridden(const struct request_extra *ex, const char *name, bool *value_empty)
{
    size_t n = strlen(name);
    for (unsigned i = 0; ex && i < ex->nheaders; i++) {
        const char *h = ex->headers[i];
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            const char *v = h + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            *value_empty = *v == '\0';
            return true;
        }
    }
    return false;
}

static bool request_ours(const struct request_extra *ex, const char *name)
{
    bool empty;
    return !request_overridden(ex, name, &empty);
}


int request_build(char *buf, size_t size, const struct url *u, const struct request_extra *ex)
{
    struct request_out o = { .buf = buf, .size = size };
    char host[URL_HOST_MAX + 16];
    int hlen;
    const char *user_agent = ex && ex->user_agent ? ex->user_agent : "ringfetch/" RF_VERSION;

    /* The user agent and the headers come from outside (options): a CR or
     * LF in them would let them inject lines, so control characters are
     * refused. */
    if (request_bad_bytes(user_agent))
        return -EINVAL;
    for (unsigned i = 0; ex && i < ex->nheaders; i++)
        if (request_bad_bytes(ex->headers[i]) || !strchr(ex->headers[i], ':') || ex->headers[i][0] == ':')
            return -EINVAL;

    hlen = url_host_header(u, host, sizeof(host));
    if (hlen < 0)
        return hlen;

    request_puts(&o, "GET ");
    if (ex && ex->absolute_form) {
        /* The proxy needs the origin: never the userinfo (it is a header). */
        request_puts(&o, "http://");
        request_put(&o, host, (size_t)hlen);
    }
    request_put_target(&o, u);
    request_puts(&o, " HTTP/1.1\r\n");
    if (request_ours(ex, "Host")) {
        request_puts(&o, "Host: ");
        request_put(&o, host, (size_t)hlen);
        request_puts(&o, "\r\n");
    }
    if (ex && ex->absolute_form && ex->proxy_auth && request_ours(ex, "Proxy-Authorization")) {
        request_puts(&o, "Proxy-Authorization: Basic ");
        request_puts(&o, ex->proxy_auth);
        request_puts(&o, "\r\n");
    }
    if (request_ours(ex, "Authorization")) {
        if (u->user)
            request_put_credentials(&o, u);
        else if (ex && ex->credentials && !ex->foreign)
            request_put_basic(&o, ex->credentials, strlen(ex->credentials));
    }
    if (request_ours(ex, "User-Agent")) {
        request_puts(&o, "User-Agent: ");
        request_puts(&o, user_agent);
        request_puts(&o, "\r\n");
    }
    if (request_ours(ex, "Accept"))
        request_puts(&o, "Accept: */*\r\n");
    if (ex && ex->range) {
        char r[48];
        snprintf(r, sizeof r, "Range: bytes=%llu-\r\n", (unsigned long long)ex->range_start);
        request_puts(&o, r);
        if (ex->if_range && *ex->if_range) {
            if (request_bad_bytes(ex->if_range))
                return -EINVAL;
            request_puts(&o, "If-Range: ");
            request_puts(&o, ex->if_range);
            request_puts(&o, "\r\n");
        }
    }
    for (unsigned i = 0; ex && i < ex->nheaders; i++) {
        bool empty;
        const char *h = ex->headers[i];
        const char *colon = strchr(h, ':');
        char name[64];
        size_t n = (size_t)(colon - h);
        if (n < sizeof name) {
            memcpy(name, h, n);
            name[n] = '\0';
            if (request_overridden(ex, name, &empty) && empty)
                continue; /* "Name:" only removes ours */
            if (ex->foreign && (!strcasecmp(name, "Authorization") || !strcasecmp(name, "Cookie")))
                continue; /* the user's secrets are for the origin they named */
        }
        request_puts(&o, h);
        request_puts(&o, "\r\n");
    }
    request_puts(&o, "\r\n");
    if (o.overflow)
        return -ENOSPC;
    return (int)o.len;
}

int request_build_connect(char *buf, size_t size, const char *host, uint16_t port, const char *user_agent,
                          const char *proxy_auth)
{
    struct request_out o = { .buf = buf, .size = size };
    char target[URL_HOST_MAX + 16];
    bool v6 = strchr(host, ':') != NULL; /* a name never holds one */
    const char *ua = user_agent ? user_agent : "ringfetch/" RF_VERSION;

    if (request_bad_bytes(ua) || request_bad_bytes(host) || (proxy_auth && request_bad_bytes(proxy_auth)))
        return -EINVAL;
    snprintf(target, sizeof target, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", (unsigned)port);
    request_puts(&o, "CONNECT ");
    request_puts(&o, target);
    request_puts(&o, " HTTP/1.1\r\nHost: ");
    request_puts(&o, target);
    request_puts(&o, "\r\nUser-Agent: ");
    request_puts(&o, ua);
    request_puts(&o, "\r\n");
    if (proxy_auth) {
        request_puts(&o, "Proxy-Authorization: Basic ");
        request_puts(&o, proxy_auth);
        request_puts(&o, "\r\n");
    }
    request_puts(&o, "\r\n");
    if (o.overflow)
        return -ENOSPC;
    return (int)o.len;
}
