/* The io_uring backend's *_now calls on a real ring: made at once, their
 * results handed out by the next reap, in order, without entering the
 * kernel's ring at all; named in describe_calls. The epoll backend has
 * none (its file calls are synchronous already). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cmocka.h>

#include "io/backend.h"

/* The next completion, which must already be there. */
static struct be_cqe next(struct be *b)
{
    assert_int_equal(be_wait(b, 1, 0, 0), 0);
    struct be_cqe c;
    assert_int_equal(be_reap(b, &c, 1), 1);
    return c;
}

static void now_calls_complete_in_order_without_an_enter(void **state)
{
    (void)state;
    struct be *b;
    struct be_config cfg = { .inflight = 16, .nbufs = 4, .buf_bytes = 4096 };
    if (be_create(BE_KIND_URING, &b, &cfg) < 0)
        skip(); /* no io_uring here (a sandbox that forbids it) */
    assert_true(be_has_now(b));
    char dir[] = "/tmp/rf-test-now-XXXXXX";
    assert_non_null(mkdtemp(dir));
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(dfd >= 0);
    /* (Without a buffer ring the buffers' SQEs wait for the first enter.) */
    int w = be_wait(b, 0, 0, 0); /* (nothing to wait for: at once, or -ETIME) */
    assert_true(w == 0 || w == -ETIME);
    struct be_cqe none;
    assert_int_equal(be_reap(b, &none, 1), 0);
    uint64_t enters = b->n.enters, sqes = b->n.sqes;

    assert_int_equal(be_openat_now(b, dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644, 1), 0);
    assert_int_equal(be_openat_now(b, dfd, "missing/x", O_WRONLY | O_CLOEXEC, 0644, 2), 0);
    struct be_cqe c = next(b);
    assert_int_equal(c.ud, 1);
    int fd = c.res;
    if (fd == -EOPNOTSUPP || fd == -EISDIR || fd == -EINVAL) {
        next(b); /* (the second open's) */
        close(dfd);
        rmdir(dir);
        be_destroy(b);
        skip(); /* /tmp refuses O_TMPFILE here */
    }
    assert_true(fd >= 0);
    c = next(b);
    assert_int_equal(c.ud, 2);
    assert_int_equal(c.res, -ENOENT);

    struct iovec iov[2] = { { .iov_base = "hel", .iov_len = 3 }, { .iov_base = "lo", .iov_len = 2 } };
    assert_int_equal(be_writev_now(b, fd, iov, 2, 0, 3), 0);
    c = next(b);
    assert_int_equal(c.ud, 3);
    assert_int_equal(c.res, 5);

    char proc[32];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    assert_int_equal(be_linkat_now(b, AT_FDCWD, proc, dfd, "f", AT_SYMLINK_FOLLOW, 4), 0);
    c = next(b);
    assert_int_equal(c.ud, 4);
    assert_int_equal(c.res, 0);
    assert_int_equal(be_linkat_now(b, AT_FDCWD, proc, dfd, "f", AT_SYMLINK_FOLLOW, 5), 0);
    c = next(b);
    assert_int_equal(c.res, -EEXIST); /* never replaces */

    assert_int_equal(b->n.sqes, sqes);     /* nothing was queued */
    assert_int_equal(b->n.enters, enters); /* nor was the ring entered */
    char calls[160];
    be_describe_calls(b, calls, sizeof calls);
    assert_non_null(strstr(calls, "open 2 write 1 link 2")); /* (epoll's names for them) */

    char path[64], got[8] = { 0 };
    snprintf(path, sizeof path, "%s/f", dir);
    int rfd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(rfd >= 0);
    assert_int_equal(read(rfd, got, sizeof got), 5);
    assert_string_equal(got, "hello");
    close(rfd);
    close(fd);
    assert_int_equal(unlink(path), 0);
    close(dfd);
    assert_int_equal(rmdir(dir), 0);
    be_destroy(b);
}

static void the_epoll_backend_has_no_now_calls(void **state)
{
    (void)state;
    struct be *b;
    struct be_config cfg = { .inflight = 16, .nbufs = 4, .buf_bytes = 4096 };
    assert_int_equal(be_create(BE_KIND_EPOLL, &b, &cfg), 0);
    assert_false(be_has_now(b));
    be_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(now_calls_complete_in_order_without_an_enter),
        cmocka_unit_test(the_epoll_backend_has_no_now_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
