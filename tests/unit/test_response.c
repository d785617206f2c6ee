/* response.c: llhttp glue — framing, interim responses, limits, surplus,
 * callback errors and EOF handling. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/response.h"
#include "ringfetch/engine.h"
#include "http/http_tunables.h"
#include "engine/tunables.h"

struct sink {
    char body[4096];
    size_t len;
    unsigned spans;
    unsigned headers_calls;
    int headers_status;
    int body_err;      /* returned by on_body when non-zero */
    int headers_err;   /* returned by on_headers when non-zero */
};

static int sink_headers(void *ctx, const struct resp *r)
{
    struct sink *s = ctx;
    s->headers_calls++;
    s->headers_status = r->status;
    return s->headers_err;
}

static int sink_body(void *ctx, const char *at, size_t len)
{
    struct sink *s = ctx;
    if (s->body_err)
        return s->body_err;
    assert_true(s->len + len <= sizeof(s->body));
    memcpy(s->body + s->len, at, len);
    s->len += len;
    s->spans++;
    return 0;
}

static void start(struct resp *r, struct sink *s)
{
    memset(s, 0, sizeof(*s));
    resp_init(r, s, sink_headers, sink_body);
}

/* resp_feed and resp_eof as one code: RESP_MORE, RESP_DONE, or the
 * negative error when they said RESP_ERROR. */
static int feed_code(struct resp *r, const char *buf, size_t len, size_t *used)
{
    enum resp_rc rc = resp_feed(r, buf, len, used);
    return rc == RESP_ERROR ? r->error : (int)rc;
}

static int eof_code(struct resp *r)
{
    enum resp_rc rc = resp_eof(r);
    return rc == RESP_ERROR ? r->error : (int)rc;
}

/* Feed str in pieces of step bytes; returns the first non-MORE result (or
 * MORE; errors as their negative code) and the offset where the message
 * ended in *end. */
static int feed_steps(struct resp *r, const char *str, size_t n, size_t step, size_t *end)
{
    size_t off = 0;
    *end = 0;
    while (off < n) {
        size_t k = n - off < step ? n - off : step, used = 0;
        int rc = feed_code(r, str + off, k, &used);
        if (rc != RESP_MORE) {
            *end = off + used;
            return rc;
        }
        assert_int_equal(used, k);
        off += k;
    }
    *end = off;
    return RESP_MORE;
}

static int feed_all(struct resp *r, const char *str, size_t *end)
{
    return feed_steps(r, str, strlen(str), strlen(str) ? strlen(str) : 1, end);
}

/* ---- framing ---- */

static void test_content_length_response_completes_with_body(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, in, &end), RESP_DONE);
    assert_int_equal(end, strlen(in));
    assert_int_equal(r.state, RESP_COMPLETE);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.http_major, 1);
    assert_int_equal(r.http_minor, 1);
    assert_true(r.has_content_length);
    assert_int_equal(r.content_length, 5);
    assert_false(r.chunked);
    assert_true(r.keep_alive);
    assert_int_equal(r.body_bytes, 5);
    assert_int_equal(s.len, 5);
    assert_memory_equal(s.body, "hello", 5);
    assert_int_equal(s.headers_calls, 1);
    assert_null(r.reason);
    assert_int_equal(r.error, 0);
}

static void test_content_length_response_fed_bytewise_completes_on_last_byte(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_steps(&r, in, strlen(in), 1, &end), RESP_DONE);
    assert_int_equal(end, strlen(in));
    assert_memory_equal(s.body, "hello", 5);
}

static void test_surplus_after_content_length_response_is_reported_via_used(void **state)
{
    (void)state;
    static const char in[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nX";
    const size_t first = strlen("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
    struct resp r;
    struct sink s;
    size_t used;

    start(&r, &s);
    assert_int_equal(feed_code(&r, in, strlen(in), &used), RESP_DONE);
    assert_int_equal(used, first);
    /* The second response never reached on_body. */
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.body, "abc", 3);

    /* The surplus is a complete response of its own. */
    start(&r, &s);
    size_t used2;
    assert_int_equal(feed_code(&r, in + used, strlen(in) - used, &used2), RESP_DONE);
    assert_int_equal(used + used2, strlen(in));
    assert_int_equal(s.len, 1);
    assert_int_equal(s.body[0], 'X');
}

static void test_chunked_body_arrives_as_spans_without_framing(void **state)
{
    (void)state;
    static const char in[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\nSURPLUS";
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, in, &end), RESP_DONE);
    assert_int_equal(end, strlen(in) - strlen("SURPLUS"));
    assert_true(r.chunked);
    assert_false(r.has_content_length);
    assert_int_equal(s.spans, 2);
    assert_int_equal(s.len, 12);
    assert_memory_equal(s.body, "hello, world", 12);
    assert_int_equal(r.body_bytes, 12);
    assert_true(r.keep_alive);
}

