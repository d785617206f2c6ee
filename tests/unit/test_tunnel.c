/* The CONNECT tunnel transport (src/engine/tp_tunnel.c) over the plain one,
 * on the fake backend: what it asks the proxy, how it reads the answer
 * (split anywhere, interim answers, bytes after the blank line), the
 * refusals in words, and the owner's first send racing the request's own;
 * then a connection (conn.c) stacking TLS on it: the ClientHello goes out
 * only once the tunnel is up, and a refusal ends the exchange with the
 * proxy's words and tries no other address. */
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
#include "engine/tp_tunnel.h"
#include "fake_be.h"
#include "io/ud.h"
#include "ringfetch/engine.h"

/* ---- the tunnel alone -------------------------------------------------------- */

struct owner {
    int opened, sent, ended, closed;
    int end_err;
    bool end_opened;
    char why[160];
    char data[256];
    size_t len;
    int data_calls;
    int open_before_data;     /* on_open had come when the first on_data came */
    bool close_on_open;
    struct tp *t;
};

static void o_open(void *p)
{
    struct owner *o = p;
    o->opened++;
    if (o->close_on_open)
        tp_close(o->t);
}
static void o_sent(void *p) { ((struct owner *)p)->sent++; }
static void o_closed(void *p) { ((struct owner *)p)->closed++; }
static void o_end(void *p, int err, bool opened)
{
    struct owner *o = p;
    o->ended++;
    o->end_err = err;
    o->end_opened = opened;
    snprintf(o->why, sizeof o->why, "%s", o->t->why ? o->t->why : "");
}
static void o_data(void *p, struct lbuf *b, const char *at, size_t len)
{
    struct owner *o = p;
    (void)b;
    if (o->data_calls++ == 0)
        o->open_before_data = o->opened;
    memcpy(o->data + o->len, at, len);
    o->len += len;
}

static const struct tp_events events = { o_open, o_data, o_sent, o_end, o_closed, NULL };

static const char CONNECT_REQ[] = "CONNECT origin.example:443 HTTP/1.1\r\n"
                                  "Host: origin.example:443\r\n"
                                  "User-Agent: ua/1\r\n"
                                  "Proxy-Authorization: Basic dTpwdw==\r\n"
                                  "\r\n";

struct fixture {
    struct fake_be *f;
    struct tp_set set;
    struct tp tcp;
    struct tp_tunnel tun;
    struct proxy proxy;
    struct owner o;
    struct sockaddr_in sa;
};

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    x->f = fake_be_new(8, 256);
    x->set.be = &x->f->b;
    x->sa.sin_family = AF_INET;
    assert_int_equal(proxy_parse("http://u:pw@127.0.0.1:3128", &x->proxy), PROXY_OK);
    tp_plain_init(&x->tcp, &x->set, &events, &x->o, ud_pack(0, 3, 7));
    tp_tunnel_init(&x->tun, &x->tcp, &x->proxy, "origin.example", 443, "ua/1", &events, &x->o);
    x->o.t = &x->tun.tp;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    tp_tunnel_free(&x->tun);
    assert_int_equal(x->f->bufs_held, 0); /* every lent buffer came back */
    be_destroy(&x->f->b);
    free(x);
    return 0;
}

static void complete(struct fixture *x, struct fake_rec *r, int res)
{
    assert_non_null(r);
    struct be_cqe c = fake_cqe(r, res);
    tp_complete(&x->tun.tp, &c);
}

static void recv_bytes(struct fixture *x, const char *bytes, size_t len)
{
    struct fake_rec *r = fake_take(x->f, FAKE_RECV);
    assert_non_null(r);
    struct be_cqe c = fake_cqe_recv(x->f, r, bytes, len);
    tp_complete(&x->tun.tp, &c);
}

static void recv_str(struct fixture *x, const char *s)
{
    recv_bytes(x, s, strlen(s));
}

/* TCP to the proxy is up: the CONNECT request goes out, exactly. */
static void ask(struct fixture *x, bool complete_send)
{
    tp_connect(&x->tun.tp, (struct sockaddr *)&x->sa, sizeof x->sa);
    assert_int_equal(x->tun.tp.state, TP_CONNECT);
    complete(x, fake_take(x->f, FAKE_SOCKET), 42);
    complete(x, fake_take(x->f, FAKE_CONNECT), 0);
    assert_int_equal(x->o.opened, 0); /* TCP is up, the tunnel is not */
    struct fake_rec *s = fake_take(x->f, FAKE_SEND);
    assert_non_null(s);
    assert_int_equal(s->len, strlen(CONNECT_REQ));
    assert_memory_equal(s->buf, CONNECT_REQ, s->len);
    if (complete_send)
        complete(x, s, (int)s->len);
    assert_int_equal(x->o.sent, 0); /* our request is not the owner's */
}

