/* The pipe pool of the direct path (src/engine/pipes.c), on real pipes:
 * a pipe handed out is always empty, a dirty one is closed and never
 * reused, references are counted, the limit holds, and a refused size
 * stops the pool from making more. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/pipes.h"

#define BYTES (1u << 20)

static bool fd_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

static void a_clean_pipe_goes_back_and_is_handed_out_again(void **state)
{
    (void)state;
    struct pipes p;
    pipes_init(&p, 4, BYTES);
    struct rf_pipe *a = pipes_get(&p);
    assert_non_null(a);
    assert_true(a->cap >= BYTES);
    assert_int_equal(a->fill, 0);
    assert_int_equal(fcntl(a->wr, F_GETPIPE_SZ), (int)a->cap);
    pipes_put(&p, a);
    assert_int_equal(p.live, 1);
    assert_ptr_equal(pipes_get(&p), a); /* reused: no second pipe made */
    assert_int_equal(p.made, 1);
    pipes_put(&p, a);
    pipes_free(&p);
    assert_int_equal(p.closed, 1);
    assert_int_equal(p.live, 0);
}

static void a_dirty_pipe_is_closed_never_reused(void **state)
{
    (void)state;
    struct pipes p;
    pipes_init(&p, 4, BYTES);
    struct rf_pipe *a = pipes_get(&p);
    assert_non_null(a);
    int rd = a->rd, wr = a->wr;
    assert_int_equal(write(wr, "left", 4), 4); /* a failed transfer left bytes in it */
    a->fill = 4;
    pipes_put(&p, a);
    assert_false(fd_open(rd));
    assert_false(fd_open(wr));
    assert_int_equal(p.closed, 1);
    assert_int_equal(p.live, 0);
    struct rf_pipe *b = pipes_get(&p);
    assert_non_null(b);
    assert_int_equal(p.made, 2);
    char c;
    int fl = fcntl(b->rd, F_GETFL);
    assert_int_equal(fcntl(b->rd, F_SETFL, fl | O_NONBLOCK), 0);
    assert_int_equal(read(b->rd, &c, 1), -1); /* empty */
    assert_int_equal(errno, EAGAIN);
    pipes_put(&p, b);
    pipes_free(&p);
}

static void the_last_reference_returns_it(void **state)
{
    (void)state;
    struct pipes p;
    pipes_init(&p, 4, BYTES);
    struct rf_pipe *a = pipes_get(&p);
    pipes_hold(a); /* the connection's, while a splice from the socket is out */
    pipes_hold(a); /* the sink's, while it has bytes of it to write */
    pipes_put(&p, a);
    pipes_put(&p, a);
    assert_null(p.free);
    pipes_put(&p, a);
    assert_ptr_equal(p.free, a);
    pipes_free(&p);
}

static void no_more_than_the_limit_are_alive(void **state)
{
    (void)state;
    struct pipes p;
    pipes_init(&p, 2, BYTES);
    struct rf_pipe *a = pipes_get(&p), *b = pipes_get(&p);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(pipes_get(&p));
    pipes_put(&p, a);
    assert_ptr_equal(pipes_get(&p), a);
    pipes_put(&p, a);
    pipes_put(&p, b);
    pipes_free(&p);
    assert_int_equal(p.made, 2);
    assert_int_equal(p.closed, 2);
}

static void a_refused_size_stops_the_pool(void **state)
{
    (void)state;
    struct pipes p;
    pipes_init(&p, 4, 0x80000000u); /* more than F_SETPIPE_SZ can take (an int): refused */
    assert_null(pipes_get(&p));
    assert_int_equal(p.made, 1);
    assert_int_equal(p.closed, 1);
    assert_int_equal(p.live, 0);
    assert_int_equal(p.max, 0); /* the next body takes the buffer way at once */
    assert_null(pipes_get(&p));
    assert_int_equal(p.made, 1);
    pipes_free(&p);
}

static void no_pipes_when_the_direct_path_is_off(void **state)
{
    (void)state;
    struct pipes p;
    pipes_init(&p, 0, BYTES);
    assert_null(pipes_get(&p));
    assert_int_equal(p.made, 0);
    pipes_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_clean_pipe_goes_back_and_is_handed_out_again),
        cmocka_unit_test(a_dirty_pipe_is_closed_never_reused),
        cmocka_unit_test(the_last_reference_returns_it),
        cmocka_unit_test(no_more_than_the_limit_are_alive),
        cmocka_unit_test(a_refused_size_stops_the_pool),
        cmocka_unit_test(no_pipes_when_the_direct_path_is_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
