/* rf_window_fit and rf_window_fds: the window the open-file limit allows
 * (see engine.h). */
#include "ringfetch/engine.h"

#include <sys/resource.h>

#include "engine/tunables.h"

unsigned long rf_window_fds(unsigned window)
{
    return (unsigned long)window * RF_FDS_PER_WINDOW + RF_FDS_RESERVED;
}

unsigned rf_window_fit(unsigned want)
{
    if (want < 1)
        want = 1;
    if (want > RF_MAX_WINDOW)
        want = RF_MAX_WINDOW;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return want;
    rlim_t need = rf_window_fds(want);
    if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur >= need || rl.rlim_cur == RLIM_INFINITY)
        return want;
    /* The largest window whose descriptors fit. Below one request's worth,
     * 1 all the same: a window of 0 would never start a job, and front ends
     * refuse to run there anyway (rf_window_fds(1) tells them). */
    if (rl.rlim_cur < rf_window_fds(1))
        return 1;
    return (unsigned)((rl.rlim_cur - RF_FDS_RESERVED) / RF_FDS_PER_WINDOW);
}
