/* be_uring's wait on a real ring: it never holds out for more completions
 * than there are operations in flight. Asked for a batch of 64 with a
 * window of 2 s while two closes are in flight, it returns as soon as both
 * have completed, not when the window ends. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "io/backend.h"

#define WINDOW_NS  2000000000LL /* far longer than two closes take */
#define TIMEOUT_NS 5000000000LL

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void a_batch_wait_returns_when_everything_in_flight_is_back(void **state)
{
    (void)state;
    struct be *b;
    struct be_config cfg = { .inflight = 64, .nbufs = 4, .buf_bytes = 4096 };
    int ret = be_create(BE_KIND_URING, &b, &cfg);
    if (ret < 0)
        skip(); /* no io_uring here (a sandbox that forbids it) */
    int a = open("/dev/null", O_RDONLY | O_CLOEXEC), c = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(a >= 0 && c >= 0);
    assert_int_equal(be_close(b, a, 1), 0);
    assert_int_equal(be_close(b, c, 2), 0);
    int64_t t0 = now_ns();
    ret = be_wait(b, 64, WINDOW_NS, TIMEOUT_NS);
    int64_t took = now_ns() - t0;
    assert_true(ret == 0 || ret == -ETIME);
    struct be_cqe out[8];
    unsigned n = be_reap(b, out, 8);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].res, 0);
    assert_int_equal(out[1].res, 0);
    /* Holding out for 64 would take the whole window (2 s). */
    assert_true(took < WINDOW_NS / 2);
    be_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_batch_wait_returns_when_everything_in_flight_is_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
