/* Replays llhttp's own response test cases (v8.1.0, kept as data in
 * $RF_SHARED/corpora/llhttp-response/, format described in the README
 * there) through resp_feed/resp_eof, and checks the outcome a client sees.
 *
 * llhttp's logs describe callbacks; we derive the client-level outcome of
 * each message in a log (messages are split at "message begin"):
 * - status 101 in "headers complete": RF_E_PROTOCOL, "unexpected 101
 *   Switching Protocols" (our policy: we never ask to upgrade; this covers
 *   the PAUSED_UPGRADE cases, which are otherwise not a client concern);
 * - an "error" line: resp_feed fails with RF_E_PROTOCOL and llhttp's reason;
 * - "message complete": RESP_DONE, *used ends exactly at the logged offset,
 *   the body equals the logged body spans, status/version/framing/keep-alive
 *   match the "headers complete" line; if another message follows in the
 *   log, a fresh resp is fed the surplus (pipelining);
 * - neither: everything is consumed (RESP_MORE), then resp_eof() gives
 *   RESP_DONE with the body when the body runs to EOF, else RF_E_TRUNCATED.
 *
 * Each case runs fed whole, split in two at every position, and byte by
 * byte; all must give the same outcome.
 *
 * Skipped, and why:
 * - "mode": "loose" cases: they describe llhttp's loose build; we link the
 *   strict build (LLHTTP_STRICT_MODE=1 in the Makefile), which checks the
 *   CRLF after chunk data and rejects spaces in header names;
 * - "response-lenient-*" types: they need lenient flags we never enable;
 * - "skipBody": on_headers_complete returning 1 is what a HEAD client does;
 *   we only send GET.
 * Run, although llhttp's runner treats them specially:
 * - "pause" cases (pausing.md): a pause returned by the runner's callback is
 *   invisible to the outcome, so the "pause" log lines are ignored;
 * - "noScan" cases: byte splitting only matters to the JS runner's string
 *   handling; our input is bytes, so we split them too.
 * "type": "response" runs as HTTP_RESPONSE only (our parser type), and
 * "response-finish" is an ordinary case whose end is resp_eof().
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "http/response.h"
#include "ringfetch/engine.h"

#define CORPUS_CASES_TOTAL 69 /* the README's count for v8.1.0 */
#define CORPUS_MAX_INPUT 4096
#define CORPUS_MAX_BODY 2048
#define CORPUS_MAX_MSGS 4

struct exp_msg {
    bool headers;
    int status, vmaj, vmin;
    unsigned flags;
    uint64_t content_length;
    bool complete;
    size_t complete_off;
    bool error;
    int code;
    char reason[160];
    char body[CORPUS_MAX_BODY];
    size_t body_len;
};

struct tcase {
    char file[64];
    char name[256];
    char type[48];
    char mode[16];
    bool pause, skip_body, no_scan;
    unsigned char input[CORPUS_MAX_INPUT];
    size_t n;
    struct exp_msg msgs[CORPUS_MAX_MSGS];
    int nmsgs;
};

/* Totals across the per-file tests, printed by the last test. */
static unsigned corpus_files, corpus_parsed, corpus_run, corpus_skipped, corpus_runs;

/* ---------------------------------------------------------------- input */

