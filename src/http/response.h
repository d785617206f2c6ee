/* One HTTP/1.1 response, parsed incrementally with llhttp.
 *
 * The connection feeds every received buffer as it arrives; body spans are
 * handed to on_body as pointers into that buffer (no copy). The parser stops
 * at the end of the message, so bytes after it are reported back as surplus
 * instead of being parsed as a second response (which must never reach any
 * file). 1xx interim responses (100 Continue, 103 Early Hints) are skipped;
 * 101 is an error since we never ask to upgrade.
 *
 * A struct resp must not be moved or copied after resp_init(): llhttp keeps
 * pointers to its settings and to the struct itself.
 */
#ifndef RF_RESPONSE_H
#define RF_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <llhttp.h>

enum resp_state { RESP_HEADERS, RESP_BODY, RESP_COMPLETE, RESP_FAILED };

/* What resp_feed and resp_eof say. */
enum resp_rc {
    RESP_MORE,  /* need more bytes */
    RESP_DONE,  /* the message is complete */
    RESP_ERROR, /* the response failed: r->error (a negative enum rf_err from
                   ringfetch/engine.h, or the negative errno a callback
                   returned) and r->reason say why */
};

/* Longest transfer-coding name kept for the error message. */
#define RESP_CODING_MAX 32
/* Longest header field name we need to recognise ("transfer-encoding"). */
#define RESP_FIELD_NAME_MAX 24
/* Longest kept values (resp_want): a Location is a URL; the others are
 * dates, entity tags and byte ranges. */
#define RESP_LOCATION_MAX 4096
#define RESP_VALUE_MAX 256

/* Header fields a caller may ask the parser to keep (resp_want), for the
 * policy (where a redirect goes, when to retry) and for resuming. */
enum resp_hdr {
    RESP_H_LOCATION,
    RESP_H_RETRY_AFTER,
    RESP_H_ETAG,
    RESP_H_LAST_MODIFIED,
    RESP_H_CONTENT_RANGE,
    RESP_H_COUNT,
};

struct resp;
/* Called once when the final (non-1xx) header section is complete. Return 0
 * to go on or a negative error to fail the response with it. */
typedef int (*resp_headers_fn)(void *ctx, const struct resp *r);
/* Called for each body span, in order; at points into the fed buffer. Return
 * 0 or a negative error to fail the response with it. */
typedef int (*resp_body_fn)(void *ctx, const char *at, size_t len);

struct resp {
    llhttp_t parser;         /* private */
    llhttp_settings_t settings; /* private */
    enum resp_state state;
    int status;              /* valid from on_headers on */
    int http_major, http_minor;
    bool has_content_length;
    uint64_t content_length; /* valid when has_content_length */
    bool chunked;
    bool keep_alive;         /* valid at RESP_DONE: the connection may be reused */
    uint64_t body_bytes;     /* body bytes passed to on_body so far */
    uint64_t bytes_fed;      /* all bytes fed so far */
    uint32_t header_bytes;   /* size of the header section(s) seen so far */
    int error;               /* at RESP_FAILED: the negative code */
    const char *reason;      /* at RESP_FAILED: words for the error (llhttp's reason,
                                or a static string of ours); NULL otherwise */
    char bad_coding[RESP_CODING_MAX]; /* at RF_E_CODING: the transfer coding refused */
    uint64_t fed_before;     /* private: bytes fed before the current buffer */
    char field[RESP_FIELD_NAME_MAX]; /* private: the header name being read, lower-cased */
    uint8_t field_len;       /* private; RESP_FIELD_NAME_MAX + 1 when too long to matter */
    bool in_te;              /* private: the value being read is Transfer-Encoding's */
    char te_token[RESP_CODING_MAX]; /* private: the coding being read in that value */
    uint8_t te_token_len;
    bool te_in_params;       /* private: past a ';' in that value */
    const char *cur_buf;     /* private: the buffer being fed */
    unsigned want;           /* private: 1 << enum resp_hdr of the fields to keep */
    int8_t cur_hdr;          /* private: the kept field being read, or -1 */
    char *kept;              /* private: the kept values, one after another (malloc'd) */
    uint32_t kept_len, kept_cap;
    uint32_t kept_off[RESP_H_COUNT], kept_n[RESP_H_COUNT]; /* private: where each is; n 0 = absent */
    bool kept_over[RESP_H_COUNT]; /* private: longer than its limit */
    void *ctx;
    resp_headers_fn on_headers;
    resp_body_fn on_body;
};

/* Prepare r for a new response to a GET. */
void resp_init(struct resp *r, void *ctx, resp_headers_fn on_headers, resp_body_fn on_body);
/* Free what the parser keeps (resp_want's values). resp_init starts from
 * nothing, so call this before initialising r again. */
void resp_free(struct resp *r);
/* Keep the values of these fields (a mask of 1 << enum resp_hdr) of the
 * final response, for resp_header. Call after resp_init, before feeding. */
void resp_want(struct resp *r, unsigned mask);
/* A kept field's value (not NUL-terminated; surrounding blanks trimmed),
 * or NULL when the response had none. The first occurrence counts. A value
 * longer than the field's limit (RESP_LOCATION_MAX for Location, else
 * RESP_VALUE_MAX) is reported as present with *too_long set and no bytes.
 * Valid until resp_free or the next resp_init. */
const char *resp_header(const struct resp *r, enum resp_hdr h, size_t *len, bool *too_long);

/* Feed len bytes. Returns RESP_MORE when all were consumed and the message
 * is not complete, RESP_DONE when the message completed (*used = bytes of
 * buf that belonged to it; the rest is surplus the caller must not treat as
 * part of this response), or RESP_ERROR with r->error: RF_E_PROTOCOL
 * (r->reason says why), RF_E_TOO_LARGE (headers over RF_MAX_HEADER_BYTES),
 * RF_E_CODING (a transfer coding other than chunked, named in
 * r->bad_coding: we never ask for one, see below), or what a callback
 * returned. After RESP_DONE or RESP_ERROR, further calls return the same
 * result without parsing.
 *
 * Transfer codings: we send no TE header, so a server may only use chunked
 * (RFC 9112 6.1); a body in any other coding (gzip, deflate, ...) would be
 * saved still encoded, so it is refused with the coding's name rather than
 * decoded behind the user's back. */
enum resp_rc resp_feed(struct resp *r, const char *buf, size_t len, size_t *used);

/* How many body bytes of a Content-Length body are still to come (0 when
 * the body is not one: headers not in yet, chunked, delimited by the close,
 * or over). */
uint64_t resp_body_left(const struct resp *r);

/* n more body bytes were taken from the stream by the caller without
 * passing through the parser (spliced into a file): n <= resp_body_left.
 * Returns RESP_MORE, or RESP_DONE when that was the end of the body (the
 * message is complete, keep_alive set, as if the bytes had been fed). */
enum resp_rc resp_skip(struct resp *r, uint64_t n);

/* The peer closed the connection. Returns RESP_DONE when the body was
 * delimited by the close and is complete (or the message was already
 * complete), else RESP_ERROR with r->error RF_E_EMPTY_REPLY when no byte
 * was ever fed, or RF_E_TRUNCATED when the message was cut short (headers
 * or body incomplete; r->reason says which). */
enum resp_rc resp_eof(struct resp *r);

#endif