static void test_chunked_body_fed_bytewise_gives_same_body(void **state)
{
    (void)state;
    static const char in[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_steps(&r, in, strlen(in), 1, &end), RESP_DONE);
    assert_int_equal(end, strlen(in));
    assert_int_equal(s.len, 12);
    assert_memory_equal(s.body, "hello, world", 12);
    assert_int_equal(s.spans, 12); /* one span per byte fed */
}

static void test_body_to_eof_completes_at_eof_without_keep_alive(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 200 OK\r\n\r\nall of it";
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, in, &end), RESP_MORE);
    assert_int_equal(r.state, RESP_BODY);
    assert_int_equal(eof_code(&r), RESP_DONE);
    assert_int_equal(r.state, RESP_COMPLETE);
    assert_false(r.keep_alive);
    assert_int_equal(s.len, 9);
    assert_memory_equal(s.body, "all of it", 9);
    /* asking again changes nothing */
    assert_int_equal(eof_code(&r), RESP_DONE);
}

static void test_eof_after_complete_message_is_done(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 204 No Content\r\n\r\n", &end), RESP_DONE);
    assert_int_equal(eof_code(&r), RESP_DONE);
}

static void test_status_204_with_content_length_has_no_body(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello";
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, in, &end), RESP_DONE);
    assert_int_equal(end, strlen(in) - 5);
    assert_int_equal(s.len, 0);
    assert_int_equal(r.status, 204);
    assert_true(r.keep_alive);
}

static void test_status_304_with_content_length_has_no_body(void **state)
{
    (void)state;
    static const char in[] = "HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n";
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, in, &end), RESP_DONE);
    assert_int_equal(end, strlen(in));
    assert_int_equal(s.len, 0);
}

static void test_http10_without_keep_alive_is_not_reusable(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", &end), RESP_DONE);
    assert_int_equal(r.http_major, 1);
    assert_int_equal(r.http_minor, 0);
    assert_false(r.keep_alive);

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
                                  "Content-Length: 1\r\n\r\nx", &end), RESP_DONE);
    assert_true(r.keep_alive);
}

static void test_connection_close_is_not_reusable(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
                                  "Content-Length: 1\r\n\r\nx", &end), RESP_DONE);
    assert_false(r.keep_alive);
}

/* ---- truncation and EOF ---- */

static void test_content_length_body_shorter_then_eof_is_truncated(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", &end),
                     RESP_MORE);
    assert_int_equal(eof_code(&r), RF_E_TRUNCATED);
    assert_int_equal(r.state, RESP_FAILED);
    assert_int_equal(r.error, RF_E_TRUNCATED);
    assert_non_null(r.reason);
    assert_int_equal(s.len, 5);
}

static void test_chunked_body_without_last_chunk_then_eof_is_truncated(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "5\r\nhello\r\n", &end), RESP_MORE);
    assert_int_equal(eof_code(&r), RF_E_TRUNCATED);
}

static void test_eof_in_headers_is_truncated(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Le", &end), RESP_MORE);
    assert_int_equal(eof_code(&r), RF_E_TRUNCATED);
    assert_int_equal(s.headers_calls, 0);
}

static void test_eof_without_any_byte_is_empty_reply(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t used = 99;

    start(&r, &s);
    assert_int_equal(feed_code(&r, "", 0, &used), RESP_MORE); /* nothing fed */
    assert_int_equal(used, 0);
    assert_int_equal(eof_code(&r), RF_E_EMPTY_REPLY);
    assert_int_equal(r.error, RF_E_EMPTY_REPLY);
}

