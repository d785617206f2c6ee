/* rf_fd_table_reserve (src/engine/window.c): the descriptor table is grown
 * to the size asked for, never past the soft limit, and no descriptor is
 * left open by it; rf_window_fit grows it for the window it fits. The kernel says how big the table is in
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

/* rf_window_fit makes room for the window it fits, before any thread or
 * io-wq worker shares the table (what rf_engine_run relies on). */
static void fitting_a_window_grows_the_table_for_it(void **state)
{
    (void)state;
    long before = fd_table_size();
    if (before < 0)
        skip();
    /* A window whose descriptors need more than twice today's table. */
    unsigned want = 1;
    while (rf_window_fds(want, 0) <= 2 * (unsigned long)before)
        want *= 2;
    unsigned long need = rf_window_fds(want, 0);
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < need)
        skip(); /* a hard limit too low to fit that window */
    int free_before = lowest_free();
    unsigned got = rf_window_fit(want, 0); /* (raises the soft limit for it) */
    long after = fd_table_size();
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(got, want);
    assert_true(after >= (long)need);
    assert_int_equal(lowest_free(), free_before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* (Smallest growth first: each test needs a table below what it asks.) */
        cmocka_unit_test(fitting_a_window_grows_the_table_for_it),
        cmocka_unit_test(the_table_grows_to_the_size_asked_for_and_nothing_stays_open),
        cmocka_unit_test(the_soft_limit_caps_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
