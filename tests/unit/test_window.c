/* rf_fd_table_reserve (src/engine/window.c): the descriptor table is grown
 * to the size asked for, never past the soft limit, and no descriptor is
 * left open by it. The kernel says how big the table is in
 * /proc/self/status ("FDSize:"). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "ringfetch/engine.h"

static long fd_table_size(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "FDSize: %ld", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* The lowest free descriptor: what the next open would get. */
static int lowest_free(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    return fd;
}

static void the_table_grows_to_the_size_asked_for_and_nothing_stays_open(void **state)
{
    (void)state;
    long before = fd_table_size();
    if (before < 0)
        skip(); /* no /proc: nothing to read the size from */
    assert_true(before < 3000); /* a fresh test program's table is small */
    int free_before = lowest_free();
    assert_int_equal(rf_fd_table_reserve(3000), 0);
    assert_true(fd_table_size() >= 3000);
    assert_int_equal(lowest_free(), free_before);
    assert_int_equal(fcntl(2999, F_GETFD), -1); /* the high one was closed again */
}

static void the_soft_limit_caps_it(void **state)
{
    (void)state;
    struct rlimit old, rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    long before = fd_table_size();
    if (before < 0)
        skip();
    rl = old;
    rl.rlim_cur = (rlim_t)before + 100; /* above this test's table, below what is asked */
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
        skip();
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    /* Asking for far more than the limit is no error: the room is what the limit allows. */
    assert_int_equal(rf_fd_table_reserve(1000000), 0);
    long after = fd_table_size();
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_true(after >= before + 100);
    /* The kernel rounds up to a power of two; RF_FDS_TABLE_MAX (65536)
     * instead of the limit would be far above this. */
    assert_true(after <= 2 * (before + 100));
}

static void a_size_already_held_changes_nothing(void **state)
{
    (void)state;
    long before = fd_table_size();
    if (before < 0)
        skip();
    int free_before = lowest_free();
    assert_int_equal(rf_fd_table_reserve(0), 0);
    assert_int_equal(rf_fd_table_reserve(1), 0);
    /* n - 1 open already (stderr: n = 3): nothing to do, and no error. */
    assert_int_equal(rf_fd_table_reserve(3), 0);
    assert_int_equal(fd_table_size(), before);
    assert_int_equal(lowest_free(), free_before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_size_already_held_changes_nothing),
        cmocka_unit_test(the_table_grows_to_the_size_asked_for_and_nothing_stays_open),
        cmocka_unit_test(the_soft_limit_caps_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
