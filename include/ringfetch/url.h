/* ringfetch's http:// and https:// URLs: parsing, the request-target that goes on the
 * wire, origin keys, and the file name a URL is saved under. Pure
 * functions, no allocation, no I/O.
 *
 * Public because a front end judges its URLs before it hands them to the
 * engine: it refuses what cannot be fetched or saved safely, with words of
 * its own, and names each output file. The engine parses every job's URL
 * again with the same functions, so both agree.
 *
 * What a URL may hold (README, "URLs"):
 * - scheme http or https (any case; https: default port 443, struct url.tls); others
 *   are refused with their own code;
 * - userinfo "user[:password]@": sent as Basic authorization, never printed
 *   (url_password_span finds the part to hide);
 * - host: a name (letters, digits, '-', '.', '_'), IPv4 or [IPv6]; port 1..65535;
 * - path and query: any byte but C0 controls and DEL. Spaces, non-ASCII and
 *   other bytes a request-target may not hold are percent-encoded when sent,
 *   existing %XX escapes are kept, and dot segments are removed (RFC 3986
 *   5.2.4) — see url_write_target. A space in the authority is an error. */
#ifndef RINGFETCH_URL_H
#define RINGFETCH_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define URL_HOST_MAX 256
/* NAME_MAX of Linux file systems (ext4, xfs, btrfs, tmpfs): the longest
 * output name url_output_name gives. */
#define URL_NAME_MAX 255

struct url {
    char host[URL_HOST_MAX]; /* lower-cased; IPv6 literal without the brackets */
    uint16_t port;           /* 80 (443 for https) when the URL names none */
    bool tls;                /* https:// */
    bool ipv6_literal;       /* host was written [..] */
    const char *user;        /* userinfo before its first ':', as written (percent-encoded,
                                may be empty); NULL when the URL has no '@' before the host */
    size_t user_len;
    const char *password;    /* userinfo after its first ':', as written; NULL when none */
    size_t password_len;
    const char *target;      /* request-target as written: path + query, never empty ("/"
                                at least); points into the parsed string or to a static
                                "/". It starts with '?' for "http://h?q" (no path).
                                What is sent is url_write_target's form of it. */
    size_t target_len;       /* fragment (#...) excluded */
    const char *path;        /* path only (no query), inside target */
    size_t path_len;
};

/* Why url_parse refused a string: negative, outside the errno range (like
 * enum rf_err), one code per reason so that a front end can say which. */
enum url_status {
    URL_OK = 0,
    URL_E_NOT_URL = -4101,        /* no "scheme:" at the start */
    URL_E_HTTPS = -4102,          /* no longer returned: https:// is parsed (kept so the
                                     codes keep their values) */
    URL_E_SCHEME = -4103,         /* another scheme (ftp:, htp:, ...) */
    URL_E_NO_SLASHES = -4104,     /* "http:" not followed by "//" */
    URL_E_CONTROL = -4105,        /* a control character (C0 or DEL) anywhere */
    URL_E_AUTHORITY_SPACE = -4106,/* a space between "//" and the path */
    URL_E_EMPTY_HOST = -4107,
    URL_E_HOST_TOO_LONG = -4108,  /* URL_HOST_MAX bytes or more */
    URL_E_HOST_CHAR = -4109,      /* a byte host names do not have (IDNA is not done) */
    URL_E_IPV6_UNCLOSED = -4110,  /* '[' without ']' */
    URL_E_IPV6 = -4111,           /* [..] does not hold an IPv6 address (zone ids included) */
    URL_E_AFTER_IPV6 = -4112,     /* something other than ":port" after ']' */
    URL_E_EMPTY_PORT = -4113,     /* ':' and no digits */
    URL_E_PORT_NOT_NUMBER = -4114,
    URL_E_PORT_RANGE = -4115,     /* 0, or over 65535 */
    URL_E_AT_TWICE = -4116,       /* two '@' before the host ('@' in a password is %40) */
    URL_E_EMPTY_USERINFO = -4117, /* "http://@host" */
    URL_E_USER_COLON = -4118,     /* the user name holds ':' once decoded (RFC 7617) */
    URL_E_USERINFO_CONTROL = -4119, /* user name or password holds a control byte once decoded */
};

/* Parse an absolute http:// or https:// URL. Returns URL_OK or an enum url_status.
 * u->user/password/target/path point into s, which must outlive u. */
int url_parse(const char *s, struct url *u);

/* The request-target to send into buf (no NUL): the path with its dot
 * segments removed (RFC 3986 5.2.4; "%2e" counts as '.', as browsers do),
 * then the query; "/" first when the URL has no path. Bytes RFC 3986 allows
 * in a path or query are kept as written (a valid %XX escape too), every
 * other byte (space, non-ASCII, '"', '<', '\\', a '%' not followed by two
 * hex digits, ...) becomes %XX. Returns the length, or -ENOSPC when it does
 * not fit — also when the path as written, encoded, does not, even if its
 * ".." segments would shorten it. */
int url_write_target(const struct url *u, char *buf, size_t size);

/* Percent-decode len bytes of s into out (room for len bytes; not
 * NUL-terminated). A '%' not followed by two hex digits is kept as it is.
 * Returns the decoded length. */
size_t url_decode(const char *s, size_t len, char *out);

/* Where the password of s is, for a message that must hide it: s need not
 * parse (a refused URL is echoed too). The password is what follows the
 * first ':' of the userinfo, up to the last '@' before the host. Returns
 * true and sets *start, *len (len may be 0) when s has one. */
bool url_password_span(const char *s, size_t *start, size_t *len);

/* The origin's key into buf: "host:port" (IPv6 as "[h]:port") for http,
 * "https://host:port" for https, so that the two schemes on one host and
 * port are different origins (different connections, a TLS session cache
 * for one only). Returns length or -ENOSPC. */
int url_origin_key(const struct url *u, char *buf, size_t size);

/* Value for the Host header: host, bracketed if IPv6, ":port" unless it is
 * the scheme's default (80, or 443 for https).
 * Returns length or -ENOSPC. */
int url_host_header(const struct url *u, char *buf, size_t size);

/* The file name a URL is saved under: the last segment of the path that is
 * requested (url_write_target's), percent-decoded; "index.html" when that
 * path ends in '/' (a trailing "." or ".." segment does, once removed).
 * *decoded_len (may be NULL) gets the decoded name's length whenever the
 * name is safe, also when it is too long. Returns the length, or
 *   -EINVAL        the decoded name holds '/', '\\', NUL or a control
 *                  character (a name that would escape the destination
 *                  directory is an error, never silently rewritten);
 *   -ENAMETOOLONG  it is over URL_NAME_MAX bytes;
 *   -ENOSPC        out is too small for it. */
int url_output_name(const struct url *u, char *out, size_t size, size_t *decoded_len);

#endif
