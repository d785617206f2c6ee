/* The connection and exchange state machines (src/engine/conn.c,
 * exchange.c) on the fake backend: responses whole and in pieces,
 * keep-alive, an idle connection that speaks or closes, a recv of 0 in the
 * middle of a body, resends, the next address, the connect deadline, and
 * an owner giving up. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/conn.h"
#include "fake_be.h"
#include "io/ud.h"
#include "ringfetch/engine.h"

struct job {
    struct xchg x;
    int status;
    char body[512];
    size_t len;
    int ended, err;
    bool resend_ok;
    const char *detail;
};

static int j_headers(void *o, const struct resp *r)
{
    ((struct job *)o)->status = r->status;
    return 0;
}
static int j_body(void *o, struct lbuf *b, const char *at, size_t len)
{
    struct job *j = o;
    (void)b;
    memcpy(j->body + j->len, at, len);
    j->len += len;
    return 0;
}
static void j_buffer_end(void *o) { (void)o; }
static void j_end(void *o, int err, const char *detail, bool resend_ok)
{
    struct job *j = o;
    j->ended++;
    j->err = err;
    j->detail = detail;
    j->resend_ok = resend_ok;
}

static const struct xchg_events jev = { j_headers, j_body, j_buffer_end, j_end, NULL, NULL };

struct fixture {
    unsigned capacity_calls;
    struct fake_be *f;
    struct tmr_heap timers;
    struct conn_set cs;
    struct origin o;
    struct job j[3];
};

static void on_capacity(void *ctx, struct origin *o)
{
    struct fixture *x = ctx;
    (void)o;
    x->capacity_calls++;
}

static void job_init(struct job *j)
{
    memset(j, 0, sizeof *j);
    char *req = strdup("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    xchg_init(&j->x, j, &jev, req, strlen(req));
}

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    x->f = fake_be_new(8, 256);
    assert_int_equal(tmr_heap_init(&x->timers, 16), 0);
    assert_int_equal(conn_set_init(&x->cs, &x->f->b, &x->timers, 4, 10000, 3, on_capacity, x), 0);
    pool_list_init(&x->o.idle);
    pool_list_init(&x->o.roomy);
    pool_list_init(&x->o.waiting);
    x->o.naddrs = 2;
    for (int i = 0; i < 2; i++) {
        struct sockaddr_in *sa = (struct sockaddr_in *)&x->o.addrs[i];
        sa->sin_family = AF_INET;
        sa->sin_port = htons((uint16_t)(8000 + i));
        x->o.addrlens[i] = sizeof *sa;
    }
    for (int i = 0; i < 3; i++)
        job_init(&x->j[i]);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    for (int i = 0; i < 3; i++)
        xchg_free(&x->j[i].x);
    conn_set_free(&x->cs);
    tmr_heap_free(&x->timers);
    assert_int_equal(x->f->bufs_held, 0);
    be_destroy(&x->f->b);
    free(x);
    return 0;
}

static void complete(struct fixture *x, struct fake_rec *r, int res)
{
    assert_non_null(r);
    struct be_cqe c = fake_cqe(r, res);
    conn_complete(&x->cs, &c);
}

static void reply(struct fixture *x, const char *bytes)
{
    struct fake_rec *r = fake_take(x->f, FAKE_RECV);
    assert_non_null(r);
    struct be_cqe c = fake_cqe_recv(x->f, r, bytes, strlen(bytes));
    conn_complete(&x->cs, &c);
}

/* A new connection carrying j[0], up to its request sent. */
static struct conn *start(struct fixture *x)
{
    struct conn *c = conn_alloc(&x->cs);
    assert_non_null(c);
    conn_connect(c, &x->o, &x->j[0].x, 0);
    complete(x, fake_take(x->f, FAKE_SOCKET), 10);
    complete(x, fake_take(x->f, FAKE_CONNECT), 0);
    struct fake_rec *s = fake_take(x->f, FAKE_SEND);
    assert_non_null(s);
    assert_memory_equal(s->buf, "GET / HTTP/1.1", 14);
    complete(x, s, (int)s->len);
    assert_int_equal(c->state, CONN_ACTIVE);
    return c;
}

