/* The plain TCP transport's state machine (src/engine/tp_plain.c) on the
 * fake backend: completions in the orders a kernel may produce them. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/transport.h"
#include "fake_be.h"
#include "io/ud.h"

struct owner {
    int opened, sent, ended, closed;
    int end_err;
    bool end_opened;
    char data[256];
    size_t len;
    bool close_on_data;
    struct tp *t;
};

static void o_open(void *p) { ((struct owner *)p)->opened++; }
static void o_sent(void *p) { ((struct owner *)p)->sent++; }
static void o_closed(void *p) { ((struct owner *)p)->closed++; }
static void o_end(void *p, int err, bool opened)
{
    struct owner *o = p;
    o->ended++;
    o->end_err = err;
    o->end_opened = opened;
}
static void o_data(void *p, struct lbuf *b, const char *at, size_t len)
{
    struct owner *o = p;
    (void)b;
    memcpy(o->data + o->len, at, len);
    o->len += len;
    if (o->close_on_data)
        tp_close(o->t);
}

static const struct tp_events events = { o_open, o_data, o_sent, o_end, o_closed, NULL };

struct fixture {
    struct fake_be *f;
    struct tp_set set;
    struct tp t;
    struct owner o;
    struct sockaddr_in sa;
};

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    x->f = fake_be_new(4, 64);
    x->set.be = &x->f->b;
    x->sa.sin_family = AF_INET;
    tp_plain_init(&x->t, &x->set, &events, &x->o, ud_pack(0, 3, 7));
    x->o.t = &x->t;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(x->f->bufs_held, 0); /* every lent buffer came back */
    be_destroy(&x->f->b);
    free(x);
    return 0;
}

static void complete(struct fixture *x, struct fake_rec *r, int res)
{
    assert_non_null(r);
    struct be_cqe c = fake_cqe(r, res);
    tp_complete(&x->t, &c);
}

/* socket -> connect -> open, with a recv armed at once. */
static void open_it(struct fixture *x)
{
    tp_connect(&x->t, (struct sockaddr *)&x->sa, sizeof x->sa);
    struct fake_rec *s = fake_take(x->f, FAKE_SOCKET);
    assert_int_equal(ud_kind(s->ud), OP_TP_SOCKET);
    assert_int_equal(ud_gen(s->ud), 3);
    assert_int_equal(ud_idx(s->ud), 7);
    complete(x, s, 42);
    complete(x, fake_take(x->f, FAKE_CONNECT), 0);
    assert_int_equal(x->o.opened, 1);
    assert_int_equal(x->t.state, TP_OPEN);
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 1);
}

static void connects_and_receives(void **state)
{
    struct fixture *x = *state;
    open_it(x);
    struct fake_rec *r = fake_take(x->f, FAKE_RECV);
    struct be_cqe c = fake_cqe_recv(x->f, r, "hello", 5);
    tp_complete(&x->t, &c);
    assert_int_equal(x->o.len, 5);
    assert_memory_equal(x->o.data, "hello", 5);
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 1); /* re-armed */
    assert_int_equal(x->t.rx_bytes, 5);
}

static void a_short_send_sends_the_rest(void **state)
{
    struct fixture *x = *state;
    open_it(x);
    tp_send(&x->t, "GET / HTTP/1.1\r\n\r\n", 18);
    struct fake_rec *s = fake_take(x->f, FAKE_SEND);
    complete(x, s, 5);
    assert_int_equal(x->o.sent, 0);
    struct fake_rec *s2 = fake_take(x->f, FAKE_SEND);
    assert_non_null(s2);
    assert_int_equal(s2->len, 13);
    assert_memory_equal(s2->buf, " HTTP/1.1\r\n\r\n", 13);
    complete(x, s2, 13);
    assert_int_equal(x->o.sent, 1);
}

static void a_refused_connect_ends_before_open(void **state)
{
    struct fixture *x = *state;
    tp_connect(&x->t, (struct sockaddr *)&x->sa, sizeof x->sa);
    complete(x, fake_take(x->f, FAKE_SOCKET), 9);
    complete(x, fake_take(x->f, FAKE_CONNECT), -ECONNREFUSED);
    assert_int_equal(x->o.ended, 1);
    assert_int_equal(x->o.end_err, -ECONNREFUSED);
    assert_false(x->o.end_opened);
    tp_close(&x->t);
    /* Nothing in flight: the descriptor is closed at once. */
    struct fake_rec *c = fake_take(x->f, FAKE_CLOSE);
    assert_non_null(c);
    assert_int_equal(c->fd, 9);
    complete(x, c, 0);
    assert_int_equal(x->o.closed, 1);
    assert_int_equal(x->t.state, TP_FREE);
}

static void eof_mid_stream_is_reported_once(void **state)
{
    struct fixture *x = *state;
    open_it(x);
    struct fake_rec *r = fake_take(x->f, FAKE_RECV);
    struct be_cqe c = fake_cqe_recv(x->f, r, "", 0);
    tp_complete(&x->t, &c);
    assert_int_equal(x->o.ended, 1);
    assert_int_equal(x->o.end_err, 0);
    assert_true(x->o.end_opened);
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 0); /* not re-armed */
}

