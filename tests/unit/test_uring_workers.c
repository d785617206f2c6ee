/* be_limit_file_workers on a real ring: the limit on io_uring's bounded
 * workers belongs to the thread, so it reaches the thread's other rings,
 * and be_destroy puts the previous one back (a library user's next engine
 * on tmpfs must not inherit one worker from an earlier run on ext4). */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "io/backend.h"

/* The thread's bounded io-wq limit, read through a ring of its own (0
 * leaves a limit as it is and reads it). */
static unsigned bounded_now(void)
{
    struct io_uring r;
    assert_int_equal(io_uring_queue_init(4, &r, 0), 0);
    unsigned v[2] = { 0, 0 };
    assert_int_equal(io_uring_register_iowq_max_workers(&r, v), 0);
    io_uring_queue_exit(&r);
    return v[0];
}

/* One operation through b and back, so that the thread has its io-wq (as
 * the engine's thread has once its first requests are out). */
static void one_close(struct be *b)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(be_close(b, fd, 7), 0);
    assert_int_equal(be_wait(b, 1, 0, 5000000000LL), 0);
    struct be_cqe c;
    assert_int_equal(be_reap(b, &c, 1), 1);
    assert_int_equal(c.res, 0);
}

static void the_limit_is_the_threads_until_the_backend_ends(void **state)
{
    (void)state;
    struct be *b;
    struct be_config cfg = { .inflight = 16, .nbufs = 4, .buf_bytes = 4096 };
    if (be_create(BE_KIND_URING, &b, &cfg) < 0)
        skip(); /* no io_uring here (a sandbox that forbids it) */
    one_close(b);
    unsigned before = bounded_now();
    assert_true(before > 1);
    assert_int_equal(be_limit_file_workers(b, 1), 0);
    assert_int_equal(bounded_now(), 1); /* another ring of the thread sees it */
    assert_int_equal(be_limit_file_workers(b, 1), 0); /* twice: the first "before" is kept */
    be_destroy(b);
    assert_int_equal(bounded_now(), before);
}

static void the_epoll_backend_has_no_such_workers(void **state)
{
    (void)state;
    struct be *b;
    struct be_config cfg = { .inflight = 16, .nbufs = 4, .buf_bytes = 4096 };
    assert_int_equal(be_create(BE_KIND_EPOLL, &b, &cfg), 0);
    assert_int_equal(be_limit_file_workers(b, 1), -EOPNOTSUPP);
    be_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_limit_is_the_threads_until_the_backend_ends),
        cmocka_unit_test(the_epoll_backend_has_no_such_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
