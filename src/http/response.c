/* One HTTP/1.1 response on top of llhttp 8.1 (see response.h).
 *
 * How the pieces fit:
 * - The parser is HTTP_RESPONSE, llhttp's strict build (see the Makefile),
 *   no lenient flags.
 * - on_message_complete of the final response returns HPE_PAUSED, so
 *   llhttp_execute() stops exactly at the end of the message. llhttp 8.1 then
 *   sets error_pos to the first byte after the message (the pause node stores
 *   p, the position the next state would read), so the bytes the message used
 *   are error_pos - buf. We never resume: the parser is done.
 * - Errors from our callbacks are returned to llhttp as HPE_USER (or -1 for
 *   the non-data callbacks, which llhttp turns into HPE_CB_*); the code we
 *   want to report is kept in r->error, which always wins over llhttp's.
 * - The header size limit is enforced twice: the span callbacks count the
 *   section as they see it (status + names + values + per-line overhead),
 *   which catches one huge buffer early; each span also checks its end's
 *   offset from the response's first byte, and resp_feed checks the raw
 *   byte count while still in the headers: together they catch what no
 *   callback sees (long runs of whitespace, leading CRLFs) wherever the
 *   buffers happen to be cut.
 *
 * The struct must not be moved after resp_init: llhttp keeps pointers to
 * r->settings and r (parser.data).
 */
#include "http/response.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ringfetch/engine.h"
#include "http/http_tunables.h"

/* Per-line overhead the span callbacks do not see, for a normally formatted
 * section: "HTTP/" SP 3DIGIT SP ... CRLF on the status line, ": " and CRLF
 * on each field line, and the CRLF that ends the section. */
#define RESP_STATUS_LINE_OVERHEAD 12u
#define RESP_FIELD_LINE_OVERHEAD  4u
#define RESP_SECTION_END_OVERHEAD 2u

static struct resp *resp_of(llhttp_t *p)
{
    return p->data;
}

/* Record a failure; the first one wins. Returns what llhttp wants to see
 * from a data callback to stop. */
static int resp_fail(struct resp *r, int err, const char *reason)
{
    if (r->error == 0) {
        r->error = err;
        r->reason = reason;
    }
    return HPE_USER;
}

static int resp_count(struct resp *r, size_t n)
{
    /* Saturate rather than wrap: the field is 32 bits, a hostile trailer is not. */
    if (n > RF_MAX_HEADER_BYTES || r->header_bytes + n > RF_MAX_HEADER_BYTES) {
        r->header_bytes = RF_MAX_HEADER_BYTES + 1;
        return resp_fail(r, RF_E_TOO_LARGE, "response header section too large");
    }
    r->header_bytes += (uint32_t)n;
    return 0;
}

static int resp_on_message_begin(llhttp_t *p)
{
    struct resp *r = resp_of(p);
    /* Only the final response's fields count: forget an interim one's. */
    r->kept_len = 0;
    memset(r->kept_n, 0, sizeof r->kept_n);
    memset(r->kept_over, 0, sizeof r->kept_over);
    r->cur_hdr = -1;
    return resp_count(r, RESP_STATUS_LINE_OVERHEAD) ? -1 : 0;
}

static int resp_on_span(llhttp_t *p, const char *at, size_t len)
{
    struct resp *r = resp_of(p);
    /* Where this span ends, counted from the response's first byte: catches
     * what the per-span count cannot see (leading empty lines, whitespace),
     * whatever the buffer boundaries. */
    if (r->fed_before + (uint64_t)(at + len - r->cur_buf) > RF_MAX_HEADER_BYTES)
        return resp_fail(r, RF_E_TOO_LARGE, "response header section too large");
    return resp_count(r, len);
}

