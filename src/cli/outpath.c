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

/* ---- names and folders ----------------------------------------------- */

/* Why a name or a folder name cannot be used as it is. */
enum segment_fault {
    SEG_OK = 0,
    SEG_UNSAFE,     /* '/', '\\', NUL or another control character */
    SEG_DOTS,       /* "." or "..": not a name of its own */
    SEG_EMPTY,
    SEG_TOO_LONG,   /* over URL_NAME_MAX bytes */
};

/* The checks every name of a path under -o goes through, whatever it came
 * from: a URL's segment once decoded, an out= or a dir= of the list. The
 * same bytes as url_output_name refuses, and the dot names too (a URL's
 * own are removed before this, an option line's are not). */
static enum segment_fault segment_check(const char *s, size_t len)
{
    if (len == 0)
        return SEG_EMPTY;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return SEG_UNSAFE;
    }
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return SEG_DOTS;
    if (len > URL_NAME_MAX)
        return SEG_TOO_LONG;
    return SEG_OK;
}

static const char *segment_words(enum segment_fault f)
{
    switch (f) {
    case SEG_OK: return "fine";
    case SEG_UNSAFE: return "holds '/', '\\' or a control character";
    case SEG_DOTS: return "is '.' or '..'";
    case SEG_EMPTY: return "is empty";
    case SEG_TOO_LONG: return "is over the file system's 255-byte limit";
    }
    return "is not a safe name";
}

/* Appends to the relative path being built (SUB/NAME under -o). */
struct rel {
    char *buf;
    size_t len, size;
    bool overflow;
};

static void rel_put(struct rel *r, const char *s, size_t len)
{
    if (r->len + len + 1 > r->size) {
        r->overflow = true;
        return;
    }
    memcpy(r->buf + r->len, s, len);
    r->len += len;
    r->buf[r->len] = '\0';
}

/* -x: HOST[:PORT] then each folder of the path requested (as sent: dot
 * segments removed), percent-decoded and checked; empty segments ("a//b")
 * add no folder. */
static int rel_force_dirs(struct rel *r, const struct url *u, const char *q, char *why,
                          size_t why_size)
{
    char host[URL_HOST_MAX + 16], target[3 * RF_URL_MAX_BYTES + 1], seg[3 * RF_URL_MAX_BYTES];
    int n = url_host_header(u, host, sizeof host);
    if (n < 0) {
        snprintf(why, why_size, "bad URL '%s': host name too long for a folder", q);
        return -EINVAL;
    }
    enum segment_fault hf = segment_check(host, (size_t)n);
    if (hf != SEG_OK) {
        snprintf(why, why_size, "bad URL '%s': its host %s, so it cannot be a folder (-x)", q,
                 segment_words(hf));
        return -EINVAL;
    }
    rel_put(r, host, (size_t)n);
    n = url_write_target(u, target, sizeof target - 1);
    if (n < 0) {
        snprintf(why, why_size, "output path too long for '%s'", q);
        return -ENAMETOOLONG;
    }
    target[n] = '\0';
    char *end = strchr(target, '?');
    if (!end)
        end = target + n;
    /* Every segment but the last (the file's own name) is a folder. */
    char *last = end;
    while (last > target && last[-1] != '/')
        last--;
    for (char *p = target; p < last;) {
        char *slash = memchr(p, '/', (size_t)(last - p));
        size_t len = (size_t)(slash - p);
        if (len > 0) {
            size_t dlen = url_decode(p, len, seg);
            enum segment_fault f = segment_check(seg, dlen);
            if (f != SEG_OK) {
                char qs[QUOTE_BYTES];
                snprintf(why, why_size,
                         "bad URL '%s': folder '%s' of its path %s once decoded, so it cannot be "
                         "a folder (-x)", q, outpath_quote(qs, sizeof qs, seg, dlen), segment_words(f));
                return -EINVAL;
            }
            rel_put(r, "/", 1);
            rel_put(r, seg, dlen);
        }
        p = slash + 1;
    }
    return 0;
}

/* dir=DIR of the list: a relative folder under -o, each of its names
 * checked; empty segments ("a//b", a trailing '/') add no folder. */
static int rel_option_dir(struct rel *r, const char *dir, const char *q, char *why, size_t why_size)
{
    char qd[QUOTE_BYTES];
    size_t len = strlen(dir);
    if (dir[0] == '/') {
        snprintf(why, why_size, "dir='%s' for '%s' is not a folder under -o: it must not start "
                 "with '/'", outpath_quote(qd, sizeof qd, dir, len), q);
        return -EINVAL;
    }
    for (const char *p = dir; *p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n > 0) {
            enum segment_fault f = segment_check(p, n);
            if (f != SEG_OK) {
                char qs[QUOTE_BYTES];
                snprintf(why, why_size, "dir='%s' for '%s' is not a folder under -o: '%s' %s",
                         outpath_quote(qd, sizeof qd, dir, len), q, outpath_quote(qs, sizeof qs, p, n),
                         segment_words(f));
                return -EINVAL;
            }
            if (r->len > 0)
                rel_put(r, "/", 1);
            rel_put(r, p, n);
        }
        p += n + (slash != NULL);
    }
    return 0;
}

