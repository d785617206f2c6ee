/* See resultlog.h. */
#include "cli/resultlog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ringfetch/url.h"

/* ---- JSON text ----------------------------------------------------------- */

struct out {
    char *buf;
    size_t len, size;
    bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->full || o->len + n >= o->size) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s) { put(o, s, strlen(s)); }

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
 * byte there does not start one (RFC 3629: no overlongs, no surrogates,
 * nothing past U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

enum bad_bytes { BAD_AS_PERCENT, BAD_AS_BACKSLASH_X };

/* n bytes of s as the inside of a JSON string. */
static void put_text(struct out *o, const char *s, size_t n, enum bad_bytes bad)
{
    static const char hex[] = "0123456789ABCDEF", lhex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t len = utf8_len(p + i, n - i);
        char esc[8];
        if (len > 1) {
            put(o, s + i, len);
            i += len;
            continue;
        }
        i++;
        if (len == 0) {
            if (bad == BAD_AS_PERCENT)
                put(o, (char[]){'%', hex[c >> 4], hex[c & 15]}, 3);
            else
                put(o, (char[]){'\\', '\\', 'x', lhex[c >> 4], lhex[c & 15]}, 5);
        } else if (c == '"' || c == '\\') {
            put(o, (char[]){'\\', (char)c}, 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(o, esc, 6);
        } else {
            put(o, (const char *)&c, 1);
        }
    }
}

static void put_string(struct out *o, const char *key, const char *s, enum bad_bytes bad)
{
    puts_(o, key);
    if (!s) {
        puts_(o, "null");
        return;
    }
    put(o, "\"", 1);
    put_text(o, s, strlen(s), bad);
    put(o, "\"", 1);
}

/* A URL with its password (url_password_span's) as "***". */
static void put_url(struct out *o, const char *key, const char *url)
{
    size_t start, len;
    puts_(o, key);
    if (!url) {
        puts_(o, "null");
        return;
    }
    put(o, "\"", 1);
    if (url_password_span(url, &start, &len)) {
        put_text(o, url, start, BAD_AS_PERCENT);
        puts_(o, "***");
        put_text(o, url + start + len, strlen(url + start + len), BAD_AS_PERCENT);
    } else {
        put_text(o, url, strlen(url), BAD_AS_PERCENT);
    }
    put(o, "\"", 1);
}

size_t resultlog_format(char *buf, size_t size, const struct resultlog_entry *e)
{
    struct out o = { .buf = buf, .size = size };
    char num[96];
    put_url(&o, "{\"url\": ", e->url);
    put_url(&o, ", \"final_url\": ", e->final_url);
    put_string(&o, ", \"path\": ", e->path, BAD_AS_BACKSLASH_X);
    put_string(&o, ", \"outcome\": ", e->outcome, BAD_AS_BACKSLASH_X);
    if (e->http_status)
        snprintf(num, sizeof num, ", \"http_status\": %d", e->http_status);
    else
        snprintf(num, sizeof num, ", \"http_status\": null");
    puts_(&o, num);
    snprintf(num, sizeof num, ", \"bytes\": %" PRIu64 ", \"attempts\": %u, \"elapsed_ms\": %.3f",
             e->bytes, e->attempts, e->elapsed_ms);
    puts_(&o, num);
    put_string(&o, ", \"error\": ", e->error, BAD_AS_BACKSLASH_X);
    /* The proxy's name never holds credentials (rf_result.proxy); masked all the same. */
    put_url(&o, ", \"proxy\": ", e->proxy);
    puts_(&o, "}\n");
    if (o.full) {
        /* Cannot happen with RESULTLOG_LINE_BYTES; still never a broken line. */
        o = (struct out){ .buf = buf, .size = size };
        puts_(&o, "{\"url\": null, \"outcome\": ");
        put_string(&o, "", e->outcome, BAD_AS_BACKSLASH_X);
        puts_(&o, ", \"error\": \"entry too large for the log\"}\n");
    }
    buf[o.len] = '\0';
    return o.len;
}

/* ---- the file ------------------------------------------------------------- */

int resultlog_open(struct resultlog *l, const char *name)
{
    l->err = 0;
    l->len = 0;
    l->last_flush_s = 0;
    l->fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    return l->fd < 0 ? -errno : 0;
}

static void write_all(struct resultlog *l, const char *p, size_t n)
{
    while (n > 0 && l->err == 0) {
        ssize_t w = write(l->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            l->err = w < 0 ? -errno : -EIO;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void flush(struct resultlog *l, double now_s)
{
    write_all(l, l->buf, l->len);
    l->len = 0;
    l->last_flush_s = now_s;
}

void resultlog_add(struct resultlog *l, const struct resultlog_entry *e, double now_s)
{
    static char line[RESULTLOG_LINE_BYTES];
    if (l->fd < 0 || l->err)
        return;
    if (l->last_flush_s == 0)
        l->last_flush_s = now_s;
    size_t n = resultlog_format(line, sizeof line, e);
    if (l->len + n > sizeof l->buf)
        flush(l, now_s);
    if (n > sizeof l->buf)
        write_all(l, line, n);
    else {
        memcpy(l->buf + l->len, line, n);
        l->len += n;
    }
    if (now_s - l->last_flush_s >= RESULTLOG_FLUSH_S)
        flush(l, now_s);
}

int resultlog_close(struct resultlog *l)
{
    if (l->fd < 0)
        return 0;
    if (l->err == 0)
        flush(l, 0);
    if (close(l->fd) < 0 && l->err == 0)
        l->err = -errno;
    l->fd = -1;
    return l->err;
}