static void append(unsigned char *out, size_t *n, size_t cap, unsigned char c)
{
    assert_true(*n < cap);
    out[(*n)++] = c;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A character code as UTF-8, as llhttp's JS runner would pass it on. */
static void append_code(unsigned char *out, size_t *n, size_t cap, unsigned long v)
{
    if (v < 0x80) {
        append(out, n, cap, (unsigned char)v);
    } else if (v < 0x800) {
        append(out, n, cap, (unsigned char)(0xc0 | (v >> 6)));
        append(out, n, cap, (unsigned char)(0x80 | (v & 0x3f)));
    } else {
        append(out, n, cap, (unsigned char)(0xe0 | ((v >> 12) & 0x0f)));
        append(out, n, cap, (unsigned char)(0x80 | ((v >> 6) & 0x3f)));
        append(out, n, cap, (unsigned char)(0x80 | (v & 0x3f)));
    }
}

/* The README's "How an http block becomes bytes", steps 1-4. fence is the
 * block content with a newline after every line. Returns the byte count. */
static size_t corpus_decode(const char *fence, unsigned char *out, size_t cap)
{
    size_t len = strlen(fence), n = 0;
    char *s = malloc(2 * len + 1), *t = s;

    assert_non_null(s);
    if (len > 0 && fence[len - 1] == '\n')
        len--; /* 1 */
    for (size_t i = 0; i < len; i++) {
        if (fence[i] == '\\' && i + 1 < len && fence[i + 1] == '\n') {
            i++; /* 2: continuation */
            continue;
        }
        if (fence[i] == '\n') { /* 3 */
            *t++ = '\r';
            *t++ = '\n';
            continue;
        }
        *t++ = fence[i];
    }
    *t = '\0';

    for (const char *p = s; *p; p++) { /* 4 */
        if (*p != '\\' || p[1] == '\0') {
            append(out, &n, cap, (unsigned char)*p);
            continue;
        }
        char e = p[1];
        if (e == 'r' || e == 'n' || e == 't' || e == 'f') {
            append(out, &n, cap, e == 'r' ? '\r' : e == 'n' ? '\n' : e == 't' ? '\t' : '\f');
            p++;
        } else if (e == 'x' && hexval(p[2]) >= 0) {
            unsigned long v = 0;
            p += 2;
            while (hexval(*p) >= 0)
                v = v * 16 + (unsigned long)hexval(*p++);
            p--;
            append_code(out, &n, cap, v);
        } else if (e >= '0' && e <= '7') {
            unsigned long v = 0;
            int k = 0;
            p++;
            while (k < 3 && *p >= '0' && *p <= '7') {
                v = v * 8 + (unsigned long)(*p++ - '0');
                k++;
            }
            p--;
            append_code(out, &n, cap, v);
        } else {
            append(out, &n, cap, '\\'); /* not an escape: kept as written */
        }
    }
    free(s);
    return n;
}

/* ------------------------------------------------------------------ log */

static void unescape_tf(char *line)
{
    char *w = line;
    for (char *r = line; *r; r++) {
        if (r[0] == '\\' && (r[1] == 't' || r[1] == 'f')) {
            *w++ = r[1] == 't' ? '\t' : '\f';
            r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static struct exp_msg *cur_msg(struct tcase *c)
{
    if (c->nmsgs == 0) {
        memset(&c->msgs[0], 0, sizeof(c->msgs[0]));
        c->nmsgs = 1;
    }
    return &c->msgs[c->nmsgs - 1];
}

static void parse_log_line(struct tcase *c, char *line)
{
    char *rest;
    unsigned long off;
    size_t len;

    unescape_tf(line);
    if (strncmp(line, "off=", 4) != 0 || strncmp(line, "off=NULL", 8) == 0)
        return;
    off = strtoul(line + 4, &rest, 10);
    while (*rest == ' ')
        rest++;

    if (strcmp(rest, "message begin") == 0) {
        assert_true(c->nmsgs < CORPUS_MAX_MSGS);
        memset(&c->msgs[c->nmsgs], 0, sizeof(c->msgs[0]));
        c->nmsgs++;
    } else if (strcmp(rest, "message complete") == 0) {
        struct exp_msg *m = cur_msg(c);
        m->complete = true;
        m->complete_off = off;
    } else if (strncmp(rest, "headers complete ", 17) == 0) {
        struct exp_msg *m = cur_msg(c);
        unsigned long long cl;
        int got = sscanf(rest, "headers complete status=%d v=%d/%d flags=%x content_length=%llu",
                         &m->status, &m->vmaj, &m->vmin, &m->flags, &cl);
        assert_int_equal(got, 5);
        m->content_length = cl;
        m->headers = true;
    } else if (strncmp(rest, "error code=", 11) == 0) {
        struct exp_msg *m = cur_msg(c);
        /* An error after the message completed is about the bytes that follow
         * it (strict build: "Data after Connection: close"). We stop parsing at
         * the end of the message and never parse those bytes: the message is
         * done, the rest is surplus. */
        if (m->complete)
            return;
        char *q = strchr(rest, '"'), *e = strrchr(rest, '"');
        m->error = true;
        m->code = atoi(rest + 11);
        assert_non_null(q);
        assert_true(e > q && (size_t)(e - q) < sizeof(m->reason));
        memcpy(m->reason, q + 1, (size_t)(e - q - 1));
        m->reason[e - q - 1] = '\0';
    } else if (sscanf(rest, "len=%zu", &len) == 1 && strstr(rest, " span[body]=")) {
        struct exp_msg *m = cur_msg(c);
        char *v = strstr(rest, " span[body]=") + strlen(" span[body]=");
        if (strcmp(v, "cr") == 0 || strcmp(v, "lf") == 0) {
            assert_int_equal(len, 1);
            assert_true(m->body_len < CORPUS_MAX_BODY);
            m->body[m->body_len++] = v[0] == 'c' ? '\r' : '\n';
        } else {
            /* The text is raw (may hold quotes): trust len, check the frame. */
            assert_int_equal(v[0], '"');
            assert_true(strlen(v) == len + 2 && v[len + 1] == '"');
            assert_true(m->body_len + len <= CORPUS_MAX_BODY);
            memcpy(m->body + m->body_len, v + 1, len);
            m->body_len += len;
        }
    }
    /* Everything else (other spans, chunk events, pause, reset) has no
     * client-visible effect of its own. */
}

/* ----------------------------------------------------------------- file */

static void parse_meta(struct tcase *c, const char *line)
{
    const char *j = strstr(line, "meta=") + 5;
    const char *e = strstr(j, "-->");
    char buf[256];
    struct json_object *o, *v;

    assert_non_null(e);
    assert_true((size_t)(e - j) < sizeof(buf));
    memcpy(buf, j, (size_t)(e - j));
    buf[e - j] = '\0';
    o = json_tokener_parse(buf);
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "type", &v));
    snprintf(c->type, sizeof(c->type), "%s", json_object_get_string(v));
    if (json_object_object_get_ex(o, "mode", &v))
        snprintf(c->mode, sizeof(c->mode), "%s", json_object_get_string(v));
    c->pause = json_object_object_get_ex(o, "pause", &v);
    c->skip_body = json_object_object_get_ex(o, "skipBody", &v) && json_object_get_boolean(v);
    c->no_scan = json_object_object_get_ex(o, "noScan", &v) && json_object_get_boolean(v);
    json_object_put(o);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    fclose(f);
    return buf;
}

typedef void (*case_fn)(struct tcase *c, void *arg);

/* Walk one corpus file and call fn for every complete case. Returns the
 * number of cases found. */
static unsigned corpus_parse_file(const char *path, const char *file, case_fn fn, void *arg)
{
    char *text = read_file(path);
    struct tcase *c = calloc(1, sizeof(*c));
    char *fence = NULL;
    size_t fence_len = 0;
    enum { OUT, IN_HTTP, IN_LOG, IN_OTHER } where = OUT;
    bool have_http = false;
    unsigned cases = 0;

    assert_non_null(text);
    assert_non_null(c);
    fence = malloc(strlen(text) + 1);
    assert_non_null(fence);

    for (char *line = text, *next; line; line = next) {
        /* Split by hand: empty lines are data inside an http block. */
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        else if (*line == '\0')
            break;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';

        if (where != OUT) {
            if (strncmp(line, "```", 3) == 0) {
                if (where == IN_HTTP) {
                    fence[fence_len] = '\0';
                    c->n = corpus_decode(fence, c->input, sizeof(c->input));
                    have_http = true;
                } else if (where == IN_LOG && have_http) {
                    cases++;
                    fn(c, arg);
                    have_http = false;
                }
                where = OUT;
            } else if (where == IN_HTTP) {
                memcpy(fence + fence_len, line, l);
                fence_len += l;
                fence[fence_len++] = '\n';
            } else if (where == IN_LOG) {
                parse_log_line(c, line);
            }
            continue;
        }

        if (strncmp(line, "## ", 3) == 0 || strncmp(line, "### ", 4) == 0) {
            memset(c, 0, sizeof(*c));
            snprintf(c->file, sizeof(c->file), "%s", file);
            snprintf(c->name, sizeof(c->name), "%s", strchr(line, ' ') + 1);
            have_http = false;
        } else if (strstr(line, "<!-- meta=")) {
            parse_meta(c, line);
        } else if (strcmp(line, "```http") == 0) {
            where = IN_HTTP;
            fence_len = 0;
        } else if (strcmp(line, "```log") == 0) {
            where = IN_LOG;
            c->nmsgs = 0;
        } else if (strncmp(line, "```", 3) == 0) {
            where = IN_OTHER;
        }
    }
    free(fence);
    free(c);
    free(text);
    return cases;
}

/* ------------------------------------------------------------------ run */

struct collect {
    char body[CORPUS_MAX_BODY];
    size_t len;
};

static int collect_body(void *ctx, const char *at, size_t len)
{
    struct collect *b = ctx;
    if (b->len + len > sizeof(b->body))
        return -ENOSPC;
    memcpy(b->body + b->len, at, len);
    b->len += len;
    return 0;
}

/* llhttp_message_needs_eof(), from what the log says. */
static bool exp_needs_eof(const struct exp_msg *m)
{
    if (m->status / 100 == 1 || m->status == 204 || m->status == 304)
        return false;
    if ((m->flags & 0x200) && !(m->flags & 0x08))
        return true;
    return !(m->flags & (0x08 | 0x20));
}

static bool exp_keep_alive(const struct exp_msg *m)
{
    bool ka = (m->vmaj > 0 && m->vmin > 0) ? !(m->flags & 0x02) : (m->flags & 0x01) != 0;
    return ka && !exp_needs_eof(m);
}

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            snprintf(why, whylen, __VA_ARGS__);                            \
            return false;                                                  \
        }                                                                  \
    } while (0)