/* ---- interim responses ---- */

static void test_100_continue_then_200_gives_final_response(void **state)
{
    (void)state;
    static const char in[] =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    struct resp r;
    struct sink s;
    size_t end;

    for (size_t step = 1; step <= strlen(in); step++) {
        start(&r, &s);
        assert_int_equal(feed_steps(&r, in, strlen(in), step, &end), RESP_DONE);
        assert_int_equal(end, strlen(in));
        assert_int_equal(r.status, 200);
        assert_int_equal(s.headers_calls, 1);
        assert_int_equal(s.headers_status, 200);
        assert_int_equal(s.len, 2);
        assert_memory_equal(s.body, "ok", 2);
        assert_true(r.keep_alive);
    }
}

static void test_103_with_content_length_then_200_skips_the_interim(void **state)
{
    (void)state;
    /* A 1xx never has a body, whatever it says: "ok" belongs to the 200. */
    static const char in[] =
        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nContent-Length: 7\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, in, &end), RESP_DONE);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.content_length, 2);
    assert_memory_equal(s.body, "ok", 2);
    assert_int_equal(s.len, 2);
}

static void test_100_continue_alone_then_eof_is_truncated(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 100 Continue\r\n\r\n", &end), RESP_MORE);
    assert_int_equal(r.state, RESP_HEADERS);
    assert_int_equal(r.status, 0);
    assert_int_equal(s.headers_calls, 0);
    assert_int_equal(eof_code(&r), RF_E_TRUNCATED);
}

static void test_101_switching_protocols_is_a_protocol_error(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\n"
                                  "Upgrade: h2c\r\n\r\n", &end), RF_E_PROTOCOL);
    assert_int_equal(r.state, RESP_FAILED);
    assert_int_equal(r.error, RF_E_PROTOCOL);
    assert_string_equal(r.reason, "unexpected 101 Switching Protocols");
    assert_int_equal(s.headers_calls, 0);
}

/* ---- limits ---- */

/* A header section of exactly total bytes: status line, filler headers,
 * and the blank line; Content-Length: 0 so it completes. */
static char *make_headers(size_t total)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
    char *buf = malloc(total + 1);
    size_t off = strlen(head);

    assert_non_null(buf);
    assert_true(total > off + 2 + 8);
    memcpy(buf, head, off);
    while (total - off - 2 > 0) {
        size_t room = total - off - 2; /* bytes left before the final CRLF */
        size_t line = room > 4000 ? 4000 : room;
        if (room - line != 0 && room - line < 8)
            line = room - 8; /* never leave a remainder too small for a line */
        /* "X: vvv\r\n" */
        assert_true(line >= 5);
        memcpy(buf + off, "X: ", 3);
        memset(buf + off + 3, 'v', line - 5);
        memcpy(buf + off + line - 2, "\r\n", 2);
        off += line;
    }
    memcpy(buf + off, "\r\n", 2);
    buf[total] = '\0';
    return buf;
}

static void test_header_section_over_64k_is_too_large(void **state)
{
    (void)state;
    char *in = make_headers(RF_MAX_HEADER_BYTES + 1);
    struct resp r;
    struct sink s;
    size_t end;
    static const size_t steps[] = { RF_MAX_HEADER_BYTES + 1, RF_RECV_BUF_BYTES, 1000, 1 };

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        start(&r, &s);
        assert_int_equal(feed_steps(&r, in, strlen(in), steps[i], &end), RF_E_TOO_LARGE);
        assert_int_equal(r.error, RF_E_TOO_LARGE);
        assert_non_null(r.reason);
        assert_int_equal(s.headers_calls, 0);
    }
    free(in);
}

static void test_header_section_of_exactly_64k_is_accepted(void **state)
{
    (void)state;
    char *in = make_headers(RF_MAX_HEADER_BYTES);
    struct resp r;
    struct sink s;
    size_t end;
    static const size_t steps[] = { RF_MAX_HEADER_BYTES, RF_RECV_BUF_BYTES, 1 };

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        start(&r, &s);
        assert_int_equal(feed_steps(&r, in, strlen(in), steps[i], &end), RESP_DONE);
        assert_int_equal(r.header_bytes, RF_MAX_HEADER_BYTES);
    }
    free(in);
}