/* The descriptor is never closed while an operation on it is in flight:
 * a close with a recv and a send out cancels each, by its user_data (a
 * hash lookup in io_uring, where a cancel by fd walks every request). */
static void close_with_ops_in_flight_waits_for_them(void **state)
{
    struct fixture *x = *state;
    open_it(x);
    tp_send(&x->t, "abc", 3);
    tp_close(&x->t);
    struct fake_rec *c1 = fake_take(x->f, FAKE_CANCEL_OP), *c2 = fake_take(x->f, FAKE_CANCEL_OP);
    assert_non_null(c1);
    assert_non_null(c2);
    assert_int_equal(fake_pending(x->f, FAKE_CANCEL_FD), 0);
    struct fake_rec *send = fake_take(x->f, FAKE_SEND), *recv = fake_take(x->f, FAKE_RECV);
    assert_true((c1->off == send->ud && c2->off == recv->ud) || (c1->off == recv->ud && c2->off == send->ud));
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0);
    /* The cancels' own completions come first (the send's found nothing:
     * it raced and completed), then the send, then the recv, cancelled. */
    complete(x, c1, 0);
    complete(x, c2, -ENOENT);
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0);
    complete(x, send, 3);
    assert_int_equal(x->o.sent, 0); /* closing: nobody is told */
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0);
    complete(x, recv, -ECANCELED);
    struct fake_rec *cl = fake_take(x->f, FAKE_CLOSE);
    assert_non_null(cl);
    assert_int_equal(x->o.closed, 0);
    complete(x, cl, 0);
    assert_int_equal(x->o.closed, 1);
    assert_int_equal(x->o.ended, 0);
}

/* A recv that completes with data after the close was asked: the buffer
 * goes back, nothing reaches the owner. */
static void data_racing_a_close_is_dropped(void **state)
{
    struct fixture *x = *state;
    open_it(x);
    tp_close(&x->t);
    struct fake_rec *r = fake_take(x->f, FAKE_RECV);
    struct be_cqe c = fake_cqe_recv(x->f, r, "late", 4);
    tp_complete(&x->t, &c);
    assert_int_equal(x->o.len, 0);
    complete(x, fake_take(x->f, FAKE_CANCEL_OP), -ENOENT);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(x->o.closed, 1);
}

/* ENOBUFS is not a dead connection: the recv waits for a buffer. */
static void enobufs_rearms_when_a_buffer_is_back(void **state)
{
    struct fixture *x = *state;
    open_it(x);
    x->f->b.bufs_free = 0;
    complete(x, fake_take(x->f, FAKE_RECV), -ENOBUFS);
    assert_int_equal(x->o.ended, 0);
    assert_true(x->t.starved);
    tp_feed_starved(&x->set);
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 0); /* still none free */
    x->f->b.bufs_free = 4;
    tp_feed_starved(&x->set);
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 1);
    assert_false(x->t.starved);
}

/* A close from inside on_data (the owner saw the end of what it wanted). */
static void close_from_on_data(void **state)
{
    struct fixture *x = *state;
    open_it(x);
    x->o.close_on_data = true;
    struct fake_rec *r = fake_take(x->f, FAKE_RECV);
    struct be_cqe c = fake_cqe_recv(x->f, r, "x", 1);
    tp_complete(&x->t, &c);
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 0);
    struct fake_rec *cl = fake_take(x->f, FAKE_CLOSE);
    assert_non_null(cl);
    complete(x, cl, 0);
    assert_int_equal(x->o.closed, 1);
}

/* A close while the socket op is in flight: the descriptor it brings is closed. */
static void close_during_socket(void **state)
{
    struct fixture *x = *state;
    tp_connect(&x->t, (struct sockaddr *)&x->sa, sizeof x->sa);
    tp_close(&x->t);
    assert_int_equal(fake_pending(x->f, FAKE_CANCEL_FD), 0); /* no fd to cancel on */
    complete(x, fake_take(x->f, FAKE_SOCKET), 77);
    struct fake_rec *cl = fake_take(x->f, FAKE_CLOSE);
    assert_non_null(cl);
    assert_int_equal(cl->fd, 77);
    assert_int_equal(fake_pending(x->f, FAKE_CONNECT), 0);
    complete(x, cl, 0);
    assert_int_equal(x->o.closed, 1);
    assert_int_equal(x->o.opened, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(connects_and_receives, setup, teardown),
        cmocka_unit_test_setup_teardown(a_short_send_sends_the_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(a_refused_connect_ends_before_open, setup, teardown),
        cmocka_unit_test_setup_teardown(eof_mid_stream_is_reported_once, setup, teardown),
        cmocka_unit_test_setup_teardown(close_with_ops_in_flight_waits_for_them, setup, teardown),
        cmocka_unit_test_setup_teardown(data_racing_a_close_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(enobufs_rearms_when_a_buffer_is_back, setup, teardown),
        cmocka_unit_test_setup_teardown(close_from_on_data, setup, teardown),
        cmocka_unit_test_setup_teardown(close_during_socket, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
