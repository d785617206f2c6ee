/* See outpath.h. */
#include "cli/outpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ringfetch/url.h"
#include "ringfetch/limits.h"

#define QUOTE_BYTES 200   /* a URL shown in a message is cut past this */
#define NAME_BYTES 256    /* url_output_name() names are at most 255 bytes */

/* Bytes c takes once quoted. */
static size_t quoted_len(unsigned char c) { return c >= 0x20 && c < 0x7f ? 1 : 4; }

char *outpath_quote(char *buf, size_t size, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t need = 0, len = 0;

    if (size == 0)
        return buf;
    for (const char *p = s; *p; p++)
        need += quoted_len((unsigned char)*p);
    /* When it does not all fit, stop early enough to leave room for "...". */
    size_t room = need < size ? need : (size >= 4 ? size - 4 : 0);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (len + quoted_len(c) > room)
            break;
        if (quoted_len(c) == 1) {
            buf[len++] = (char)c;
        } else {
            buf[len++] = '\\';
            buf[len++] = 'x';
            buf[len++] = hex[c >> 4];
            buf[len++] = hex[c & 15];
        }
    }
    if (need >= size && size >= 4) {
        memcpy(buf + len, "...", 3);
        len += 3;
    }
    buf[len] = '\0';
    return buf;
}

int outpath_make(const char *dir, const char *url, int problem, struct nameset *seen,
                 char *path, size_t size, char *why, size_t why_size)
{
    char q[QUOTE_BYTES], name[NAME_BYTES];
    struct url u;
    int r;

    outpath_quote(q, sizeof q, url);
    if (problem == -E2BIG) {
        snprintf(why, why_size, "bad URL '%s': longer than %d bytes", q, RF_URL_MAX_BYTES - 1);
        return -EINVAL;
    }
    if (problem) {
        snprintf(why, why_size, "bad URL '%s': the line holds a NUL byte", q);
        return -EINVAL;
    }
    r = url_parse(url, &u);
    if (r == -EPROTONOSUPPORT) {
        snprintf(why, why_size, "bad URL '%s': only http:// URLs are supported", q);
        return -EINVAL;
    }
    if (r < 0) {
        snprintf(why, why_size, "bad URL '%s': not a valid http:// URL", q);
        return -EINVAL;
    }
    if (!dir) {
        path[0] = '\0'; /* --discard: nothing is saved, so no name is needed */
        return 0;
    }
    r = url_output_name(&u, name, sizeof name);
    if (r < 0) {
        snprintf(why, why_size,
                 "bad URL '%s': its last path segment is not a safe file name", q);
        return -EINVAL;
    }
    if ((size_t)snprintf(path, size, "%s/%s", dir, name) >= size) {
        snprintf(why, why_size, "output path too long for '%s'", q);
        return -ENAMETOOLONG;
    }
    r = nameset_add(seen, name, (size_t)r);
    if (r < 0) {
        snprintf(why, why_size, "out of memory for '%s'", q);
        return r;
    }
    if (r == 0) {
        char qn[QUOTE_BYTES];
        snprintf(why, why_size, "duplicate output name '%s' for '%s'",
                 outpath_quote(qn, sizeof qn, name), q);
        return -EEXIST;
    }
    return 0;
}