static bool check_body(const struct exp_msg *m, const struct collect *b, char *why, size_t whylen)
{
    CHECK(b->len == m->body_len && memcmp(b->body, m->body, b->len) == 0,
          "body %zu bytes, expected %zu", b->len, m->body_len);
    return true;
}

static bool check_headers(const struct exp_msg *m, const struct resp *r, char *why, size_t whylen)
{
    CHECK(m->headers, "completed without a logged header section");
    CHECK(r->status == m->status, "status %d, expected %d", r->status, m->status);
    CHECK(r->http_major == m->vmaj && r->http_minor == m->vmin, "version %d.%d, expected %d.%d",
          r->http_major, r->http_minor, m->vmaj, m->vmin);
    CHECK(r->has_content_length == ((m->flags & 0x20) != 0), "has_content_length mismatch");
    CHECK(!r->has_content_length || r->content_length == m->content_length,
          "content_length %llu, expected %llu", (unsigned long long)r->content_length,
          (unsigned long long)m->content_length);
    CHECK(r->chunked == ((m->flags & 0x08) != 0), "chunked mismatch");
    return true;
}

/* A message's outcome when it ends in a failure: what resp must report. */
static bool exp_failure(const struct exp_msg *m, int *err, const char **reason)
{
    if (m->headers && m->status == 101) {
        *err = RF_E_PROTOCOL;
        *reason = "unexpected 101 Switching Protocols";
        return true;
    }
    if (m->error) {
        *err = RF_E_PROTOCOL;
        *reason = m->reason;
        return true;
    }
    return false;
}