/* The words for a URL whose option lines went wrong. */
static void say_option_problem(const struct urllist_item *it, const char *q, char *why,
                               size_t why_size)
{
    char qn[QUOTE_BYTES];
    outpath_quote(qn, sizeof qn, it->opt_name, strlen(it->opt_name));
    switch (it->opt_problem) {
    case URLLIST_OPT_UNKNOWN:
        snprintf(why, why_size, "option '%s' on line %lu is not supported (only out= and dir=), "
                 "so '%s' is not fetched", qn, it->opt_line, q);
        break;
    case URLLIST_OPT_TWICE:
        snprintf(why, why_size, "option '%s' given again on line %lu, so '%s' is not fetched", qn,
                 it->opt_line, q);
        break;
    default:
        snprintf(why, why_size, "option line %lu is too long or holds a NUL byte, so '%s' is not "
                 "fetched", it->opt_line, q);
        break;
    }
}

int outpath_make(const struct outpath_opts *o, const struct urllist_item *it, struct nameset *seen,
                 struct outpath_dest *d, char *why, size_t why_size)
{
    char q[QUOTE_BYTES], name[URL_NAME_MAX + 1];
    const char *url = it->url;
    struct url u;
    size_t name_len = 0;
    int r;

    d->path[0] = '\0';
    d->rel = d->path;
    d->sub_len = 0;
    if (it->problem == URLLIST_P_STRAY_OPTION) {
        outpath_quote(q, sizeof q, it->url, it->url_len);
        snprintf(why, why_size, "option line '%s' does not follow a URL line", q);
        return -EINVAL;
    }
    if (it->problem == URLLIST_P_LATE_OPTION) {
        outpath_quote(q, sizeof q, it->url, it->url_len);
        snprintf(why, why_size, "option line '%s' came after its URL had started (on a pipe or a "
                 "terminal, send a URL line and its option lines together)", q);
        return -EINVAL;
    }
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
    if (it->opt_problem) {
        say_option_problem(it, q, why, why_size);
        return -EINVAL;
    }
    if (!o->dir)
        return OUTPATH_FETCH; /* --discard: nothing is saved, so no name is needed */

    /* The name: out= as written, or the URL's. */
    if (it->out) {
        char qn[QUOTE_BYTES];
        name_len = strlen(it->out);
        enum segment_fault f = segment_check(it->out, name_len);
        if (f != SEG_OK) {
            snprintf(why, why_size, "out='%s' for '%s' is not a safe file name: it %s",
                     outpath_quote(qn, sizeof qn, it->out, name_len), q, segment_words(f));
            return -EINVAL;
        }
        memcpy(name, it->out, name_len + 1);
    } else {
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
    }

    /* DIR/ then the folders under it (dir=, or -x's HOST/PATH), then the name. */
    size_t dir_len = strlen(o->dir);
    struct rel rp = { .buf = d->path, .size = sizeof d->path };
    rel_put(&rp, o->dir, dir_len);
    rel_put(&rp, "/", 1);
    size_t rel_off = rp.len;
    struct rel sub = { .buf = d->path + rel_off, .size = rp.overflow ? 0 : sizeof d->path - rel_off };
    if (it->dir)
        r = rel_option_dir(&sub, it->dir, q, why, why_size);
    else if (o->force_dirs)
        r = rel_force_dirs(&sub, &u, q, why, why_size);
    else
        r = 0;
    if (r < 0)
        return r;
    d->sub_len = sub.len;
    if (sub.len > 0)
        rel_put(&sub, "/", 1);
    rel_put(&sub, name, name_len);
    if (rp.overflow || sub.overflow || sub.len == 0) {
        snprintf(why, why_size, "output path too long for '%s'", q);
        d->path[0] = '\0';
        return -ENAMETOOLONG;
    }
    d->rel = d->path + rel_off;

    char key[KEY_BYTES];
    uint32_t first = 0;
    size_t key_len = same_url_key(&u, key);
    r = nameset_claim(seen, d->rel, sub.len, key, key_len, where_note(it), &first);
    switch (r) {
    case NAMESET_NEW:
        return OUTPATH_FETCH;
    case NAMESET_SAME_URL:
        say_repeat(why, why_size, first, q);
        return OUTPATH_REPEAT;
    case NAMESET_TAKEN: {
        char qn[QUOTE_BYTES];
        snprintf(why, why_size, "duplicate output name '%s' for '%s'",
                 outpath_quote(qn, sizeof qn, d->rel, sub.len), q);
        return -EEXIST;
    }
    default:
        snprintf(why, why_size, "out of memory for '%s'", q);
        return r;
    }
}
