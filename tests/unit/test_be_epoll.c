/* The epoll backend's cancel of one operation (be_cancel_op, ep_cancel_one
 * in src/io/be_epoll.c), on real sockets: the operation asked for ends
 * once with -ECANCELED and the cancel with 0; the other operations queued
 * on the descriptor are untouched, and the queue stays whole whichever one
 * went (the first, one in the middle, the last); an operation that is not
 * there (never was, or already ended) makes the cancel -ENOENT and touches
 * nothing (backend.h's contract).
 *
 * Each case runs on both kinds of socket the backend knows: one of its own
 * (made by be_socket and connected: registered edge-triggered for good)
 * and one it did not make (a socketpair end: watched one-shot for what its
 * queued operations wait for). */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "io/backend.h"

#define MAXC 16
/* A wait long enough for a loopback byte on a loaded machine. */
#define WAIT_NS (2 * 1000000000LL)
/* How long "nothing more comes" is watched for. */
#define QUIET_NS (100 * 1000000LL)

struct fixture {
    struct be *b;
    int fd;     /* the backend's side */
    int peer;   /* the test's side, plain blocking calls */
    struct be_cqe got[MAXC];
    unsigned ngot;
};

/* Reap what is there into x->got. */
static void reap(struct fixture *x)
{
    x->ngot += be_reap(x->b, x->got + x->ngot, MAXC - x->ngot);
}

/* The completion of ud among those reaped so far (NULL: none); asserts
 * there is at most one. */
static const struct be_cqe *got(const struct fixture *x, uint64_t ud)
{
    const struct be_cqe *c = NULL;
    for (unsigned i = 0; i < x->ngot; i++)
        if (x->got[i].ud == ud) {
            if (c)
                fail_msg("two completions for ud %llu", (unsigned long long)ud);
            c = &x->got[i];
        }
    return c;
}

/* Wait until ud has completed (failing after WAIT_NS). */
static const struct be_cqe *wait_for(struct fixture *x, uint64_t ud)
{
    for (int i = 0; i < 100 && !got(x, ud); i++) {
        be_wait(x->b, 1, 0, WAIT_NS / 100);
        reap(x);
    }
    const struct be_cqe *c = got(x, ud);
    if (!c)
        fail_msg("no completion for ud %llu", (unsigned long long)ud);
    return c;
}

/* Nothing more completes for QUIET_NS. */
static void assert_quiet(struct fixture *x)
{
    unsigned before = x->ngot;
    be_wait(x->b, 1, 0, QUIET_NS);
    reap(x);
    assert_int_equal(x->ngot, before);
}

static int setup_common(void **state, struct fixture **out)
{
    struct fixture *x = calloc(1, sizeof *x);
    struct be_config cfg = { .inflight = 64, .nbufs = 4, .buf_bytes = 4096 };
    assert_int_equal(be_epoll_create(&x->b, &cfg), 0);
    x->fd = x->peer = -1;
    *state = x;
    *out = x;
    return 0;
}

/* A socket the backend did not make. */
static int setup_pair(void **state)
{
    struct fixture *x;
    setup_common(state, &x);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    x->fd = sv[0];
    x->peer = sv[1];
    return 0;
}

/* One of its own: be_socket, be_connect to a loopback listener. */
static int setup_own(void **state)
{
    struct fixture *x;
    setup_common(state, &x);
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(l, 1), 0);
    assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &sl), 0);
    assert_int_equal(be_socket(x->b, AF_INET, SOCK_STREAM, 900), 0);
    x->fd = wait_for(x, 900)->res;
    assert_true(x->fd >= 0);
    assert_int_equal(be_connect(x->b, x->fd, (struct sockaddr *)&sa, sizeof sa, 901), 0);
    assert_int_equal(wait_for(x, 901)->res, 0);
    x->peer = accept(l, NULL, NULL);
    assert_true(x->peer >= 0);
    close(l);
    x->ngot = 0;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    be_destroy(x->b);
    if (x->fd >= 0)
        close(x->fd);
    if (x->peer >= 0)
        close(x->peer);
    free(x);
    return 0;
}