/* Our leniency decision (tests/corpus/README.md): we send no TE header, so a
 * final response whose Transfer-Encoding lists a coding other than chunked
 * is refused (RF_E_CODING) where llhttp would read on. Decided here apart
 * from response.c: the header lines of the message at in (obs-folds joined),
 * each value's codings up to any ';'. */
static bool refuses_coding(const unsigned char *in, size_t n)
{
    char head[4096];
    size_t hn = 0;
    for (size_t i = 0; i < n && hn + 1 < sizeof(head); i++) {
        if (i + 3 < n && memcmp(in + i, "\r\n\r\n", 4) == 0)
            break;
        head[hn++] = (char)in[i];
    }
    head[hn] = '\0';
    if (strncmp(head, "HTTP/", 5) == 0 && hn > 9 && head[9] == '1')
        return false; /* an interim response: the final one decides */
    bool in_te = false, in_params = false;
    char tok[64];
    size_t tn = 0;
    for (size_t i = 0; i <= hn; i++) {
        char ch = head[i];
        if (i > 0 && head[i - 1] == '\n' && ch != ' ' && ch != '\t') {
            /* A new field line (an obs-fold continues the one before). */
            in_te = strncasecmp(head + i, "transfer-encoding:", 18) == 0;
            in_params = false;
            if (in_te) {
                i += 17;
                continue;
            }
        }
        if (!in_te)
            continue;
        bool sep = ch == ',' || ch == ';' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\0';
        if (!sep && !in_params) {
            if (tn + 1 < sizeof(tok))
                tok[tn++] = ch;
            continue;
        }
        if (tn) {
            tok[tn] = '\0';
            if (strcasecmp(tok, "chunked") != 0)
                return true;
            tn = 0;
        }
        if (ch == ';')
            in_params = true;
        else if (ch == ',')
            in_params = false;
    }
    return false;
}