static void test_header_bytes_counts_the_section(void **state)
{
    (void)state;
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nA: b\r\n\r\n";
    char in[128];
    struct resp r;
    struct sink s;
    size_t end;

    snprintf(in, sizeof(in), "%sok", head);
    start(&r, &s);
    assert_int_equal(feed_all(&r, in, &end), RESP_DONE);
    assert_int_equal(r.header_bytes, strlen(head));
}

static void test_many_tiny_headers_are_too_large(void **state)
{
    (void)state;
    size_t n = 20000, off = 0;
    char *in = malloc(64 + n * 6);
    struct resp r;
    struct sink s;
    size_t end;

    assert_non_null(in);
    off += (size_t)sprintf(in, "HTTP/1.1 200 OK\r\n");
    for (size_t i = 0; i < n; i++)
        off += (size_t)sprintf(in + off, "a:b\r\n");
    off += (size_t)sprintf(in + off, "\r\n");
    start(&r, &s);
    assert_int_equal(feed_steps(&r, in, off, RF_RECV_BUF_BYTES, &end), RF_E_TOO_LARGE);
    free(in);
}

static void test_endless_whitespace_in_headers_is_too_large(void **state)
{
    (void)state;
    /* Optional whitespace before a value reaches no callback at all, so only
     * the raw byte count can stop it. */
    size_t n = RF_MAX_HEADER_BYTES + 100;
    char *in = malloc(n);
    struct resp r;
    struct sink s;
    size_t end;

    assert_non_null(in);
    memcpy(in, "HTTP/1.1 200 OK\r\nX:", 19);
    memset(in + 19, ' ', n - 19);
    start(&r, &s);
    assert_int_equal(feed_steps(&r, in, n, RF_RECV_BUF_BYTES, &end), RF_E_TOO_LARGE);
    free(in);
}

/* 80 KiB of empty lines, then a complete small response: too large however
 * the bytes are cut into buffers (the raw count after a buffer alone missed
 * it when the response completed in the buffer that crossed the limit). */
static void test_leading_empty_lines_over_the_limit_are_too_large_at_any_cut(void **state)
{
    (void)state;
    static const char tail[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
    size_t lead = 80 * 1024, n = lead + sizeof tail - 1;
    char *in = malloc(n);
    assert_non_null(in);
    for (size_t i = 0; i < lead; i += 2)
        memcpy(in + i, "\r\n", 2);
    memcpy(in + lead, tail, sizeof tail - 1);
    static const size_t steps[] = { 65536, 16384, 81920, 100000, 4096 };
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        struct resp r;
        struct sink s;
        size_t end;
        start(&r, &s);
        assert_int_equal(feed_steps(&r, in, n, steps[k], &end), RF_E_TOO_LARGE);
    }
    free(in);
}

static void test_repeated_interim_responses_count_toward_the_limit(void **state)
{
    (void)state;
    static const char one[] = "HTTP/1.1 100 Continue\r\nX: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n\r\n";
    struct resp r;
    struct sink s;
    size_t used;
    int rc = RESP_MORE;

    start(&r, &s);
    for (size_t i = 0; i < 2 * RF_MAX_HEADER_BYTES / (sizeof(one) - 1) && rc == RESP_MORE; i++)
        rc = feed_code(&r, one, sizeof(one) - 1, &used);
    assert_int_equal(rc, RF_E_TOO_LARGE);
}

/* ---- errors ---- */

static void test_invalid_status_line_is_protocol_error_with_llhttp_reason(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTPER/1.1 200 OK\r\n\r\n", &end), RF_E_PROTOCOL);
    assert_int_equal(r.state, RESP_FAILED);
    assert_string_equal(r.reason, "Expected HTTP/");
}

static void test_bare_lf_header_line_is_protocol_error(void **state)
{
    (void)state;
    /* Our leniency decision: llhttp's default, no lenient flags. */
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\nA: b\nContent-Length: 0\r\n\r\n", &end),
                     RF_E_PROTOCOL);
}

static void test_conflicting_content_lengths_are_protocol_error(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                                  "Content-Length: 2\r\n\r\nxx", &end), RF_E_PROTOCOL);
    assert_int_equal(s.len, 0);
}