static void close_it(struct fixture *x)
{
    tp_close(&x->tun.tp);
    assert_int_equal(fake_pending(x->f, FAKE_CANCEL_FD), 0);
    while (fake_pending(x->f, FAKE_CANCEL_OP))
        complete(x, fake_take(x->f, FAKE_CANCEL_OP), 0);
    while (fake_pending(x->f, FAKE_SEND))
        complete(x, fake_take(x->f, FAKE_SEND), -ECANCELED);
    while (fake_pending(x->f, FAKE_RECV))
        complete(x, fake_take(x->f, FAKE_RECV), -ECANCELED);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(x->o.closed, 1);
    assert_int_equal(x->tun.tp.state, TP_FREE);
}

static void a_200_opens_the_tunnel_and_bytes_pass_through(void **state)
{
    struct fixture *x = *state;
    ask(x, true);
    recv_str(x, "HTTP/1.1 200 Connection established\r\n\r\n");
    assert_int_equal(x->o.opened, 1);
    assert_int_equal(x->tun.tp.state, TP_OPEN);
    assert_int_equal(x->o.len, 0);
    /* The owner's bytes go out as they are, and its on_sent is its own. */
    tp_send(&x->tun.tp, "\x16\x03\x01", 3);
    struct fake_rec *s = fake_take(x->f, FAKE_SEND);
    assert_int_equal(s->len, 3);
    assert_memory_equal(s->buf, "\x16\x03\x01", 3);
    complete(x, s, 3);
    assert_int_equal(x->o.sent, 1);
    recv_str(x, "from the origin");
    assert_int_equal(x->o.len, 15);
    assert_memory_equal(x->o.data, "from the origin", 15);
    /* The origin's close is the owner's end, as over TCP. */
    recv_bytes(x, "", 0);
    assert_int_equal(x->o.ended, 1);
    assert_int_equal(x->o.end_err, 0);
    assert_true(x->o.end_opened);
    close_it(x);
}

/* The answer a byte at a time, with headers, and the origin's first bytes
 * in the same receive as its blank line: none is lost, and they come after
 * on_open. */
static void an_answer_split_anywhere_keeps_the_bytes_after_it(void **state)
{
    struct fixture *x = *state;
    ask(x, true);
    const char *ans = "HTTP/1.0 200 OK\r\nProxy-Agent: test\r\nContent-Length: 99\r\n\r";
    for (const char *p = ans; *p; p++) {
        recv_bytes(x, p, 1);
        assert_int_equal(x->o.opened, 0);
    }
    recv_str(x, "\nORIGIN");
    assert_int_equal(x->o.opened, 1);
    assert_int_equal(x->o.open_before_data, 1);
    assert_int_equal(x->o.len, 6);
    assert_memory_equal(x->o.data, "ORIGIN", 6);
    close_it(x);
}