static const char OK5[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

static void response_then_idle_then_reuse(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    reply(x, OK5);
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, 0);
    assert_int_equal(x->j[0].status, 200);
    assert_memory_equal(x->j[0].body, "hello", 5);
    assert_int_equal(c->state, CONN_IDLE);
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 1); /* the idle watch */
    struct conn *again = conn_take_idle(&x->o);
    assert_ptr_equal(again, c);
    conn_push(c, &x->j[1].x);
    complete(x, fake_take(x->f, FAKE_SEND), (int)x->j[1].x.req_len);
    reply(x, OK5);
    assert_int_equal(x->j[1].ended, 1);
    assert_int_equal(x->cs.reused, 1);
}

static void response_in_pieces(void **state)
{
    struct fixture *x = *state;
    start(x);
    reply(x, "HTTP/1.1 200 OK\r\nContent-Le");
    reply(x, "ngth: 5\r\n\r\nhel");
    assert_int_equal(x->j[0].ended, 0);
    reply(x, "lo");
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].len, 5);
}

/* A recv of 0 in the middle of a body: truncated, never complete. */
static void eof_mid_body_is_truncated(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    reply(x, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell");
    reply(x, "");
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, RF_E_TRUNCATED);
    assert_false(x->j[0].resend_ok);
    assert_int_equal(c->state, CONN_CLOSING);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(c->state, CONN_FREE);
    assert_int_equal(x->cs.active, 0);
}

/* Bytes after the response would be an unrequested answer: the response
 * is complete, the connection is never reused. */
static void surplus_bytes_retire_the_connection(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    char both[256];
    snprintf(both, sizeof both, "%s%s", OK5, "HTTP/1.1 200 OK\r\n");
    reply(x, both);
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, 0);
    assert_int_equal(c->state, CONN_CLOSING);
    assert_null(conn_take_idle(&x->o));
}

/* An idle connection that the server closes is retired; a request that
 * then fails on a reused connection before any byte may be resent. */
static void idle_close_and_resend(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    reply(x, OK5);
    assert_int_equal(c->state, CONN_IDLE);
    /* Reuse it, and the server resets it before answering. */
    conn_take_idle(&x->o);
    conn_push(c, &x->j[1].x);
    complete(x, fake_take(x->f, FAKE_SEND), (int)x->j[1].x.req_len);
    complete(x, fake_take(x->f, FAKE_RECV), -ECONNRESET);
    assert_int_equal(x->j[1].ended, 1);
    assert_int_equal(x->j[1].err, -ECONNRESET);
    assert_true(x->j[1].resend_ok);
}

static void idle_connection_that_speaks_is_closed(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    reply(x, OK5);
    reply(x, "HTTP/1.1 408 Request Timeout\r\n\r\n");
    assert_int_equal(c->state, CONN_CLOSING);
    assert_null(conn_take_idle(&x->o));
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(c->state, CONN_FREE);
}

/* A refused address: the origin's next one, under the same deadline. */
static void refused_tries_the_next_address(void **state)
{
    struct fixture *x = *state;
    struct conn *c = conn_alloc(&x->cs);
    conn_connect(c, &x->o, &x->j[0].x, 0);
    complete(x, fake_take(x->f, FAKE_SOCKET), 10);
    complete(x, fake_take(x->f, FAKE_CONNECT), -ECONNREFUSED);
    assert_int_equal(x->j[0].ended, 0);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    complete(x, fake_take(x->f, FAKE_SOCKET), 11);
    complete(x, fake_take(x->f, FAKE_CONNECT), 0);
    assert_int_equal(x->o.pref, 1); /* the address that worked goes first next time */
    complete(x, fake_take(x->f, FAKE_SEND), (int)x->j[0].x.req_len);
    reply(x, OK5);
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, 0);
}

/* Issue 8 item 7: a socket that cannot be made (EMFILE) ends the job once
 * with that error; there is no descriptor to close, and the slot is free. */
static void a_failing_socket_ends_the_job_with_its_error(void **state)
{
    struct fixture *x = *state;
    struct conn *c = conn_alloc(&x->cs);
    conn_connect(c, &x->o, &x->j[0].x, 0);
    complete(x, fake_take(x->f, FAKE_SOCKET), -EMFILE);
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, -EMFILE);
    assert_int_equal(fake_pending(x->f, FAKE_CONNECT), 0);
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0);
    assert_int_equal(c->state, CONN_FREE);
    assert_int_equal(x->cs.active, 0);
}