static void test_on_body_returning_enospc_propagates(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t used;
    static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

    start(&r, &s);
    s.body_err = -ENOSPC;
    assert_int_equal(feed_code(&r, in, strlen(in), &used), -ENOSPC);
    assert_int_equal(r.state, RESP_FAILED);
    assert_int_equal(r.error, -ENOSPC);
    assert_non_null(r.reason);
    /* sticky: no more parsing, same answer */
    assert_int_equal(feed_code(&r, "x", 1, &used), -ENOSPC);
    assert_int_equal(eof_code(&r), -ENOSPC);
}

static void test_on_body_error_in_chunked_body_propagates(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    static const char in[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\nhello\r\n0\r\n\r\n";

    start(&r, &s);
    s.body_err = -EIO;
    assert_int_equal(feed_steps(&r, in, strlen(in), 7, &end), -EIO);
    assert_int_equal(r.error, -EIO);
}

static void test_on_body_error_in_body_to_eof_sticks_through_eof(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\n\r\n", &end), RESP_MORE);
    s.body_err = -ENOSPC;
    size_t used;
    assert_int_equal(feed_code(&r, "abc", 3, &used), -ENOSPC);
    assert_int_equal(eof_code(&r), -ENOSPC);
}

static void test_on_headers_error_propagates(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end;

    start(&r, &s);
    s.headers_err = -EMFILE;
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", &end),
                     -EMFILE);
    assert_int_equal(r.error, -EMFILE);
    assert_int_equal(s.len, 0);
}

static void test_feed_after_done_returns_done_without_parsing(void **state)
{
    (void)state;
    struct resp r;
    struct sink s;
    size_t end, used = 99;

    start(&r, &s);
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", &end), RESP_DONE);
    assert_int_equal(feed_code(&r, "garbage", 7, &used), RESP_DONE);
    assert_int_equal(used, 0);
    assert_int_equal(r.state, RESP_COMPLETE);
}

static void test_callbacks_may_be_null(void **state)
{
    (void)state;
    struct resp r;
    size_t used;
    static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

    resp_init(&r, NULL, NULL, NULL);
    assert_int_equal(feed_code(&r, in, strlen(in), &used), RESP_DONE);
    assert_int_equal(r.body_bytes, 5);
}

/* ---- kept header fields (resp_want) ---- */

static void expect_kept(const struct resp *r, enum resp_hdr h, const char *want)
{
    size_t n;
    bool too_long;
    const char *v = resp_header(r, h, &n, &too_long);
    if (!want) {
        assert_null(v);
        return;
    }
    assert_non_null(v);
    assert_false(too_long);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(v, want, n);
}

static void test_wanted_fields_are_kept_whatever_the_buffer_cuts(void **state)
{
    (void)state;
    const char *in = "HTTP/1.1 301 Moved\r\nLocation:  /new/place?q=1 \r\nETag: \"abc\"\r\n"
                     "Location: /second\r\nContent-Length: 0\r\n\r\n";
    for (size_t step = 1; step <= strlen(in); step += 7) {
        struct resp r;
        struct sink s;
        size_t end;
        start(&r, &s);
        resp_want(&r, 1u << RESP_H_LOCATION | 1u << RESP_H_RETRY_AFTER);
        assert_int_equal(feed_steps(&r, in, strlen(in), step, &end), RESP_DONE);
        expect_kept(&r, RESP_H_LOCATION, "/new/place?q=1"); /* the first one, trimmed */
        expect_kept(&r, RESP_H_RETRY_AFTER, NULL);
        expect_kept(&r, RESP_H_ETAG, NULL);                 /* not asked for */
        resp_free(&r);
    }
}

static void test_interim_response_fields_are_forgotten(void **state)
{
    (void)state;
    const char *in = "HTTP/1.1 103 Early Hints\r\nLocation: /hint\r\n\r\n"
                     "HTTP/1.1 503 Busy\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n";
    struct resp r;
    struct sink s;
    size_t end;
    start(&r, &s);
    resp_want(&r, 1u << RESP_H_LOCATION | 1u << RESP_H_RETRY_AFTER);
    assert_int_equal(feed_all(&r, in, &end), RESP_DONE);
    expect_kept(&r, RESP_H_LOCATION, NULL);
    expect_kept(&r, RESP_H_RETRY_AFTER, "7");
    resp_free(&r);
}

