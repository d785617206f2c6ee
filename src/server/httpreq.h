/* httpreq: incremental parsing of HTTP/1.x requests with llhttp, one request
 * at a time.
 *
 * Bytes are fed as they arrive. fs_req_feed stops right after a complete
 * request (llhttp is paused there), so pipelined requests stay in the
 * caller's buffer until the current one has been answered; fs_req_next then
 * readies the parser for the next. Limits: the whole request (line, headers,
 * any body) may not exceed FS_MAX_REQUEST_BYTES, the target FS_MAX_URL_BYTES. */
#ifndef RF_SERVER_HTTPREQ_H
#define RF_SERVER_HTTPREQ_H

#include <stdbool.h>
#include <stddef.h>

#include <llhttp.h>

#include "server/fs_tunables.h"

enum fs_method { FS_METHOD_GET, FS_METHOD_HEAD, FS_METHOD_OTHER };

/* Results of fs_req_feed. The errors carry the status to answer with. */
enum {
    FS_REQ_MORE = 0,          /* all bytes consumed, request not complete yet */
    FS_REQ_DONE = 1,          /* a request is complete; see the accessors */
    FS_REQ_BAD = -400,        /* malformed */
    FS_REQ_URI_TOO_LONG = -414,
    FS_REQ_TOO_LARGE = -431,
};

struct fs_req {
    llhttp_t parser;
    size_t bytes;                      /* of the current request so far */
    size_t url_len;
    bool url_overflow;
    bool done;
    bool keep_alive;                   /* captured at completion */
    char url[FS_MAX_URL_BYTES + 1];    /* NUL-terminated request target */
};

void fs_req_init(struct fs_req *r);

/* Feed up to len bytes; *used gets how many were consumed (less than len only
 * when a request completed). Once an error was returned, the connection must
 * be answered and closed: the parser does not recover. */
int fs_req_feed(struct fs_req *r, const char *data, size_t len, size_t *used);

/* After FS_REQ_DONE and the response: get ready for the next request. */
void fs_req_next(struct fs_req *r);

/* Accessors, valid after FS_REQ_DONE. */
enum fs_method fs_req_method(const struct fs_req *r);
const char *fs_req_method_name(const struct fs_req *r);
/* 0 for HTTP/1.0, 1 for HTTP/1.1. */
int fs_req_minor(const struct fs_req *r);
/* The client allows the connection to stay open (HTTP/1.1 without
 * `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`), and it
 * did not ask for an upgrade. */
bool fs_req_keep_alive(const struct fs_req *r);

/* Turn a request target into a file path: drops "http://host" and the query,
 * decodes %XX. Writes a NUL-terminated path beginning with '/' into out.
 * Returns its length, or -EINVAL for a target that is not a path, has a bad
 * or NUL escape, or a ".." segment; -ENAMETOOLONG if it does not fit. */
int fs_req_path(const char *target, char *out, size_t cap);

#endif