/* Feed c->input cut at bounds[0..nb-1] (bounds[0] = 0, bounds[nb-1] = n). */
static bool run_cut(const struct tcase *c, const size_t *bounds, size_t nb, char *why,
                    size_t whylen)
{
    struct resp r;
    struct collect b = { .len = 0 };
    int mi = 0, err;
    const char *reason;
    size_t base = 0;

    resp_init(&r, &b, NULL, collect_body);
    for (size_t i = 0; i + 1 < nb; i++) {
        size_t p = bounds[i], end = bounds[i + 1];
        while (p < end) {
            const struct exp_msg *m = &c->msgs[mi];
            size_t used = 0;
            enum resp_rc frc = resp_feed(&r, (const char *)c->input + p, end - p, &used);
            int rc = frc == RESP_ERROR ? r.error : (int)frc;

            if (rc == RESP_MORE) {
                CHECK(used == end - p, "RESP_MORE but used %zu of %zu", used, end - p);
                break;
            }
            if (rc == RF_E_CODING) {
                CHECK(refuses_coding(c->input + base, c->n - base),
                      "message %d: refused a coding the test sees no reason to refuse", mi);
                return true;
            }
            CHECK(!refuses_coding(c->input + base, c->n - base) || rc == RESP_MORE,
                  "message %d: a coding other than chunked was not refused (%d)", mi, rc);
            if (rc < 0) {
                CHECK(exp_failure(m, &err, &reason), "message %d: unexpected error %d (%s)", mi,
                      rc, r.reason ? r.reason : "");
                CHECK(rc == err && r.error == err, "message %d: error %d, expected %d", mi, rc, err);
                CHECK(r.reason && strcmp(r.reason, reason) == 0, "message %d: reason \"%s\", expected \"%s\"",
                      mi, r.reason ? r.reason : "(null)", reason);
                if (m->status != 101)
                    return check_body(m, &b, why, whylen);
                CHECK(b.len == 0, "101 body reached on_body");
                return true;
            }
            CHECK(rc == RESP_DONE, "unexpected result %d", rc);
            CHECK(!exp_failure(m, &err, &reason), "message %d: RESP_DONE, expected error %s", mi,
                  reason);
            CHECK(m->complete, "message %d: RESP_DONE before the logged end", mi);
            CHECK(p + used == m->complete_off, "message %d: ended at %zu, expected %zu", mi,
                  p + used, m->complete_off);
            CHECK(r.bytes_fed >= m->complete_off - base, "bytes_fed too small");
            if (!check_headers(m, &r, why, whylen) || !check_body(m, &b, why, whylen))
                return false;
            CHECK(r.keep_alive == exp_keep_alive(m), "message %d: keep_alive %d, expected %d", mi,
                  r.keep_alive, exp_keep_alive(m));

            /* The rest is the next response (if the log has one). */
            if (++mi == c->nmsgs)
                return true;
            p += used;
            base = p;
            b.len = 0;
            resp_init(&r, &b, NULL, collect_body);
        }
    }

    /* All bytes consumed: the last message ends at EOF. */
    const struct exp_msg *m = &c->msgs[mi];
    CHECK(!exp_failure(m, &err, &reason), "message %d: all consumed, expected error %s", mi, reason);
    CHECK(!m->complete, "message %d: all consumed, expected completion at %zu", mi, m->complete_off);
    enum resp_rc erc = resp_eof(&r);
    int rc = erc == RESP_ERROR ? r.error : (int)erc;
    if (rc == RF_E_CODING) {
        CHECK(refuses_coding(c->input + base, c->n - base), "message %d: coding refused at eof", mi);
        return true;
    }
    if (m->headers && exp_needs_eof(m)) {
        CHECK(rc == RESP_DONE, "message %d: eof gave %d, expected RESP_DONE", mi, rc);
        CHECK(!r.keep_alive, "keep_alive after a body delimited by EOF");
        if (!check_headers(m, &r, why, whylen))
            return false;
    } else {
        CHECK(rc == RF_E_TRUNCATED, "message %d: eof gave %d, expected RF_E_TRUNCATED", mi, rc);
    }
    return check_body(m, &b, why, whylen);
}

