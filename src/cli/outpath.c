/* See outpath.h. */
#include "cli/outpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ringfetch/url.h"

#define QUOTE_BYTES 200   /* a URL shown in a refusal is cut past this */

/* ---- quoting --------------------------------------------------------- */

struct quote_piece {
    const char *s;
    size_t len;
};

/* Bytes c takes once quoted. */
static size_t quoted_len(unsigned char c) { return c >= 0x20 && c < 0x7f ? 1 : 4; }

/* The pieces one after the other, quoted (see outpath_quote). */
static char *quote_pieces(char *buf, size_t size, const struct quote_piece *pc, size_t npc)
{
    static const char hex[] = "0123456789abcdef";
    size_t need = 0, len = 0;

    if (size == 0)
        return buf;
    for (size_t i = 0; i < npc; i++)
        for (size_t j = 0; j < pc[i].len; j++)
            need += quoted_len((unsigned char)pc[i].s[j]);
    /* When it does not all fit, stop early enough to leave room for "...". */
    size_t room = need < size ? need : (size >= 4 ? size - 4 : 0);
    for (size_t i = 0; i < npc; i++) {
        for (size_t j = 0; j < pc[i].len; j++) {
            unsigned char c = (unsigned char)pc[i].s[j];
            if (len + quoted_len(c) > room)
                goto cut;
            if (quoted_len(c) == 1) {
                buf[len++] = (char)c;
            } else {
                buf[len++] = '\\';
                buf[len++] = 'x';
                buf[len++] = hex[c >> 4];
                buf[len++] = hex[c & 15];
            }
        }
    }
cut:
    if (need >= size && size >= 4) {
        memcpy(buf + len, "...", 3);
        len += 3;
    }
    buf[len] = '\0';
    return buf;
}

char *outpath_quote(char *buf, size_t size, const char *s, size_t len)
{
    struct quote_piece pc = {s, len};
    return quote_pieces(buf, size, &pc, 1);
}

char *outpath_quote_url(char *buf, size_t size, const char *url)
{
    size_t start, len, n = strlen(url);
    if (!url_password_span(url, &start, &len))
        return outpath_quote(buf, size, url, n);
    struct quote_piece pc[3] = {
        {url, start}, {"***", 3}, {url + start + len, n - start - len},
    };
    return quote_pieces(buf, size, pc, 3);
}

/* ---- refusals -------------------------------------------------------- */

const char *outpath_url_problem(int status)
{
    switch ((enum url_status)status) {
    case URL_OK: return "no problem";
    case URL_E_NOT_URL: return "not a URL (it must start with http:// or https://)";
    case URL_E_HTTPS: return "https:// refused (an old code: url_parse no longer returns it)";
    case URL_E_SCHEME: return "unknown scheme: only http:// and https:// URLs are supported";
    case URL_E_NO_SLASHES: return "'http:' must be followed by '//'";
    case URL_E_CONTROL: return "it holds a control character";
    case URL_E_AUTHORITY_SPACE:
        return "space in the host, port or user name (write one in a user name or "
               "password as %20)";
    case URL_E_EMPTY_HOST: return "no host name";
    case URL_E_HOST_TOO_LONG: return "host name too long";
    case URL_E_HOST_CHAR:
        return "the host name holds a character other than letters, digits, '-', '.' and '_'";
    case URL_E_IPV6_UNCLOSED: return "'[' without a closing ']'";
    case URL_E_IPV6: return "not a valid IPv6 address between '[' and ']'";
    case URL_E_AFTER_IPV6: return "only ':port' may follow ']'";
    case URL_E_EMPTY_PORT: return "empty port after ':'";
    case URL_E_PORT_NOT_NUMBER: return "the port is not a number";
    case URL_E_PORT_RANGE: return "port out of range (1 to 65535)";
    case URL_E_AT_TWICE:
        return "two '@' before the host (write '@' in a user name or password as %40)";
    case URL_E_EMPTY_USERINFO: return "nothing before '@'";
    case URL_E_USER_COLON: return "the user name holds ':' once decoded";
    case URL_E_USERINFO_CONTROL:
        return "the user name or password holds a control character once decoded";
    }
    return "not a valid http:// URL";
}

/* A URL's origin, request-target as sent and credentials as written: what
 * makes two URLs the same request. Bytes: origin key, target, then only
 * with a userinfo '@', user, and ':' + password when there is one. */