/* A send that fails on a new connection (the peer went away) ends the job
 * once with that error, never as resendable (nothing was answered on this
 * connection, so a new one would be a retry, the policy's to decide); the
 * recv in flight is cancelled and the descriptor closed. */
static void a_failing_send_ends_the_job_with_its_error(void **state)
{
    struct fixture *x = *state;
    struct conn *c = conn_alloc(&x->cs);
    conn_connect(c, &x->o, &x->j[0].x, 0);
    complete(x, fake_take(x->f, FAKE_SOCKET), 10);
    complete(x, fake_take(x->f, FAKE_CONNECT), 0);
    complete(x, fake_take(x->f, FAKE_SEND), -EPIPE);
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, -EPIPE);
    assert_false(x->j[0].resend_ok);
    for (int spins = 0; c->state != CONN_FREE && spins < 8; spins++) {
        struct fake_rec *r = fake_take(x->f, FAKE_CANCEL_OP);
        if (!r)
            r = fake_take(x->f, FAKE_CANCEL_FD);
        if (r) {
            complete(x, r, 0);
            continue;
        }
        if ((r = fake_take(x->f, FAKE_RECV)) != NULL) {
            complete(x, r, -ECANCELED);
            continue;
        }
        complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    }
    assert_int_equal(c->state, CONN_FREE);
    assert_int_equal(x->j[0].ended, 1);
}

static void connect_deadline_fails_the_job(void **state)
{
    struct fixture *x = *state;
    struct conn *c = conn_alloc(&x->cs);
    conn_connect(c, &x->o, &x->j[0].x, 0);
    complete(x, fake_take(x->f, FAKE_SOCKET), 10);
    assert_int_equal(tmr_next(&x->timers), 10000ull * 1000000);
    tmr_run(&x->timers, 10000ull * 1000000);
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, RF_E_CONNECT_TIMEOUT);
    /* The connect in flight is cancelled (by its user_data) before the descriptor is closed. */
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0);
    struct fake_rec *cancel = fake_take(x->f, FAKE_CANCEL_OP), *connect = fake_take(x->f, FAKE_CONNECT);
    assert_int_equal(cancel->off, connect->ud);
    assert_int_equal(fake_pending(x->f, FAKE_CANCEL_FD), 0);
    complete(x, cancel, 0);
    complete(x, connect, -ECANCELED);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(c->state, CONN_FREE);
}

/* The owner gives up (a deadline, a disk error): no callback for it, the
 * connection closes. */
static void owner_drops_its_exchange(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    reply(x, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe");
    conn_drop(c, &x->j[0].x);
    assert_int_equal(x->j[0].ended, 0);
    assert_int_equal(c->state, CONN_CLOSING);
    struct fake_rec *cancel = fake_take(x->f, FAKE_CANCEL_OP), *recv = fake_take(x->f, FAKE_RECV);
    assert_int_equal(cancel->off, recv->ud);
    complete(x, cancel, 0);
    complete(x, recv, -ECANCELED);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(c->state, CONN_FREE);
}

/* A completion for an earlier life of the slot is dropped, its buffer
 * given back. */
static void stale_completion_is_dropped(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    struct fake_rec *r = fake_take(x->f, FAKE_RECV);
    struct fake_rec stale = *r;
    stale.ud = ud_pack(OP_TP_RECV, c->gen - 1, c->idx);
    struct be_cqe cq = fake_cqe_recv(x->f, &stale, OK5, strlen(OK5));
    conn_complete(&x->cs, &cq);
    assert_int_equal(x->j[0].ended, 0);
    struct be_cqe good = fake_cqe_recv(x->f, r, OK5, strlen(OK5));
    conn_complete(&x->cs, &good);
    assert_int_equal(x->j[0].ended, 1);
}

/* Protocol errors end the exchange with the parser's words. */
static void garbage_is_a_protocol_error(void **state)
{
    struct fixture *x = *state;
    start(x);
    reply(x, "HTTP/1.1 2OO OK\r\n\r\n");
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, RF_E_PROTOCOL);
    assert_non_null(x->j[0].detail);
}