struct file_run {
    unsigned run, skipped, failed;
};

static const char *skip_reason(const struct tcase *c)
{
    if (strcmp(c->mode, "loose") == 0)
        return "loose-mode log; we link the strict build (see the Makefile)";
    if (strncmp(c->type, "response-lenient", 16) == 0)
        return "needs a lenient flag we never set";
    if (c->skip_body)
        return "skipBody is a HEAD client's behaviour; we only send GET";
    if (strcmp(c->type, "response") != 0 && strcmp(c->type, "response-only") != 0 &&
        strcmp(c->type, "response-finish") != 0)
        return "not a response case";
    return NULL;
}

static void run_case(struct tcase *c, void *arg)
{
    struct file_run *fr = arg;
    const char *skip = skip_reason(c);
    size_t n = c->n, *bounds = malloc((n + 1) * sizeof(*bounds));
    char why[256];
    bool ok = true;

    assert_non_null(bounds);
    if (skip) {
        fr->skipped++;
        print_message("[ SKIP     ] %s: %s: %s\n", c->file, c->name, skip);
        free(bounds);
        return;
    }
    assert_true(c->nmsgs > 0);
    fr->run++;

    /* whole */
    size_t whole[2] = { 0, n };
    if (!run_cut(c, whole, 2, why, sizeof(why))) {
        print_error("%s: %s: whole: %s\n", c->file, c->name, why);
        ok = false;
    }
    corpus_runs++;
    /* two pieces, every split point */
    for (size_t k = 1; ok && k < n; k++) {
        size_t two[3] = { 0, k, n };
        if (!run_cut(c, two, 3, why, sizeof(why))) {
            print_error("%s: %s: split at %zu: %s\n", c->file, c->name, k, why);
            ok = false;
        }
        corpus_runs++;
    }
    /* byte by byte */
    for (size_t i = 0; i <= n; i++)
        bounds[i] = i;
    if (ok && !run_cut(c, bounds, n + 1, why, sizeof(why))) {
        print_error("%s: %s: byte by byte: %s\n", c->file, c->name, why);
        ok = false;
    }
    corpus_runs++;
    if (!ok)
        fr->failed++;
    free(bounds);
}

static const char *corpus_dir(char *buf, size_t size)
{
    const char *shared = getenv("RF_SHARED");
    snprintf(buf, size, "%s/corpora/llhttp-response", shared && *shared ? shared : "../shared");
    return buf;
}

static void test_corpus_file(void **state)
{
    const char *file = *state;
    char dir[4096], path[4200];
    struct file_run fr = { 0, 0, 0 };
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", corpus_dir(dir, sizeof(dir)), file);
    f = fopen(path, "rb");
    if (!f) {
        print_message("corpus file %s not found (RF_SHARED unset or shared dir absent)\n", path);
        skip();
    }
    fclose(f);
    unsigned cases = corpus_parse_file(path, file, run_case, &fr);
    corpus_files++;
    corpus_parsed += cases;
    corpus_run += fr.run;
    corpus_skipped += fr.skipped;
    assert_true(cases > 0);
    assert_int_equal(fr.failed, 0);
}