static void peer_sends(struct fixture *x, const char *s)
{
    assert_int_equal(send(x->peer, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* The operation asked for ends -ECANCELED, once: data arriving later does
 * not complete it again. */
static void cancel_ends_the_operation_once(void **state)
{
    struct fixture *x = *state;
    char buf[8];
    assert_int_equal(be_recv_into(x->b, x->fd, buf, sizeof buf, 1), 0);
    assert_quiet(x); /* nothing to read: it waits */
    assert_int_equal(be_cancel_op(x->b, x->fd, 1, 99), 0);
    assert_int_equal(wait_for(x, 99)->res, 0);
    assert_int_equal(wait_for(x, 1)->res, -ECANCELED);
    peer_sends(x, "late");
    assert_quiet(x);
    assert_int_equal(x->ngot, 2);
}

/* Three receives queued (one byte each); one cancelled, wherever it is in
 * the queue; the other two get the next two bytes, in order. */
static void cancel_leaves_the_others_queued(struct fixture *x, uint64_t which)
{
    char a, b, c;
    char *into[] = { NULL, &a, &b, &c };
    for (uint64_t ud = 1; ud <= 3; ud++)
        assert_int_equal(be_recv_into(x->b, x->fd, into[ud], 1, ud), 0);
    assert_int_equal(be_cancel_op(x->b, x->fd, which, 99), 0);
    assert_int_equal(wait_for(x, 99)->res, 0);
    assert_int_equal(wait_for(x, which)->res, -ECANCELED);
    /* An op queued after the cancel joins the queue's end: the queue must
     * still be whole (its tail right when the last one went). */
    char d;
    assert_int_equal(be_recv_into(x->b, x->fd, &d, 1, 4), 0);
    peer_sends(x, "xyz");
    uint64_t rest[3], n = 0;
    for (uint64_t ud = 1; ud <= 4; ud++)
        if (ud != which)
            rest[n++] = ud;
    char *bytes[] = { NULL, &a, &b, &c, &d };
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(wait_for(x, rest[i])->res, 1);
        assert_int_equal(*bytes[rest[i]], "xyz"[i]);
    }
    assert_quiet(x);
    assert_int_equal(x->ngot, 5);
}

static void cancel_of_the_first_leaves_the_others(void **state)
{
    cancel_leaves_the_others_queued(*state, 1);
}

static void cancel_of_one_in_the_middle_leaves_the_others(void **state)
{
    cancel_leaves_the_others_queued(*state, 2);
}

static void cancel_of_the_last_leaves_the_others(void **state)
{
    cancel_leaves_the_others_queued(*state, 3);
}

/* A cancel for a user_data that is not queued there (never submitted,
 * already completed, or on another descriptor) says -ENOENT and ends
 * nothing. */
static void cancel_of_an_unknown_operation_is_enoent(void **state)
{
    struct fixture *x = *state;
    char a, b;
    assert_int_equal(be_recv_into(x->b, x->fd, &a, 1, 1), 0);
    peer_sends(x, "x");
    assert_int_equal(wait_for(x, 1)->res, 1);
    assert_int_equal(be_recv_into(x->b, x->fd, &b, 1, 2), 0);
    assert_int_equal(be_cancel_op(x->b, x->fd, 12345, 97), 0); /* never was */
    assert_int_equal(be_cancel_op(x->b, x->fd, 1, 98), 0);     /* already ended */
    int other[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, other), 0);
    assert_int_equal(be_cancel_op(x->b, other[0], 2, 99), 0); /* another descriptor */
    assert_int_equal(wait_for(x, 97)->res, -ENOENT);
    assert_int_equal(wait_for(x, 98)->res, -ENOENT);
    assert_int_equal(wait_for(x, 99)->res, -ENOENT);
    assert_null(got(x, 2));
    peer_sends(x, "y");
    assert_int_equal(wait_for(x, 2)->res, 1);
    assert_int_equal(b, 'y');
    close(other[0]);
    close(other[1]);
}

/* A send waiting for room (the socket's buffers full) is cancelled alone:
 * a receive queued on the same descriptor goes on. */
static void cancel_of_a_waiting_send_leaves_the_receive(void **state)
{
    struct fixture *x = *state;
    static char big[1 << 16];
    while (send(x->fd, big, sizeof big, MSG_DONTWAIT | MSG_NOSIGNAL) > 0) {
    }
    assert_int_equal(errno, EAGAIN);
    char a;
    assert_int_equal(be_recv_into(x->b, x->fd, &a, 1, 1), 0);
    assert_int_equal(be_send(x->b, x->fd, "s", 1, 2), 0);
    assert_quiet(x);
    assert_int_equal(be_cancel_op(x->b, x->fd, 2, 99), 0);
    assert_int_equal(wait_for(x, 99)->res, 0);
    assert_int_equal(wait_for(x, 2)->res, -ECANCELED);
    assert_null(got(x, 1));
    peer_sends(x, "r");
    assert_int_equal(wait_for(x, 1)->res, 1);
    assert_int_equal(a, 'r');
}

#define BOTH(fn) cmocka_unit_test_setup_teardown(fn, setup_pair, teardown), \
                 cmocka_unit_test_setup_teardown(fn, setup_own, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(cancel_ends_the_operation_once),
        BOTH(cancel_of_the_first_leaves_the_others),
        BOTH(cancel_of_one_in_the_middle_leaves_the_others),
        BOTH(cancel_of_the_last_leaves_the_others),
        BOTH(cancel_of_an_unknown_operation_is_enoent),
        BOTH(cancel_of_a_waiting_send_leaves_the_receive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
