/* rf_window_fit, rf_window_fds and rf_window_spare_fds: the window the
 * open-file limit allows; rf_fd_table_reserve: room for it in the
 * descriptor table (see engine.h). */
#include "ringfetch/engine.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine/tunables.h"

/* Descriptors this process holds now: /proc/self/fd less the one reading
 * it, or, without /proc, those of the first `limit` numbers that are open. */
static unsigned long fds_open_now(rlim_t limit)
{
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        unsigned long n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
            n += de->d_name[0] != '.';
        closedir(d);
        return n ? n - 1 : 0;
    }
    unsigned long n = 0, top = limit == RLIM_INFINITY || limit > RF_FDS_PROBE_MAX ? RF_FDS_PROBE_MAX
                                                                                  : (unsigned long)limit;
    for (unsigned long fd = 0; fd < top; fd++)
        n += fcntl((int)fd, F_GETFD) >= 0;
    return n;
}

static rlim_t soft_limit(void)
{
    struct rlimit rl;
    return getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : RLIM_INFINITY;
}

unsigned long rf_window_fds(unsigned window, unsigned later_fds)
{
    return fds_open_now(soft_limit()) + RF_FDS_BACKEND + RF_FDS_SINK_DIRS + RF_FDS_RESOLVER + RF_FDS_IN_PASSING +
           later_fds + (unsigned long)window * RF_FDS_PER_WINDOW;
}

unsigned long rf_window_spare_fds(unsigned window)
{
    rlim_t limit = soft_limit();
    if (limit == RLIM_INFINITY)
        return ULONG_MAX;
    unsigned long need = rf_window_fds(window, 0);
    return limit > need ? (unsigned long)limit - need : 0;
}

unsigned rf_window_fit(unsigned want, unsigned later_fds)
{
    if (want < 1)
        want = 1;
    if (want > RF_MAX_WINDOW)
        want = RF_MAX_WINDOW;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return want;
    rlim_t need = rf_window_fds(want, later_fds);
    if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur >= need || rl.rlim_cur == RLIM_INFINITY) {
        /* Room for them in the descriptor table, while no thread or io-wq
         * worker shares it yet (rf_fd_table_reserve). */
        (void)rf_fd_table_reserve((unsigned long)need);
        return want;
    }
    (void)rf_fd_table_reserve((unsigned long)rl.rlim_cur); /* the window below fills it */
    /* The largest window whose descriptors fit. Below one request's worth,
     * 1 all the same: a window of 0 would never start a job, and front ends
     * refuse to run there anyway (rf_window_fds(1, ...) tells them). */
    unsigned long besides = rf_window_fds(0, later_fds);
    if (rl.rlim_cur < besides + RF_FDS_PER_WINDOW)
        return 1;
    return (unsigned)((rl.rlim_cur - besides) / RF_FDS_PER_WINDOW);
}

int rf_fd_table_reserve(unsigned long n)
{
    rlim_t limit = soft_limit();
    if (limit != RLIM_INFINITY && n > limit)
        n = (unsigned long)limit;
    if (n > RF_FDS_TABLE_MAX)
        n = RF_FDS_TABLE_MAX;
    if (n < 2)
        return 0;
    /* A descriptor numbered n - 1 makes the kernel size the table for it;
     * the table never shrinks, so closing it again keeps the room. */
    if (fcntl((int)(n - 1), F_GETFD) >= 0)
        return 0; /* open already: the table holds it */
    int fd = open("/", O_PATH | O_CLOEXEC); /* (there even in a bare chroot) */
    if (fd < 0)
        return -errno;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, (int)(n - 1));
    int ret = high < 0 ? -errno : 0;
    if (high >= 0)
        close(high);
    close(fd);
    return ret;
}