/* Transfer-Encoding other than chunked (issue 9 item 4): refused, named. */
static void gzip_transfer_coding_is_refused(void **state)
{
    struct fixture *x = *state;
    start(x);
    reply(x, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, RF_E_CODING);
    assert_string_equal(x->j[0].x.resp.bad_coding, "gzip");
    assert_int_equal(x->j[0].len, 0);
}

/* Pipelining: only after a persistent HTTP/1.1 answer; answers in one
 * buffer go to their exchanges in order. */
static void pipelined_answers_go_in_order(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    assert_null(conn_take_roomy(&x->o)); /* not before the first answer */
    assert_int_equal(x->o.nconns, 1);
    conn_push(c, &x->j[1].x);            /* behind j[0], unanswered: allowed by hand */
    reply(x, OK5);                       /* j[0]'s */
    assert_int_equal(x->j[0].ended, 1);
    assert_true(c->pipelinable);
    assert_ptr_equal(conn_take_roomy(&x->o), c); /* depth 1 of 3 */
    conn_push(c, &x->j[2].x);
    assert_ptr_equal(conn_take_roomy(&x->o), c); /* 2 of 3 */
    complete(x, fake_take(x->f, FAKE_SEND), (int)(x->j[1].x.req_len));
    complete(x, fake_take(x->f, FAKE_SEND), (int)(x->j[2].x.req_len)); /* queued behind it */
    char both[256];
    snprintf(both, sizeof both, "%s%s", OK5, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    reply(x, both);
    assert_int_equal(x->j[1].ended, 1);
    assert_memory_equal(x->j[1].body, "hello", 5);
    assert_int_equal(x->j[2].ended, 1);
    assert_memory_equal(x->j[2].body, "hi", 2);
    assert_int_equal(c->state, CONN_IDLE);
    assert_true(x->capacity_calls > 0);
}

/* A close after one of two pipelined answers: the other was never
 * answered and may be sent again. */
static void close_after_k_answers_leaves_the_rest_resendable(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    reply(x, OK5);
    assert_ptr_equal(conn_take_idle(&x->o), c);
    conn_push(c, &x->j[1].x);
    conn_push(c, &x->j[2].x);
    assert_int_equal(x->cs.pipelined, 1);
    reply(x, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    assert_int_equal(x->j[1].ended, 1);
    assert_int_equal(x->j[1].err, 0);
    assert_int_equal(x->j[2].ended, 1);
    assert_true(x->j[2].err != 0);
    assert_true(x->j[2].resend_ok);
    assert_int_equal(c->state, CONN_CLOSING);
}

/* A buffer that ends inside an answer still frees the room the answers
 * before it made: the connection can take another request at once, not
 * only once the whole pipeline has drained (ringload --pipeline 16 waited
 * for every answer before sending again). */
static void a_partial_answer_after_complete_ones_leaves_room(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    reply(x, OK5);
    assert_ptr_equal(conn_take_idle(&x->o), c);
    conn_push(c, &x->j[1].x);
    conn_push(c, &x->j[2].x);
    xchg_free(&x->j[0].x);
    job_init(&x->j[0]);
    assert_ptr_equal(conn_take_roomy(&x->o), c);
    conn_push(c, &x->j[0].x);
    assert_null(conn_take_roomy(&x->o)); /* 3 of 3 */
    complete(x, fake_take(x->f, FAKE_SEND), (int)(x->j[1].x.req_len));
    complete(x, fake_take(x->f, FAKE_SEND), (int)(2 * x->j[2].x.req_len));
    char one_and_a_half[256];
    snprintf(one_and_a_half, sizeof one_and_a_half, "%s%s", OK5, "HTTP/1.1 200 OK\r\nContent-Len");
    reply(x, one_and_a_half);
    assert_int_equal(x->j[1].ended, 1);
    assert_int_equal(x->j[2].ended, 0);
    assert_ptr_equal(conn_take_roomy(&x->o), c); /* 2 of 3: room for one more */
    reply(x, "gth: 2\r\n\r\nhi" "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    assert_int_equal(x->j[2].ended, 1);
    assert_memory_equal(x->j[2].body, "hi", 2);
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(c->state, CONN_IDLE);
}

/* A server that speaks HTTP/1.0 (or closes) never gets pipelined requests. */
static void no_pipelining_on_http10(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    reply(x, "HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello");
    assert_int_equal(c->state, CONN_IDLE);
    assert_false(c->pipelinable);
    assert_null(conn_take_roomy(&x->o));
}

/* ---- the direct path: the rest of a body spliced from the socket ---------- */

struct splicer {
    struct job *j;             /* first: the exchange's owner is the job */
    struct conn *c;
    struct pipes *pool;
    struct rf_pipe *p;
    bool take;
    uint64_t offered, spliced;
};
static struct splicer sp;

/* The job's side, as the engine does it: take the rest with a pipe, and
 * splice the next part each time one lands (the test stands in for the
 * sink, which would empty the pipe). */
static bool s_take_rest(void *o, uint64_t left)
{
    (void)o;
    sp.offered = left;
    if (!sp.take)
        return false;
    sp.p = pipes_get(sp.pool);
    assert_non_null(sp.p);
    assert_int_equal(conn_splice(sp.c, sp.p, left < sp.p->cap ? left : sp.p->cap), 0);
    return true;
}
static void s_spliced(void *o, uint32_t n)
{
    (void)o;
    sp.spliced += n;
    sp.p->fill -= n;
    uint64_t left = sp.offered - sp.spliced;
    if (left)
        assert_int_equal(conn_splice(sp.c, sp.p, left < sp.p->cap ? left : sp.p->cap), 0);
}

static const struct xchg_events jev_direct = { j_headers, j_body, j_buffer_end, j_end, s_take_rest, s_spliced };

/* A connection carrying j[0] as a job that splices, its pipes from pool. */
static struct conn *start_direct(struct fixture *x, struct pipes *pool, bool take)
{
    xchg_free(&x->j[0].x);
    memset(&x->j[0], 0, sizeof x->j[0]);
    char *req = strdup("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    xchg_init(&x->j[0].x, &x->j[0], &jev_direct, req, strlen(req));
    pipes_init(pool, 2, 65536);
    x->cs.pipes = pool;
    sp = (struct splicer){ .j = &x->j[0], .pool = pool, .take = take };
    struct conn *c = conn_alloc(&x->cs);
    sp.c = c;
    conn_connect(c, &x->o, &x->j[0].x, 0);
    complete(x, fake_take(x->f, FAKE_SOCKET), 10);
    complete(x, fake_take(x->f, FAKE_CONNECT), 0);
    complete(x, fake_take(x->f, FAKE_SEND), (int)x->j[0].x.req_len);
    return c;
}

static const char BIG_HEAD[] = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabcd";

/* The body past the first buffer goes through the pipe, part by part;
 * no receive is armed meanwhile; at its end the response is complete and
 * the connection idles with its receive armed again. */
static void direct_body_is_spliced_then_the_connection_idles(void **state)
{
    struct fixture *x = *state;
    struct pipes pool;
    struct conn *c = start_direct(x, &pool, true);
    reply(x, BIG_HEAD);
    assert_int_equal(sp.offered, 100000 - 4);
    assert_int_equal(x->j[0].len, 4);              /* what came with the headers */
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 0);
    struct fake_rec *r = fake_take(x->f, FAKE_SPLICE);
    assert_non_null(r);
    assert_int_equal(r->fd, 10);                   /* from the socket */
    assert_int_equal(r->fd2, sp.p->wr);            /* into the pipe */
    assert_int_equal(r->len, 65536);
    complete(x, r, 40000);                         /* a socket gives what it has */
    assert_int_equal(x->j[0].ended, 0);
    r = fake_take(x->f, FAKE_SPLICE);
    assert_int_equal(r->len, 100000 - 4 - 40000);
    complete(x, r, (int)r->len);
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, 0);
    assert_int_equal(x->j[0].x.resp.body_bytes, 100000);
    assert_int_equal(c->state, CONN_IDLE);
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 1); /* the idle watch again */
    assert_null(c->spl_pipe);
    pipes_put(&pool, sp.p);                        /* the job's reference: back in the pool */
    assert_ptr_equal(pool.free, sp.p);
    pipes_free(&pool);
}

/* Declined: the receive goes on as before. */
static void direct_body_declined_is_received(void **state)
{
    struct fixture *x = *state;
    struct pipes pool;
    start_direct(x, &pool, false);
    reply(x, BIG_HEAD);
    assert_int_equal(sp.offered, 100000 - 4);
    assert_int_equal(fake_pending(x->f, FAKE_SPLICE), 0);
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 1);
    pipes_free(&pool);
}