static void an_interim_answer_is_skipped_and_bare_lf_is_taken(void **state)
{
    struct fixture *x = *state;
    ask(x, true);
    recv_str(x, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nVia: p\n\nX");
    assert_int_equal(x->o.opened, 1);
    assert_int_equal(x->o.len, 1);
    assert_memory_equal(x->o.data, "X", 1);
    close_it(x);
}

static void refused(struct fixture *x, const char *answer, const char *why)
{
    ask(x, true);
    recv_str(x, answer);
    assert_int_equal(x->o.opened, 0);
    assert_int_equal(x->o.ended, 1);
    assert_int_equal(x->o.end_err, RF_E_PROXY);
    assert_false(x->o.end_opened);
    assert_string_equal(x->o.why, why);
    assert_int_equal(x->o.len, 0); /* the refusal's body never reaches the owner */
    close_it(x);
}

static void a_403_is_a_refusal_in_words(void **state)
{
    refused(*state, "HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!",
            "refused CONNECT: 403 Forbidden");
}

static void a_407_asks_for_credentials(void **state)
{
    refused(*state, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n",
            "refused CONNECT: 407 Proxy Authentication Required");
}

static void an_unknown_status_keeps_the_proxys_phrase_printable(void **state)
{
    refused(*state, "HTTP/1.1 599 Odd\x01 thing\r\n\r\n", "refused CONNECT: 599 Odd? thing");
}

static void a_reply_that_is_not_http_is_said_at_once(void **state)
{
    refused(*state, "SSH-2.0-OpenSSH", "answered CONNECT with something that is not HTTP");
}

static void a_bad_status_line_is_not_http(void **state)
{
    refused(*state, "HTTP/1.1 2xx OK\r\n\r\n", "answered CONNECT with something that is not HTTP");
}

static void an_endless_header_section_is_cut(void **state)
{
    struct fixture *x = *state;
    ask(x, true);
    recv_str(x, "HTTP/1.1 200 OK\r\n");
    char line[200];
    memset(line, 'a', sizeof line - 2);
    line[sizeof line - 2] = '\n';
    line[sizeof line - 1] = '\0';
    for (int i = 0; i < RF_CONNECT_REPLY_MAX_BYTES / 199 + 1 && !x->o.ended; i++)
        recv_str(x, line);
    assert_int_equal(x->o.opened, 0);
    assert_int_equal(x->o.end_err, RF_E_PROXY);
    assert_string_equal(x->o.why, "answered CONNECT with a header section over 16384 bytes");
    close_it(x);
}

static void a_close_before_the_answer_is_the_proxys_refusal(void **state)
{
    struct fixture *x = *state;
    ask(x, true);
    recv_str(x, "HTTP/1.1 200 OK\r\n");
    recv_bytes(x, "", 0);
    assert_int_equal(x->o.end_err, RF_E_PROXY);
    assert_string_equal(x->o.why, "closed the connection before answering CONNECT");
    close_it(x);
}

/* A failure to reach the proxy is TCP's own, before any open: the owner
 * may try the proxy's next address. */
static void a_refused_connect_to_the_proxy_is_tcps_error(void **state)
{
    struct fixture *x = *state;
    tp_connect(&x->tun.tp, (struct sockaddr *)&x->sa, sizeof x->sa);
    complete(x, fake_take(x->f, FAKE_SOCKET), 9);
    complete(x, fake_take(x->f, FAKE_CONNECT), -ECONNREFUSED);
    assert_int_equal(x->o.ended, 1);
    assert_int_equal(x->o.end_err, -ECONNREFUSED);
    assert_false(x->o.end_opened);
    assert_string_equal(x->o.why, "");
    tp_close(&x->tun.tp);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(x->o.closed, 1);
    /* The slot is reused: the same request goes out again. */
    x->o = (struct owner){ .t = &x->tun.tp };
    ask(x, true);
    close_it(x);
}

/* A fast proxy: its answer is seen before the completion of the CONNECT's
 * send. The owner's first send waits for it, then goes. */
static void the_owners_first_send_waits_for_the_requests_own(void **state)
{
    struct fixture *x = *state;
    ask(x, false);
    struct fake_rec *req = fake_take(x->f, FAKE_SEND);
    assert_null(req); /* (taken by ask, still in flight) */
    recv_str(x, "HTTP/1.1 200 OK\r\n\r\n");
    assert_int_equal(x->o.opened, 1);
    tp_send(&x->tun.tp, "hello", 5);
    assert_true(x->tun.tp.send_busy);
    assert_int_equal(fake_pending(x->f, FAKE_SEND), 0); /* one send at a time on the socket */
    /* The CONNECT's send completes: now the owner's goes. */
    for (unsigned i = 0; i < x->f->nops; i++)
        if (x->f->ops[i].op == FAKE_SEND)
            req = &x->f->ops[i];
    complete(x, req, (int)strlen(CONNECT_REQ));
    assert_int_equal(x->o.sent, 0);
    struct fake_rec *s = fake_take(x->f, FAKE_SEND);
    assert_non_null(s);
    assert_int_equal(s->len, 5);
    complete(x, s, 5);
    assert_int_equal(x->o.sent, 1);
    assert_false(x->tun.tp.send_busy);
    close_it(x);
}

/* The owner closes from on_open: the bytes after the answer are dropped,
 * not handed to a closed transport. */
static void a_close_from_on_open_drops_the_rest(void **state)
{
    struct fixture *x = *state;
    x->o.close_on_open = true;
    ask(x, true);
    recv_str(x, "HTTP/1.1 200 OK\r\n\r\nlate bytes");
    assert_int_equal(x->o.opened, 1);
    assert_int_equal(x->o.len, 0);
    assert_int_equal(x->tun.tp.state, TP_CLOSING);
    assert_int_equal(fake_pending(x->f, FAKE_RECV), 0); /* not re-armed */
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(x->o.closed, 1);
}

/* ---- a connection: TLS over the tunnel -------------------------------------- */

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

struct cfix {
    struct fake_be *f;
    struct tmr_heap timers;
    struct conn_set cs;
    struct tls_env env;
    struct proxy proxy;
    struct origin via, o;
    struct job j;
};

static int csetup(void **state)
{
    struct cfix *x = calloc(1, sizeof *x);
    char why[160];
    x->f = fake_be_new(8, 4096);
    assert_int_equal(tmr_heap_init(&x->timers, 16), 0);
    assert_int_equal(conn_set_init(&x->cs, &x->f->b, &x->timers, 4, 10000, 1, NULL, NULL), 0);
    assert_int_equal(tls_env_init(&x->env, NULL, NULL, false, why, sizeof why), 0);
    x->cs.tls = &x->env;
    x->cs.user_agent = "ua/1";
    assert_int_equal(proxy_parse("127.0.0.1:3128", &x->proxy), PROXY_OK);
    /* The proxy's origin holds the addresses (two), the tunnel's none. */
    struct origin *os[2] = { &x->via, &x->o };
    for (int k = 0; k < 2; k++) {
        pool_list_init(&os[k]->idle);
        pool_list_init(&os[k]->roomy);
        pool_list_init(&os[k]->waiting);
        os[k]->state = ORIGIN_SETTLED;
        os[k]->proxy = &x->proxy;
    }
    x->via.route = ORIGIN_FORWARD;
    x->via.naddrs = 2;
    for (int i = 0; i < 2; i++) {
        struct sockaddr_in *sa = (struct sockaddr_in *)&x->via.addrs[i];
        sa->sin_family = AF_INET;
        sa->sin_port = htons((uint16_t)(3128 + i));
        x->via.addrlens[i] = sizeof *sa;
    }
    x->o.route = ORIGIN_TUNNEL;
    x->o.via = &x->via;
    x->o.tls = true;
    x->o.port = 443;
    snprintf(x->o.host, sizeof x->o.host, "localhost");
    char *req = strdup("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    xchg_init(&x->j.x, &x->j, &jev, req, strlen(req));
    *state = x;
    return 0;
}

static int cteardown(void **state)
{
    struct cfix *x = *state;
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

static void ccomplete(struct cfix *x, struct fake_rec *r, int res)
{
    assert_non_null(r);
    struct be_cqe c = fake_cqe(r, res);
    conn_complete(&x->cs, &c);
}

static void crecv(struct cfix *x, const char *s)
{
    struct fake_rec *r = fake_take(x->f, FAKE_RECV);
    assert_non_null(r);
    struct be_cqe c = fake_cqe_recv(x->f, r, s, strlen(s));
    conn_complete(&x->cs, &c);
}

/* TCP up to the proxy: the first bytes out are the CONNECT for the origin. */
static struct conn *cstart(struct cfix *x)
{
    struct conn *c = conn_alloc(&x->cs);
    assert_non_null(c);
    conn_connect(c, &x->o, &x->j.x, 0);
    assert_ptr_equal(c->tp, &c->tls->tp);
    assert_true(c->tunneled);
    ccomplete(x, fake_take(x->f, FAKE_SOCKET), 10);
    ccomplete(x, fake_take(x->f, FAKE_CONNECT), 0);
    struct fake_rec *s = fake_take(x->f, FAKE_SEND);
    assert_non_null(s);
    const char *want = "CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\nUser-Agent: ua/1\r\n\r\n";
    assert_int_equal(s->len, strlen(want));
    assert_memory_equal(s->buf, want, s->len);
    ccomplete(x, s, (int)s->len);
    assert_int_equal(fake_pending(x->f, FAKE_SEND), 0); /* no ClientHello before the answer */
    return c;
}

static void cdrain(struct cfix *x, struct conn *c)
{
    assert_int_equal(fake_pending(x->f, FAKE_CANCEL_FD), 0);
    while (fake_pending(x->f, FAKE_CANCEL_OP))
        ccomplete(x, fake_take(x->f, FAKE_CANCEL_OP), 0);
    while (fake_pending(x->f, FAKE_SEND))
        ccomplete(x, fake_take(x->f, FAKE_SEND), -ECANCELED);
    while (fake_pending(x->f, FAKE_RECV))
        ccomplete(x, fake_take(x->f, FAKE_RECV), -ECANCELED);
    ccomplete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(c->state, CONN_FREE);
    assert_int_equal(fake_pending(x->f, FAKE_SOCKET), 0); /* no other address tried */
}

static void the_client_hello_goes_through_the_open_tunnel(void **state)
{
    struct cfix *x = *state;
    struct conn *c = cstart(x);
    crecv(x, "HTTP/1.1 200 Connection established\r\n\r\n");
    struct fake_rec *s = fake_take(x->f, FAKE_SEND);
    assert_non_null(s);
    const unsigned char *p = s->buf;
    assert_true(s->len > 5 && p[0] == 0x16 && p[1] == 0x03); /* a TLS handshake record */
    ccomplete(x, s, (int)s->len);
    assert_int_equal(c->state, CONN_CONNECTING); /* until the handshake is done */
    assert_int_equal(x->j.ended, 0);
    /* A deadline now is the handshake's. */
    assert_int_equal(conn_timeout_err(c, RF_E_CONNECT_TIMEOUT), RF_E_TLS_TIMEOUT);
    conn_drop(c, &x->j.x);
    cdrain(x, c);
}

static void a_refusal_ends_the_exchange_with_the_proxys_words(void **state)
{
    struct cfix *x = *state;
    struct conn *c = cstart(x);
    /* Waiting for the answer is still connecting (to the proxy). */
    assert_int_equal(conn_timeout_err(c, RF_E_CONNECT_TIMEOUT), RF_E_CONNECT_TIMEOUT);
    crecv(x, "HTTP/1.1 403 Forbidden\r\n\r\n");
    assert_int_equal(x->j.ended, 1);
    assert_int_equal(x->j.err, RF_E_PROXY);
    assert_string_equal(x->j.detail, "refused CONNECT: 403 Forbidden");
    cdrain(x, c);
}

static void a_refused_proxy_address_tries_the_proxys_next(void **state)
{
    struct cfix *x = *state;
    struct conn *c = conn_alloc(&x->cs);
    conn_connect(c, &x->o, &x->j.x, 0);
    ccomplete(x, fake_take(x->f, FAKE_SOCKET), 10);
    ccomplete(x, fake_take(x->f, FAKE_CONNECT), -ECONNREFUSED);
    ccomplete(x, fake_take(x->f, FAKE_CLOSE), 0);
    /* The second address of the proxy's origin: the tunnel starts again. */
    ccomplete(x, fake_take(x->f, FAKE_SOCKET), 11);
    ccomplete(x, fake_take(x->f, FAKE_CONNECT), 0);
    struct fake_rec *s = fake_take(x->f, FAKE_SEND);
    assert_non_null(s);
    assert_memory_equal(s->buf, "CONNECT localhost:443 ", 22);
    ccomplete(x, s, (int)s->len);
    crecv(x, "HTTP/1.1 200 OK\r\n\r\n");
    struct fake_rec *hello = fake_take(x->f, FAKE_SEND);
    assert_non_null(hello);
    assert_int_equal(x->j.ended, 0);
    conn_drop(c, &x->j.x);
    ccomplete(x, hello, -ECANCELED);
    cdrain(x, c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_200_opens_the_tunnel_and_bytes_pass_through, setup, teardown),
        cmocka_unit_test_setup_teardown(an_answer_split_anywhere_keeps_the_bytes_after_it, setup, teardown),
        cmocka_unit_test_setup_teardown(an_interim_answer_is_skipped_and_bare_lf_is_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(a_403_is_a_refusal_in_words, setup, teardown),
        cmocka_unit_test_setup_teardown(a_407_asks_for_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(an_unknown_status_keeps_the_proxys_phrase_printable, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reply_that_is_not_http_is_said_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(a_bad_status_line_is_not_http, setup, teardown),
        cmocka_unit_test_setup_teardown(an_endless_header_section_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(a_close_before_the_answer_is_the_proxys_refusal, setup, teardown),
        cmocka_unit_test_setup_teardown(a_refused_connect_to_the_proxy_is_tcps_error, setup, teardown),
        cmocka_unit_test_setup_teardown(the_owners_first_send_waits_for_the_requests_own, setup, teardown),
        cmocka_unit_test_setup_teardown(a_close_from_on_open_drops_the_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(the_client_hello_goes_through_the_open_tunnel, csetup, cteardown),
        cmocka_unit_test_setup_teardown(a_refusal_ends_the_exchange_with_the_proxys_words, csetup, cteardown),
        cmocka_unit_test_setup_teardown(a_refused_proxy_address_tries_the_proxys_next, csetup, cteardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
