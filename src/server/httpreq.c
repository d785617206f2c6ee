/* httpreq: llhttp in request mode, paused after each request. See httpreq.h. */
#include "server/httpreq.h"
#include "util/hexdigit.h"

#include <errno.h>
#include <string.h>

static int on_message_begin(llhttp_t *p)
{
    struct fs_req *r = p->data;
    r->url_len = 0;
    r->url_overflow = false;
    r->url[0] = 0;
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    struct fs_req *r = p->data;
    if (r->url_len + len > FS_MAX_URL_BYTES) {
        r->url_overflow = true;
        return 0;
    }
    memcpy(r->url + r->url_len, at, len);
    r->url_len += len;
    r->url[r->url_len] = 0;
    return 0;
}

/* Pausing here is what keeps pipelined requests in the caller's buffer. */
static int on_message_complete(llhttp_t *p)
{
    struct fs_req *r = p->data;
    r->done = true;
    r->keep_alive = llhttp_should_keep_alive(p) && !p->upgrade;
    return HPE_PAUSED;
}

static const llhttp_settings_t settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_message_complete = on_message_complete,
};

void fs_req_init(struct fs_req *r)
{
    memset(r, 0, sizeof(*r));
    llhttp_init(&r->parser, HTTP_REQUEST, &settings);
    r->parser.data = r;
}

int fs_req_feed(struct fs_req *r, const char *data, size_t len, size_t *used)
{
    *used = 0;
    if (r->done)
        return FS_REQ_DONE;
    llhttp_errno_t e = llhttp_execute(&r->parser, data, len);
    size_t n = len;
    if (e != HPE_OK) {
        const char *pos = llhttp_get_error_pos(&r->parser);
        n = pos && pos >= data && pos <= data + len ? (size_t)(pos - data) : len;
    }
    *used = n;
    r->bytes += n;
    if (e != HPE_OK && e != HPE_PAUSED)
        return FS_REQ_BAD;
    if (r->bytes > FS_MAX_REQUEST_BYTES)
        return FS_REQ_TOO_LARGE;
    if (r->url_overflow)
        return FS_REQ_URI_TOO_LONG;
    return r->done ? FS_REQ_DONE : FS_REQ_MORE;
}

void fs_req_next(struct fs_req *r)
{
    r->done = false;
    r->bytes = 0;
    llhttp_resume(&r->parser);
}

enum fs_method fs_req_method(const struct fs_req *r)
{
    switch (r->parser.method) {
    case HTTP_GET:
        return FS_METHOD_GET;
    case HTTP_HEAD:
        return FS_METHOD_HEAD;
    default:
        return FS_METHOD_OTHER;
    }
}

const char *fs_req_method_name(const struct fs_req *r)
{
    return llhttp_method_name((llhttp_method_t)r->parser.method);
}

int fs_req_minor(const struct fs_req *r)
{
    return r->parser.http_major == 1 && r->parser.http_minor >= 1 ? 1 : 0;
}

bool fs_req_keep_alive(const struct fs_req *r)
{
    return r->keep_alive;
}


int fs_req_path(const char *target, char *out, size_t cap)
{
    const char *p = target;
    /* Absolute form (proxies send it): skip scheme and authority. */
    if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0) {
        p = strstr(p, "://") + 3;
        p += strcspn(p, "/?#");
        if (*p != '/')
            return -EINVAL;
    }
    if (*p != '/')
        return -EINVAL;

    size_t n = 0;
    for (; *p && *p != '?' && *p != '#'; p++) {
        char c = *p;
        if (c == '%') {
            int hi = hexdigit((unsigned char)p[1]), lo = hi < 0 ? -1 : hexdigit((unsigned char)p[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -EINVAL;
            c = (char)(hi << 4 | lo);
            p += 2;
        }
        if (n + 1 >= cap)
            return -ENAMETOOLONG;
        out[n++] = c;
    }
    out[n] = 0;

    /* No ".." segment, in any spelling (decoding came first). */
    for (const char *s = out; s; s = strchr(s + 1, '/')) {
        const char *seg = s + 1;
        size_t seglen = strcspn(seg, "/");
        if (seglen == 2 && seg[0] == '.' && seg[1] == '.')
            return -EINVAL;
    }
    return (int)n;
}