/* The files the README lists; each one test, so a failure names its file. */
static const char *const corpus_files_list[] = {
    "sample.md",      "connection.md", "content-length.md", "transfer-encoding.md", "invalid.md",
    "pipelining.md",  "pausing.md",    "finish.md",         "lenient-version.md",
};

static void test_corpus_has_every_case_and_prints_counts(void **state)
{
    (void)state;
    char dir[4096];
    DIR *d = opendir(corpus_dir(dir, sizeof(dir)));
    unsigned md = 0;

    if (!d)
        skip();
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        md += l > 3 && strcmp(e->d_name + l - 3, ".md") == 0 && strcmp(e->d_name, "README.md");
    }
    closedir(d);
    print_message("llhttp corpus: %u files, %u cases: %u run (%u feedings), %u skipped\n",
                  corpus_files, corpus_parsed, corpus_run, corpus_runs, corpus_skipped);
    /* A file we do not know of would be silently ignored: fail instead. */
    assert_int_equal(md, sizeof(corpus_files_list) / sizeof(corpus_files_list[0]));
    assert_int_equal(corpus_files, md);
    assert_int_equal(corpus_parsed, CORPUS_CASES_TOTAL);
    assert_int_equal(corpus_run + corpus_skipped, corpus_parsed);
}

/* ---- the decoder itself (it decides what every case feeds) ---- */

static void test_decode_turns_newlines_into_crlf_and_drops_the_last(void **state)
{
    (void)state;
    unsigned char out[64];
    size_t n = corpus_decode("A\nB\n\n", out, sizeof(out));
    assert_int_equal(n, 6);
    assert_memory_equal(out, "A\r\nB\r\n", 6);
}

static void test_decode_joins_continued_lines(void **state)
{
    (void)state;
    unsigned char out[64];
    size_t n = corpus_decode("body\\\nproto\n", out, sizeof(out));
    assert_int_equal(n, 9);
    assert_memory_equal(out, "bodyproto", 9);
    /* an escaped LF then a continuation: a bare-LF line */
    n = corpus_decode("a\\n\\\nb\n", out, sizeof(out));
    assert_int_equal(n, 3);
    assert_memory_equal(out, "a\nb", 3);
}

static void test_decode_replaces_escapes(void **state)
{
    (void)state;
    unsigned char out[64];
    size_t n = corpus_decode("\\r\\t\\f\\x41\\101\\x7e2\\\"\n", out, sizeof(out));
    /* \x7e2 takes all hex digits: U+07E2 as UTF-8; \" stays as written */
    assert_int_equal(n, 9);
    assert_memory_equal(out, "\r\t\fAA\xdf\xa2\\\"", 9);
}

int main(void)
{
    struct CMUnitTest tests[sizeof(corpus_files_list) / sizeof(corpus_files_list[0]) + 4];
    size_t nt = 0;

    tests[nt++] = (struct CMUnitTest)cmocka_unit_test(test_decode_turns_newlines_into_crlf_and_drops_the_last);
    tests[nt++] = (struct CMUnitTest)cmocka_unit_test(test_decode_joins_continued_lines);
    tests[nt++] = (struct CMUnitTest)cmocka_unit_test(test_decode_replaces_escapes);
    for (size_t i = 0; i < sizeof(corpus_files_list) / sizeof(corpus_files_list[0]); i++) {
        tests[nt] = (struct CMUnitTest)cmocka_unit_test_prestate(test_corpus_file,
                                                                (void *)corpus_files_list[i]);
        tests[nt].name = corpus_files_list[i];
        nt++;
    }
    tests[nt++] = (struct CMUnitTest)cmocka_unit_test(test_corpus_has_every_case_and_prints_counts);
    return _cmocka_run_group_tests("llhttp_corpus", tests, nt, NULL, NULL);
}