#define KEY_BYTES (URL_HOST_MAX + 16 + 3 * RF_URL_MAX_BYTES + RF_URL_MAX_BYTES)

static size_t same_url_key(const struct url *u, char *key)
{
    int n = url_origin_key(u, key, URL_HOST_MAX + 16);
    size_t len = n > 0 ? (size_t)n : 0;
    /* A URL of at most RF_URL_MAX_BYTES - 1 bytes gives a target of at
     * most three times that (every byte encoded), plus a '/'. */
    n = url_write_target(u, key + len, 3 * RF_URL_MAX_BYTES);
    len += n > 0 ? (size_t)n : 0;
    if (u->user) {
        key[len++] = '@';
        memcpy(key + len, u->user, u->user_len);
        len += u->user_len;
        if (u->password) {
            key[len++] = ':';
            memcpy(key + len, u->password, u->password_len);
            len += u->password_len;
        }
    }
    return len;
}

/* Where a URL came from, in the nameset's 32 bits: the top one says "a
 * line of the list", the others the 1-based number; 0 when it does not fit. */
#define WHERE_LIST 0x80000000u

static uint32_t where_note(const struct urllist_item *it)
{
    if (it->index == 0 || it->index >= WHERE_LIST)
        return 0;
    return (uint32_t)it->index | (it->from_list ? WHERE_LIST : 0);
}

static void say_repeat(char *why, size_t why_size, uint32_t first, const char *q)
{
    if (first == 0)
        snprintf(why, why_size, "same URL as an earlier one, fetched once: '%s'", q);
    else
        snprintf(why, why_size, "same URL as %s %lu, fetched once: '%s'",
                 first & WHERE_LIST ? "line" : "argument", (unsigned long)(first & ~WHERE_LIST), q);
}

int outpath_make(const char *dir, const struct urllist_item *it, struct nameset *seen,
                 char *path, size_t size, char *why, size_t why_size)
{
    char q[QUOTE_BYTES], name[URL_NAME_MAX + 1];
    const char *url = it->url;
    struct url u;
    size_t name_len = 0;
    int r;

    outpath_quote_url(q, sizeof q, url);
    if (it->problem == -E2BIG) {
        snprintf(why, why_size, "bad URL '%s': longer than %d bytes", q, RF_URL_MAX_BYTES - 1);
        return -EINVAL;
    }
    if (it->problem) {
        snprintf(why, why_size, "bad URL '%s': the line holds a NUL byte", q);
        return -EINVAL;
    }
    r = url_parse(url, &u);
    if (r != URL_OK) {
        snprintf(why, why_size, "bad URL '%s': %s", q, outpath_url_problem(r));
        return -EINVAL;
    }
    if (!dir) {
        path[0] = '\0'; /* --discard: nothing is saved, so no name is needed */
        return OUTPATH_FETCH;
    }
    r = url_output_name(&u, name, sizeof name, &name_len);
    if (r == -ENAMETOOLONG) {
        snprintf(why, why_size,
                 "bad URL '%s': file name is %zu bytes, over the file system's %d-byte limit", q,
                 name_len, URL_NAME_MAX);
        return -EINVAL;
    }
    if (r < 0) {
        snprintf(why, why_size,
                 "bad URL '%s': its last path segment is not a safe file name ('/', '\\' or a "
                 "control character once decoded)",
                 q);
        return -EINVAL;
    }
    if ((size_t)snprintf(path, size, "%s/%s", dir, name) >= size) {
        snprintf(why, why_size, "output path too long for '%s'", q);
        return -ENAMETOOLONG;
    }

    char key[KEY_BYTES];
    uint32_t first = 0;
    size_t key_len = same_url_key(&u, key);
    r = nameset_claim(seen, name, name_len, key, key_len, where_note(it), &first);
    switch (r) {
    case NAMESET_NEW:
        return OUTPATH_FETCH;
    case NAMESET_SAME_URL:
        say_repeat(why, why_size, first, q);
        return OUTPATH_REPEAT;
    case NAMESET_TAKEN: {
        char qn[QUOTE_BYTES];
        snprintf(why, why_size, "duplicate output name '%s' for '%s'",
                 outpath_quote(qn, sizeof qn, name, name_len), q);
        return -EEXIST;
    }
    default:
        snprintf(why, why_size, "out of memory for '%s'", q);
        return r;
    }
}
