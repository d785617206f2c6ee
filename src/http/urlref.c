/* RFC 3986 reference resolution (see urlref.h): split both into their five
 * components (appendix B's grammar), combine them (5.2.2), remove dot
 * segments (5.2.4) and put the result back together (5.3). */
#include "http/urlref.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

struct span {
    const char *p;
    size_t n;
    bool set; /* the component is defined (possibly empty) */
};

struct parts {
    struct span scheme, authority, path, query;
};

static bool scheme_char(char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

static void split(const char *s, size_t n, struct parts *o)
{
    memset(o, 0, sizeof *o);
    size_t i = 0;
    /* scheme: letters up to ':' before any '/', '?' or '#' */
    while (i < n && scheme_char(s[i], i == 0))
        i++;
    if (i > 0 && i < n && s[i] == ':') {
        o->scheme = (struct span){ s, i, true };
        s += i + 1;
        n -= i + 1;
    }
    i = 0;
    if (n >= 2 && s[0] == '/' && s[1] == '/') {
        i = 2;
        while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
            i++;
        o->authority = (struct span){ s + 2, i - 2, true };
        s += i;
        n -= i;
    }
    i = 0;
    while (i < n && s[i] != '?' && s[i] != '#')
        i++;
    o->path = (struct span){ s, i, true };
    s += i;
    n -= i;
    if (n > 0 && s[0] == '?') {
        i = 1;
        while (i < n && s[i] != '#')
            i++;
        o->query = (struct span){ s + 1, i - 1, true };
    }
}

struct out {
    char *p;
    size_t size, len;
    bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->full || n >= o->size - o->len) {
        o->full = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

/* The path being built, with dot segments removed as segments arrive
 * (5.2.4): "." is dropped, ".." drops the last output segment. in is the
 * merged path (up to two spans). */
static void remove_dots(struct out *o, size_t start, const char *a, size_t an, const char *b, size_t bn)
{
    char buf[2 * 4096 + 2];
    size_t n = 0;
    if (an + bn > sizeof buf) {
        o->full = true;
        return;
    }
    memcpy(buf, a, an);
    memcpy(buf + an, b, bn);
    n = an + bn;
    size_t i = 0;
    while (i < n) {
        /* A: leading "../" or "./" */
        if (n - i >= 3 && memcmp(buf + i, "../", 3) == 0) { i += 3; continue; }
        if (n - i >= 2 && memcmp(buf + i, "./", 2) == 0) { i += 2; continue; }
        /* B: "/./" or "/." at the end */
        if (n - i >= 3 && memcmp(buf + i, "/./", 3) == 0) { i += 2; continue; }
        if (n - i == 2 && memcmp(buf + i, "/.", 2) == 0) { buf[++i] = '/'; continue; }
        /* C: "/../" or "/.." at the end: drop the last output segment */
        bool dd_mid = n - i >= 4 && memcmp(buf + i, "/../", 4) == 0;
        bool dd_end = n - i == 3 && memcmp(buf + i, "/..", 3) == 0;
        if (dd_mid || dd_end) {
            while (o->len > start && o->p[o->len - 1] != '/')
                o->len--;
            if (o->len > start)
                o->len--;
            if (dd_mid) {
                i += 3;
            } else {
                i += 2;
                buf[i] = '/';
            }
            continue;
        }
        /* D: "." or ".." alone */
        if ((n - i == 1 && buf[i] == '.') || (n - i == 2 && memcmp(buf + i, "..", 2) == 0))
            break;
        /* E: move the first segment (with its leading '/') to the output */
        size_t j = buf[i] == '/' ? i + 1 : i;
        while (j < n && buf[j] != '/')
            j++;
        put(o, buf + i, j - i);
        i = j;
    }
}

int urlref_resolve(const char *base, const char *ref, size_t ref_len, char *out, size_t size)
{
    struct parts b, r;
    split(base, strlen(base), &b);
    split(ref, ref_len, &r);
    if (!b.scheme.set || size == 0)
        return -EINVAL;
    struct out o = { .p = out, .size = size };
    const struct parts *scheme_from = r.scheme.set ? &r : &b;
    put(&o, scheme_from->scheme.p, scheme_from->scheme.n);
    put(&o, ":", 1);
    const struct span *auth;
    const struct span *query;
    size_t path_start;
    if (r.scheme.set || r.authority.set) {
        auth = &r.authority;
        if (auth->set) {
            put(&o, "//", 2);
            put(&o, auth->p, auth->n);
        }
        path_start = o.len;
        remove_dots(&o, path_start, r.path.p, r.path.n, "", 0);
        query = &r.query;
    } else {
        auth = &b.authority;
        if (auth->set) {
            put(&o, "//", 2);
            put(&o, auth->p, auth->n);
        }
        path_start = o.len;
        if (r.path.n == 0) {
            put(&o, b.path.p, b.path.n);
            query = r.query.set ? &r.query : &b.query;
        } else if (r.path.p[0] == '/') {
            remove_dots(&o, path_start, r.path.p, r.path.n, "", 0);
            query = &r.query;
        } else {
            /* merge (5.2.3): the base path up to its last '/', then ref's */
            if (b.authority.set && b.path.n == 0) {
                remove_dots(&o, path_start, "/", 1, r.path.p, r.path.n);
            } else {
                size_t keep = b.path.n;
                while (keep > 0 && b.path.p[keep - 1] != '/')
                    keep--;
                remove_dots(&o, path_start, b.path.p, keep, r.path.p, r.path.n);
            }
            query = &r.query;
        }
    }
    if (query->set) {
        put(&o, "?", 1);
        put(&o, query->p, query->n);
    }
    if (o.full)
        return -ENOSPC;
    out[o.len] = '\0';
    return (int)o.len;
}