static void test_an_over_long_location_is_flagged_not_cut(void **state)
{
    (void)state;
    static char in[RESP_LOCATION_MAX + 200];
    int n = snprintf(in, sizeof in, "HTTP/1.1 302 Found\r\nLocation: /");
    memset(in + n, 'a', RESP_LOCATION_MAX);
    snprintf(in + n + RESP_LOCATION_MAX, sizeof in - (size_t)n - RESP_LOCATION_MAX,
             "\r\nContent-Length: 0\r\n\r\n");
    struct resp r;
    struct sink s;
    size_t end, len;
    bool too_long;
    start(&r, &s);
    resp_want(&r, 1u << RESP_H_LOCATION);
    assert_int_equal(feed_all(&r, in, &end), RESP_DONE);
    assert_non_null(resp_header(&r, RESP_H_LOCATION, &len, &too_long));
    assert_true(too_long);
    assert_int_equal(len, 0);
    resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wanted_fields_are_kept_whatever_the_buffer_cuts),
        cmocka_unit_test(test_interim_response_fields_are_forgotten),
        cmocka_unit_test(test_an_over_long_location_is_flagged_not_cut),
        cmocka_unit_test(test_content_length_response_completes_with_body),
        cmocka_unit_test(test_content_length_response_fed_bytewise_completes_on_last_byte),
        cmocka_unit_test(test_surplus_after_content_length_response_is_reported_via_used),
        cmocka_unit_test(test_chunked_body_arrives_as_spans_without_framing),
        cmocka_unit_test(test_chunked_body_fed_bytewise_gives_same_body),
        cmocka_unit_test(test_body_to_eof_completes_at_eof_without_keep_alive),
        cmocka_unit_test(test_eof_after_complete_message_is_done),
        cmocka_unit_test(test_status_204_with_content_length_has_no_body),
        cmocka_unit_test(test_status_304_with_content_length_has_no_body),
        cmocka_unit_test(test_http10_without_keep_alive_is_not_reusable),
        cmocka_unit_test(test_connection_close_is_not_reusable),
        cmocka_unit_test(test_content_length_body_shorter_then_eof_is_truncated),
        cmocka_unit_test(test_chunked_body_without_last_chunk_then_eof_is_truncated),
        cmocka_unit_test(test_eof_in_headers_is_truncated),
        cmocka_unit_test(test_eof_without_any_byte_is_empty_reply),
        cmocka_unit_test(test_100_continue_then_200_gives_final_response),
        cmocka_unit_test(test_103_with_content_length_then_200_skips_the_interim),
        cmocka_unit_test(test_100_continue_alone_then_eof_is_truncated),
        cmocka_unit_test(test_101_switching_protocols_is_a_protocol_error),
        cmocka_unit_test(test_header_section_over_64k_is_too_large),
        cmocka_unit_test(test_header_section_of_exactly_64k_is_accepted),
        cmocka_unit_test(test_header_bytes_counts_the_section),
        cmocka_unit_test(test_many_tiny_headers_are_too_large),
        cmocka_unit_test(test_endless_whitespace_in_headers_is_too_large),
        cmocka_unit_test(test_leading_empty_lines_over_the_limit_are_too_large_at_any_cut),
        cmocka_unit_test(test_repeated_interim_responses_count_toward_the_limit),
        cmocka_unit_test(test_invalid_status_line_is_protocol_error_with_llhttp_reason),
        cmocka_unit_test(test_bare_lf_header_line_is_protocol_error),
        cmocka_unit_test(test_conflicting_content_lengths_are_protocol_error),
        cmocka_unit_test(test_on_body_returning_enospc_propagates),
        cmocka_unit_test(test_on_body_error_in_chunked_body_propagates),
        cmocka_unit_test(test_on_body_error_in_body_to_eof_sticks_through_eof),
        cmocka_unit_test(test_on_headers_error_propagates),
        cmocka_unit_test(test_feed_after_done_returns_done_without_parsing),
        cmocka_unit_test(test_callbacks_may_be_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
