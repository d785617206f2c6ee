/* A connection over TLS (src/engine/conn.c with src/engine/tp_tls.c) on
 * the fake backend: the ClientHello goes out through the backend's send
 * once TCP is up; a deadline during the handshake is named as such; a TLS
 * failure does not try the origin's next address (it would show the same
 * certificate); a FIN in the handshake and plain HTTP on the port say so. */
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
    int ended, err;
    char detail[160];
};

static int j_headers(void *o, const struct resp *r) { (void)o; (void)r; return 0; }
static int j_body(void *o, struct lbuf *b, const char *at, size_t len)
{
    (void)o; (void)b; (void)at; (void)len;
    return 0;
}
static void j_buffer_end(void *o) { (void)o; }
static void j_end(void *o, int err, const char *detail, bool resend_ok)
{
    struct job *j = o;
    (void)resend_ok;
    j->ended++;
    j->err = err;
    snprintf(j->detail, sizeof j->detail, "%s", detail ? detail : "");
}

static const struct xchg_events jev = { j_headers, j_body, j_buffer_end, j_end, NULL, NULL };

struct fixture {
    struct fake_be *f;
    struct tmr_heap timers;
    struct conn_set cs;
    struct tls_env env;
    struct origin o;
    struct job j;
};

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    char why[160];
    x->f = fake_be_new(8, 4096);
    assert_int_equal(tmr_heap_init(&x->timers, 16), 0);
    assert_int_equal(conn_set_init(&x->cs, &x->f->b, &x->timers, 4, 10000, 1, NULL, NULL), 0);
    assert_int_equal(tls_env_init(&x->env, NULL, NULL, false, why, sizeof why), 0);
    x->cs.tls = &x->env;
    pool_list_init(&x->o.idle);
    pool_list_init(&x->o.roomy);
    pool_list_init(&x->o.waiting);
    x->o.state = ORIGIN_SETTLED;
    x->o.tls = true;
    snprintf(x->o.host, sizeof x->o.host, "localhost");
    x->o.naddrs = 2;
    for (int i = 0; i < 2; i++) {
        struct sockaddr_in *sa = (struct sockaddr_in *)&x->o.addrs[i];
        sa->sin_family = AF_INET;
        sa->sin_port = htons((uint16_t)(8443 + i));
        x->o.addrlens[i] = sizeof *sa;
    }
    char *req = strdup("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    xchg_init(&x->j.x, &x->j, &jev, req, strlen(req));
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    xchg_free(&x->j.x);
    conn_set_free(&x->cs);
    tls_cache_free(&x->o.tls_cache);
    tls_env_free(&x->env);
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

static void recv_bytes(struct fixture *x, const char *bytes, size_t len)
{
    struct fake_rec *r = fake_take(x->f, FAKE_RECV);
    assert_non_null(r);
    struct be_cqe c = fake_cqe_recv(x->f, r, bytes, len);
    conn_complete(&x->cs, &c);
}

/* TCP up: the ClientHello (a TLS handshake record) is what goes out first. */
static struct conn *start(struct fixture *x)
{
    struct conn *c = conn_alloc(&x->cs);
    assert_non_null(c);
    conn_connect(c, &x->o, &x->j.x, 0);
    assert_ptr_equal(c->tp, &c->tls->tp);
    complete(x, fake_take(x->f, FAKE_SOCKET), 10);
    complete(x, fake_take(x->f, FAKE_CONNECT), 0);
    struct fake_rec *s = fake_take(x->f, FAKE_SEND);
    assert_non_null(s);
    const unsigned char *p = s->buf;
    assert_true(s->len > 5 && p[0] == 0x16 && p[1] == 0x03); /* handshake record */
    complete(x, s, (int)s->len);
    assert_int_equal(c->state, CONN_CONNECTING); /* until the handshake is done */
    assert_int_equal(x->j.ended, 0);
    return c;
}

static void drain_close(struct fixture *x, struct conn *c)
{
    assert_int_equal(fake_pending(x->f, FAKE_CANCEL_FD), 0); /* by user_data, not by fd */
    while (fake_pending(x->f, FAKE_CANCEL_OP))
        complete(x, fake_take(x->f, FAKE_CANCEL_OP), 0);
    while (fake_pending(x->f, FAKE_RECV)) {
        struct fake_rec *r = fake_take(x->f, FAKE_RECV);
        complete(x, r, -ECANCELED);
    }
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(c->state, CONN_FREE);
    /* No second address was tried. */
    assert_int_equal(fake_pending(x->f, FAKE_SOCKET), 0);
}

static void deadline_in_the_handshake_is_named(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    tmr_run(&x->timers, 10000ull * 1000000);
    assert_int_equal(x->j.ended, 1);
    assert_int_equal(x->j.err, RF_E_TLS_TIMEOUT);
    drain_close(x, c);
}

static void deadline_before_tcp_is_a_connect_timeout(void **state)
{
    struct fixture *x = *state;
    struct conn *c = conn_alloc(&x->cs);
    conn_connect(c, &x->o, &x->j.x, 0);
    complete(x, fake_take(x->f, FAKE_SOCKET), 10);
    tmr_run(&x->timers, 10000ull * 1000000);
    assert_int_equal(x->j.err, RF_E_CONNECT_TIMEOUT);
    complete(x, fake_take(x->f, FAKE_CANCEL_OP), 0);
    complete(x, fake_take(x->f, FAKE_CONNECT), -ECANCELED);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(c->state, CONN_FREE);
}

static void plain_http_answer_is_a_wrong_version_number(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    recv_bytes(x, bad, sizeof bad - 1);
    assert_int_equal(x->j.ended, 1);
    assert_int_equal(x->j.err, RF_E_TLS_HANDSHAKE);
    assert_string_equal(x->j.detail, "wrong version number");
    drain_close(x, c);
}

static void fin_in_the_handshake_fails_it(void **state)
{
    struct fixture *x = *state;
    struct conn *c = start(x);
    recv_bytes(x, "", 0);
    assert_int_equal(x->j.ended, 1);
    assert_int_equal(x->j.err, RF_E_TLS_HANDSHAKE);
    assert_string_equal(x->j.detail, "the server closed the connection");
    drain_close(x, c);
}

/* A second connection opened while the first does the origin's full
 * handshake waits at the gate (TCP open, no ClientHello yet); what its
 * server sends meanwhile is held, and given back by tp_tls_abandon (the
 * engine's path when the backend dies under it). */
static void second_connection_waits_at_the_gate(void **state)
{
    struct fixture *x = *state;
    struct conn *c1 = start(x);
    struct job j2 = {0};
    char *req = strdup("GET /2 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    xchg_init(&j2.x, &j2, &jev, req, strlen(req));
    struct conn *c2 = conn_alloc(&x->cs);
    conn_connect(c2, &x->o, &j2.x, 0);
    complete(x, fake_take(x->f, FAKE_SOCKET), 11);
    complete(x, fake_take(x->f, FAKE_CONNECT), 0);
    assert_int_equal(fake_pending(x->f, FAKE_SEND), 0); /* waiting: no ClientHello */
    assert_int_equal(c2->tls->phase, TLS_GATE);
    unsigned held = x->f->bufs_held;
    /* The second connection's recv was armed after the first's: take it. */
    fake_take(x->f, FAKE_RECV);
    struct fake_rec *r2 = fake_take(x->f, FAKE_RECV);
    assert_non_null(r2);
    struct be_cqe cq = fake_cqe_recv(x->f, r2, "\x16\x03\x03", 3);
    conn_complete(&x->cs, &cq);
    assert_int_equal(x->f->bufs_held, held + 1); /* queued for the handshake to come */
    tp_tls_abandon(c2->tls);
    assert_int_equal(x->f->bufs_held, held);
    /* The first one failing opens the gate: the second starts its own handshake. */
    tmr_run(&x->timers, 10000ull * 1000000);
    assert_int_equal(x->j.err, RF_E_TLS_TIMEOUT);
    assert_int_equal(j2.err, RF_E_TLS_TIMEOUT); /* same deadline: both in the handshake */
    (void)c1;
    xchg_free(&j2.x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(deadline_in_the_handshake_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(deadline_before_tcp_is_a_connect_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(plain_http_answer_is_a_wrong_version_number, setup, teardown),
        cmocka_unit_test_setup_teardown(fin_in_the_handshake_fails_it, setup, teardown),
        cmocka_unit_test_setup_teardown(second_connection_waits_at_the_gate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
