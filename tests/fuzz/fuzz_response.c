/* libFuzzer target: the response path (src/http/response.c over llhttp), fed
 * the way the engine feeds it, one receive buffer at a time.
 *
 * Input layout: byte 0 = number of split points k (mod 16); the next 2k
 * bytes are the split offsets (little-endian u16, taken modulo the length of
 * the rest); the rest is the response. The same response is also fed in one
 * piece. Invariants checked (a violation aborts, which libFuzzer reports):
 * - on_headers runs at most once, never for a 1xx, and before any body span;
 * - every body span lies inside the buffer being fed, never after the
 *   message completed, never for 204/304;
 * - resp_feed's *used never exceeds the piece; RESP_MORE consumes it all;
 *   after RESP_DONE or an error, later calls return the same without parsing;
 * - at RESP_DONE with a Content-Length (not chunked), the body is exactly
 *   that long; a failure always carries a reason;
 * - the outcome, the end of the message and the body bytes do not depend on
 *   where the input was split (inputs below the header limit, since that
 *   check runs at buffer boundaries by design).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/response.h"
#include "ringfetch/engine.h"
#include "http/http_tunables.h"

#define MAX_SPLITS 15
#define BODY_KEEP 65536 /* body bytes kept for the comparison */

#define CHECK(cond)              \
    do {                         \
        if (!(cond))             \
            __builtin_trap();    \
    } while (0)

struct run {
    struct resp r;
    const char *piece;      /* the buffer being fed */
    size_t piece_len;
    int headers_calls;
    bool complete;
    unsigned char body[BODY_KEEP];
    size_t body_len;        /* bytes kept */
    uint64_t body_total;    /* bytes seen */
    int outcome;            /* last resp_feed / resp_eof result (enum resp_rc) */
    size_t end;             /* offset in the whole input where the message ended */
};

static int on_headers(void *ctx, const struct resp *r)
{
    struct run *run = ctx;
    CHECK(run->headers_calls == 0);
    CHECK(r->status / 100 != 1);
    CHECK(r->state == RESP_BODY);
    run->headers_calls++;
    return 0;
}

static int on_body(void *ctx, const char *at, size_t len)
{
    struct run *run = ctx;
    CHECK(run->headers_calls == 1);
    CHECK(!run->complete);
    CHECK(run->r.status != 204 && run->r.status != 304);
    CHECK(at >= run->piece && len <= run->piece_len && at + len <= run->piece + run->piece_len);
    size_t keep = len;
    if (run->body_len + keep > BODY_KEEP)
        keep = BODY_KEEP - run->body_len;
    memcpy(run->body + run->body_len, at, keep);
    run->body_len += keep;
    run->body_total += len;
    return 0;
}

/* Feed data cut at the sorted offsets cuts[0..ncuts); then EOF. */
static void feed(struct run *run, const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts)
{
    size_t pos = 0;
    memset(run, 0, sizeof *run);
    resp_init(&run->r, run, on_headers, on_body);
    run->outcome = RESP_MORE;
    run->end = SIZE_MAX;

    for (size_t i = 0; i <= ncuts && run->outcome == RESP_MORE; i++) {
        size_t stop = i < ncuts ? cuts[i] : size;
        if (stop <= pos)
            continue;
        /* A private copy per piece, exactly its size: ASan catches any read past it. */
        size_t n = stop - pos;
        char *piece = malloc(n);
        CHECK(piece);
        memcpy(piece, data + pos, n);
        run->piece = piece;
        run->piece_len = n;
        size_t used = 12345;
        enum resp_rc rc = resp_feed(&run->r, piece, n, &used);
        CHECK(used <= n);
        if (rc == RESP_MORE) {
            CHECK(used == n);
        } else if (rc == RESP_DONE) {
            CHECK(run->r.state == RESP_COMPLETE);
            run->complete = true;
            run->end = pos + used;
        } else {
            CHECK(rc == RESP_ERROR && run->r.state == RESP_FAILED && run->r.error < 0);
            CHECK(run->r.reason != NULL);
        }
        run->outcome = rc;
        /* Terminal states are sticky and parse nothing more. */
        if (rc != RESP_MORE) {
            size_t used2 = 777;
            uint64_t fed = run->r.bytes_fed;
            CHECK(resp_feed(&run->r, piece, n, &used2) == rc && used2 == 0);
            CHECK(run->r.bytes_fed == fed);
        }
        run->piece = NULL;
        free(piece);
        pos = stop;
    }
    if (run->outcome == RESP_MORE) {
        enum resp_rc rc = resp_eof(&run->r);
        CHECK(rc == RESP_DONE || rc == RESP_ERROR);
        if (rc == RESP_DONE) {
            CHECK(run->r.state == RESP_COMPLETE);
            run->end = size;
        } else {
            int err = run->r.error;
            CHECK(run->r.state == RESP_FAILED && run->r.reason != NULL);
            CHECK(err == RF_E_TRUNCATED || err == RF_E_EMPTY_REPLY || err == RF_E_PROTOCOL ||
                  err == RF_E_TOO_LARGE || err == RF_E_CODING);
        }
        run->outcome = rc;
    }
    CHECK((int)resp_eof(&run->r) == run->outcome);
    if (run->outcome == RESP_DONE) {
        CHECK(run->headers_calls == 1);
        CHECK(run->r.body_bytes == run->body_total);
        if (run->r.has_content_length && !run->r.chunked && run->r.status != 204 && run->r.status != 304)
            CHECK(run->body_total == run->r.content_length);
    }
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct run whole, split;
    size_t cuts[MAX_SPLITS];

    if (size < 1)
        return 0;
    size_t k = data[0] % (MAX_SPLITS + 1);
    if (size < 1 + 2 * k)
        return 0;
    const uint8_t *msg = data + 1 + 2 * k;
    size_t len = size - 1 - 2 * k;
    for (size_t i = 0; i < k; i++) {
        size_t v = (size_t)data[1 + 2 * i] | (size_t)data[2 + 2 * i] << 8;
        cuts[i] = len ? v % (len + 1) : 0;
    }
    qsort(cuts, k, sizeof cuts[0], cmp_size);

    feed(&whole, msg, len, NULL, 0);
    feed(&split, msg, len, cuts, k);

    if (len < RF_MAX_HEADER_BYTES) {
        CHECK(whole.outcome == split.outcome);
        CHECK(whole.r.error == split.r.error);
        CHECK(whole.end == split.end);
        CHECK(whole.body_total == split.body_total);
        CHECK(whole.body_len == split.body_len && memcmp(whole.body, split.body, whole.body_len) == 0);
        CHECK(whole.r.status == split.r.status);
        CHECK(whole.r.keep_alive == split.r.keep_alive);
    }
    return 0;
}