/* The peer closes in the middle: a truncated body; the pipe the splice
 * had is given back once the socket is closed. */
static void direct_eof_mid_body_is_truncated(void **state)
{
    struct fixture *x = *state;
    struct pipes pool;
    struct conn *c = start_direct(x, &pool, true);
    reply(x, BIG_HEAD);
    complete(x, fake_take(x->f, FAKE_SPLICE), 30000);
    complete(x, fake_take(x->f, FAKE_SPLICE), 0);
    assert_int_equal(x->j[0].ended, 1);
    assert_int_equal(x->j[0].err, RF_E_TRUNCATED);
    assert_int_equal(c->state, CONN_CLOSING);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(c->state, CONN_FREE);
    assert_int_equal(sp.p->refs, 1);               /* only the job's is left */
    pipes_put(&pool, sp.p);
    pipes_free(&pool);
}

/* The owner gives up while a splice is blocked in the kernel: it is
 * cancelled by its user_data (a cancel by the socket would not reach it:
 * io_uring files a splice under its output, the pipe), and the descriptor
 * closes only once it is back. */
static void direct_drop_cancels_the_splice_by_its_user_data(void **state)
{
    struct fixture *x = *state;
    struct pipes pool;
    struct conn *c = start_direct(x, &pool, true);
    reply(x, BIG_HEAD);
    conn_drop(c, &x->j[0].x);
    struct fake_rec *a = fake_take(x->f, FAKE_CANCEL_OP);
    assert_non_null(a);
    assert_null(fake_take(x->f, FAKE_CANCEL_OP)); /* no receive is armed while splicing */
    assert_int_equal(fake_pending(x->f, FAKE_CANCEL_FD), 0);
    struct fake_rec *splice = fake_take(x->f, FAKE_SPLICE);
    assert_int_equal(a->off, splice->ud);
    complete(x, a, 0);
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0); /* the splice is still out */
    complete(x, splice, -ECANCELED);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(c->state, CONN_FREE);
    pipes_put(&pool, sp.p);                        /* the job's: the pipe is closed, its bytes unknown */
    assert_null(pool.free);
    assert_int_equal(pool.closed, 1);
    pipes_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(response_then_idle_then_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(response_in_pieces, setup, teardown),
        cmocka_unit_test_setup_teardown(eof_mid_body_is_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(surplus_bytes_retire_the_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(idle_close_and_resend, setup, teardown),
        cmocka_unit_test_setup_teardown(idle_connection_that_speaks_is_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_tries_the_next_address, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failing_socket_ends_the_job_with_its_error, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failing_send_ends_the_job_with_its_error, setup, teardown),
        cmocka_unit_test_setup_teardown(connect_deadline_fails_the_job, setup, teardown),
        cmocka_unit_test_setup_teardown(owner_drops_its_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(stale_completion_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(garbage_is_a_protocol_error, setup, teardown),
        cmocka_unit_test_setup_teardown(gzip_transfer_coding_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(pipelined_answers_go_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(close_after_k_answers_leaves_the_rest_resendable, setup, teardown),
        cmocka_unit_test_setup_teardown(no_pipelining_on_http10, setup, teardown),
        cmocka_unit_test_setup_teardown(a_partial_answer_after_complete_ones_leaves_room, setup, teardown),
        cmocka_unit_test_setup_teardown(direct_body_is_spliced_then_the_connection_idles, setup, teardown),
        cmocka_unit_test_setup_teardown(direct_body_declined_is_received, setup, teardown),
        cmocka_unit_test_setup_teardown(direct_eof_mid_body_is_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(direct_drop_cancels_the_splice_by_its_user_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
