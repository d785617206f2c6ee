/* ringfetch's http:// URLs: parsing, origin keys and the file name a URL
 * is saved under. Pure functions, no allocation, no I/O.
 *
 * Public because a front end judges its URLs before it hands them to the
 * engine: it refuses what cannot be fetched or saved safely, with words of
 * its own, and names each output file. The engine parses every job's URL
 * again with the same functions, so both agree. */
#ifndef RINGFETCH_URL_H
#define RINGFETCH_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define URL_HOST_MAX 256

struct url {
    char host[URL_HOST_MAX]; /* lower-cased; IPv6 literal without the brackets */
    uint16_t port;           /* 80 when the URL names none */
    bool ipv6_literal;       /* host was written [..] */
    const char *target;      /* request-target: path + query, never empty ("/" at least);
                                points into the parsed string or to a static "/". It
                                starts with '?' for "http://h?q" (no path): request_build
                                then sends "/?q" */
    size_t target_len;       /* fragment (#...) excluded */
    const char *path;        /* path only (no query), inside target */
    size_t path_len;
};

/* Parse an absolute http:// URL (scheme case-insensitive). Accepts
 * host names, IPv4 and [IPv6] literals, an optional :port (1..65535), and no
 * userinfo. Rejects: other schemes (-EPROTONOSUPPORT), empty or over-long
 * host, bad port, spaces or control characters anywhere (-EINVAL).
 * u->target/path point into s, which must outlive u. */
int url_parse(const char *s, struct url *u);

/* "host:port" (IPv6 as "[h]:port") into buf; returns length or -ENOSPC. */
int url_origin_key(const struct url *u, char *buf, size_t size);

/* Value for the Host header: host, bracketed if IPv6, ":port" unless 80.
 * Returns length or -ENOSPC. */
int url_host_header(const struct url *u, char *buf, size_t size);

/* The file name a URL is saved under: the last path segment,
 * percent-decoded. "index.html" when the path ends in '/' or is empty.
 * Returns length, or -EINVAL when the decoded name is ".", "..", contains
 * '/', '\\', NUL or a control character, or is longer than 255 bytes
 * (a name that would escape the destination directory is an error, never
 * silently rewritten). */
int url_output_name(const struct url *u, char *out, size_t size);

#endif