static int resp_on_header_field(llhttp_t *p, const char *at, size_t len)
{
    struct resp *r = resp_of(p);
    /* Keep the name (lower-cased) only as far as we need to recognise it. */
    for (size_t i = 0; i < len && r->field_len <= RESP_FIELD_NAME_MAX; i++) {
        if (r->field_len < RESP_FIELD_NAME_MAX) {
            char c = at[i];
            r->field[r->field_len] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        r->field_len++;
    }
    return resp_on_span(p, at, len);
}

static const char *const resp_hdr_names[RESP_H_COUNT] = {
    [RESP_H_LOCATION] = "location",
    [RESP_H_RETRY_AFTER] = "retry-after",
    [RESP_H_ETAG] = "etag",
    [RESP_H_LAST_MODIFIED] = "last-modified",
    [RESP_H_CONTENT_RANGE] = "content-range",
};

static bool resp_field_is(const struct resp *r, const char *name)
{
    size_t n = strlen(name);
    return r->field_len == n && memcmp(r->field, name, n) == 0;
}

/* Which kept field (if any) this header line is. */
static void resp_pick_kept(struct resp *r)
{
    r->cur_hdr = -1;
    if (!r->want)
        return;
    for (int h = 0; h < RESP_H_COUNT; h++)
        if ((r->want & (1u << h)) && r->kept_n[h] == 0 && !r->kept_over[h] &&
            resp_field_is(r, resp_hdr_names[h])) {
            r->cur_hdr = (int8_t)h;
            r->kept_off[h] = r->kept_len;
            return;
        }
}

static int resp_keep(struct resp *r, const char *at, size_t len)
{
    int h = r->cur_hdr;
    size_t limit = h == RESP_H_LOCATION ? RESP_LOCATION_MAX : RESP_VALUE_MAX;
    size_t have = r->kept_len - r->kept_off[h];
    if (r->kept_over[h])
        return 0;
    if (have + len > limit) {
        r->kept_over[h] = true;
        r->kept_len = r->kept_off[h];
        return 0;
    }
    if (r->kept_len + len > r->kept_cap) {
        uint32_t cap = r->kept_cap ? r->kept_cap : 256;
        while (cap < r->kept_len + len)
            cap *= 2;
        char *k = realloc(r->kept, cap);
        if (!k)
            return -ENOMEM;
        r->kept = k;
        r->kept_cap = cap;
    }
    memcpy(r->kept + r->kept_len, at, len);
    r->kept_len += (uint32_t)len;
    return 0;
}

static int resp_on_header_field_complete(llhttp_t *p)
{
    struct resp *r = resp_of(p);
    r->in_te = resp_field_is(r, "transfer-encoding");
    resp_pick_kept(r);
    r->field_len = 0;
    r->te_token_len = 0;
    r->te_in_params = false;
    return resp_count(r, RESP_FIELD_LINE_OVERHEAD) ? -1 : 0;
}

/* One coding of a Transfer-Encoding value has been read: anything but
 * chunked is refused (see resp_feed in response.h). */
static int resp_te_token_end(struct resp *r)
{
    static const char chunked[] = "chunked";
    size_t n = r->te_token_len;
    if (n == 0)
        return 0;
    r->te_token_len = 0;
    if (n == sizeof chunked - 1 && memcmp(r->te_token, chunked, n) == 0)
        return 0;
    if (n >= RESP_CODING_MAX)
        n = RESP_CODING_MAX - 1;
    memcpy(r->bad_coding, r->te_token, n);
    r->bad_coding[n] = '\0';
    return resp_fail(r, RF_E_CODING, "unsupported transfer coding");
}

static int resp_on_header_value(llhttp_t *p, const char *at, size_t len)
{
    struct resp *r = resp_of(p);
    if (r->cur_hdr >= 0 && resp_keep(r, at, len) < 0)
        return resp_fail(r, -ENOMEM, "out of memory keeping a header");
    if (r->in_te && r->error == 0) {
        /* Split the value into its codings: "gzip, chunked", "chunked;q=1"
         * (a coding's parameters, after ';', are skipped to the next ','). */
        for (size_t i = 0; i < len; i++) {
            char c = at[i];
            if (c == ',') {
                r->te_in_params = false;
                if (resp_te_token_end(r))
                    return HPE_USER;
            } else if (r->te_in_params) {
                continue;
            } else if (c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                r->te_in_params = c == ';';
                if (resp_te_token_end(r))
                    return HPE_USER;
            } else if (r->te_token_len < RESP_CODING_MAX) {
                r->te_token[r->te_token_len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
        }
    }
    return resp_on_span(p, at, len);
}

static int resp_on_header_value_complete(llhttp_t *p)
{
    struct resp *r = resp_of(p);
    if (r->cur_hdr >= 0) {
        int h = r->cur_hdr;
        /* An empty value counts as absent; an over-long one as present. */
        r->kept_n[h] = r->kept_over[h] ? 1 : r->kept_len - r->kept_off[h];
        r->cur_hdr = -1;
    }
    if (r->in_te && resp_te_token_end(r))
        return -1;
    r->in_te = false;
    return 0;
}

static bool resp_status_has_no_body(int status)
{
    /* RFC 9112 6.3: 1xx, 204 and 304 end at the empty line whatever
     * Content-Length says (llhttp 8.1 would read a body for them). */
    return status / 100 == 1 || status == 204 || status == 304;
}

static int resp_on_headers_complete(llhttp_t *p)
{
    struct resp *r = resp_of(p);
    int status = llhttp_get_status_code(p);

    if (resp_count(r, RESP_SECTION_END_OVERHEAD))
        return -1;
    if (status == 101) {
        resp_fail(r, RF_E_PROTOCOL, "unexpected 101 Switching Protocols");
        return -1;
    }
    if (status / 100 == 1) {
        /* Interim response (100 Continue, 103 Early Hints): skip its (absent)
         * body; llhttp completes it and parses the next message from the same
         * buffer. Nothing of it is recorded. */
        return 1;
    }

    r->status = status;
    r->http_major = llhttp_get_http_major(p);
    r->http_minor = llhttp_get_http_minor(p);
    r->has_content_length = (p->flags & F_CONTENT_LENGTH) != 0;
    r->content_length = r->has_content_length ? p->content_length : 0;
    r->chunked = (p->flags & F_CHUNKED) != 0;
    r->state = RESP_BODY;

    if (r->on_headers) {
        int err = r->on_headers(r->ctx, r);
        if (err < 0) {
            resp_fail(r, err, "response rejected by the headers callback");
            return -1;
        }
    }
    return resp_status_has_no_body(status) ? 1 : 0;
}

static int resp_on_body(llhttp_t *p, const char *at, size_t len)
{
    struct resp *r = resp_of(p);

    r->body_bytes += len;
    if (r->on_body) {
        int err = r->on_body(r->ctx, at, len);
        if (err < 0)
            return resp_fail(r, err, "body rejected by the body callback");
    }
    return 0;
}

static int resp_on_message_complete(llhttp_t *p)
{
    struct resp *r = resp_of(p);

    if (r->state != RESP_BODY)
        return 0; /* an interim 1xx: go on with the next message */
    /* Must be asked here: llhttp clears the flags right after this callback. */
    r->keep_alive = llhttp_should_keep_alive(p) != 0;
    r->state = RESP_COMPLETE;
    return HPE_PAUSED;
}

void resp_init(struct resp *r, void *ctx, resp_headers_fn on_headers, resp_body_fn on_body)
{
    memset(r, 0, sizeof(*r));
    r->cur_hdr = -1;
    llhttp_settings_init(&r->settings);
    r->settings.on_message_begin = resp_on_message_begin;
    r->settings.on_version = resp_on_span;
    r->settings.on_status = resp_on_span;
    r->settings.on_header_field = resp_on_header_field;
    r->settings.on_header_value = resp_on_header_value;
    r->settings.on_header_field_complete = resp_on_header_field_complete;
    r->settings.on_header_value_complete = resp_on_header_value_complete;
    r->settings.on_headers_complete = resp_on_headers_complete;
    r->settings.on_body = resp_on_body;
    r->settings.on_message_complete = resp_on_message_complete;
    llhttp_init(&r->parser, HTTP_RESPONSE, &r->settings);
    r->parser.data = r;
    r->state = RESP_HEADERS;
    r->ctx = ctx;
    r->on_headers = on_headers;
    r->on_body = on_body;
}

void resp_free(struct resp *r)
{
    free(r->kept);
    r->kept = NULL;
    r->kept_cap = r->kept_len = 0;
}

void resp_want(struct resp *r, unsigned mask)
{
    r->want = mask;
}

const char *resp_header(const struct resp *r, enum resp_hdr h, size_t *len, bool *too_long)
{
    *len = 0;
    if (too_long)
        *too_long = r->kept_over[h];
    if (r->kept_over[h])
        return r->kept_n[h] ? "" : NULL;
    if (r->kept_n[h] == 0)
        return NULL;
    const char *v = r->kept + r->kept_off[h];
    size_t n = r->kept_n[h];
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    *len = n;
    return v;
}

static enum resp_rc resp_set_failed(struct resp *r, int err, const char *reason)
{
    resp_fail(r, err, reason);
    r->state = RESP_FAILED;
    return RESP_ERROR;
}

enum resp_rc resp_feed(struct resp *r, const char *buf, size_t len, size_t *used)
{
    llhttp_errno_t e;

    *used = 0;
    if (r->state == RESP_COMPLETE)
        return RESP_DONE;
    if (r->state == RESP_FAILED)
        return RESP_ERROR;
    if (len == 0)
        return RESP_MORE;

    r->fed_before = r->bytes_fed;
    r->cur_buf = buf;
    r->bytes_fed += len;
    e = llhttp_execute(&r->parser, buf, len);
    if (r->error != 0)
        return resp_set_failed(r, r->error, r->reason);

    if (e == HPE_PAUSED && r->state == RESP_COMPLETE) {
        const char *end = llhttp_get_error_pos(&r->parser);
        *used = (size_t)(end - buf);
        return RESP_DONE;
    }
    if (e != HPE_OK) {
        /* llhttp's reasons are string literals inside llhttp: static. */
        const char *why = llhttp_get_error_reason(&r->parser);
        return resp_set_failed(r, RF_E_PROTOCOL, why ? why : llhttp_errno_name(e));
    }

    /* All of buf was consumed. If we are still in the headers, every byte fed
     * so far was header bytes (of this or an interim section). */
    if (r->state == RESP_HEADERS && r->bytes_fed > RF_MAX_HEADER_BYTES)
        return resp_set_failed(r, RF_E_TOO_LARGE, "response header section too large");
    *used = len;
    return RESP_MORE;
}

uint64_t resp_body_left(const struct resp *r)
{
    if (r->state != RESP_BODY || !r->has_content_length || r->chunked || r->body_bytes >= r->content_length)
        return 0;
    return r->content_length - r->body_bytes;
}

enum resp_rc resp_skip(struct resp *r, uint64_t n)
{
    uint64_t left = resp_body_left(r);
    if (n > left)
        return resp_set_failed(r, RF_E_PROTOCOL, "more body bytes taken than the response has");
    r->body_bytes += n;
    r->bytes_fed += n;
    if (n < left)
        return RESP_MORE;
    /* The parser never saw these bytes, so it will not call
     * on_message_complete: do what it does. Its flags are still those of
     * this message's headers. */
    r->keep_alive = llhttp_should_keep_alive(&r->parser) != 0;
    r->state = RESP_COMPLETE;
    return RESP_DONE;
}

enum resp_rc resp_eof(struct resp *r)
{
    switch (r->state) {
    case RESP_COMPLETE:
        return RESP_DONE;
    case RESP_FAILED:
        return RESP_ERROR;
    case RESP_HEADERS:
        if (r->bytes_fed == 0)
            return resp_set_failed(r, RF_E_EMPTY_REPLY, "connection closed without a response");
        return resp_set_failed(r, RF_E_TRUNCATED, "connection closed in the response headers");
    case RESP_BODY:
        break;
    }

    if (!llhttp_message_needs_eof(&r->parser))
        return resp_set_failed(r, RF_E_TRUNCATED, "connection closed before the body was complete");

    /* The body runs to EOF: llhttp_finish() fires on_message_complete, which
     * marks us complete (and returns HPE_PAUSED, which finish passes on). */
    llhttp_errno_t e = llhttp_finish(&r->parser);
    if (r->error != 0)
        return resp_set_failed(r, r->error, r->reason);
    if (e != HPE_OK && e != HPE_PAUSED)
        return resp_set_failed(r, RF_E_TRUNCATED, llhttp_get_error_reason(&r->parser));
    if (r->state != RESP_COMPLETE) {
        /* finish was "safe" without a callback: nothing more to wait for. */
        r->keep_alive = false;
        r->state = RESP_COMPLETE;
    }
    return RESP_DONE;
}
