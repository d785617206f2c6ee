/* reply: the bytes of flagserver's response heads and error pages. */
#ifndef RF_SERVER_REPLY_H
#define RF_SERVER_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any head or error page built here. */
#define FS_REPLY_MAX_BYTES 1024

/* Reason phrase of a status ("Not Found"); "Error" for one we do not name. */
const char *fs_reply_reason(int status);

/* Status line and headers, ending with the blank line. http10 selects the
 * "HTTP/1.0" status line. extra is NULL or more header lines, each ending in
 * CRLF. content_length < 0 omits Content-Length (chunked replies).
 * Returns the length, or -ENOSPC. */
int fs_reply_head(char *buf, size_t cap, bool http10, int status, const char *content_type,
                  int64_t content_length, bool keep_alive, const char *extra);

/* A whole error response: head plus a small HTML page naming the status
 * (the page is left out, but still counted in Content-Length, for HEAD).
 * Returns the length, or -ENOSPC. */
int fs_reply_error(char *buf, size_t cap, bool http10, int status, bool keep_alive, bool with_body);

#endif
