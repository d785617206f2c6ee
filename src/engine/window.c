/* rf_window_fit: the window the open-file limit allows (see engine.h). */
#include "ringfetch/engine.h"

#include <sys/resource.h>

#include "engine/tunables.h"

unsigned rf_window_fit(unsigned want)
{
    if (want < 1)
        want = 1;
    if (want > RF_MAX_WINDOW)
        want = RF_MAX_WINDOW;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return want;
    rlim_t need = (rlim_t)want * RF_FDS_PER_WINDOW + RF_FDS_RESERVED;
    if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur >= need || rl.rlim_cur == RLIM_INFINITY)
        return want;
    unsigned fit = rl.rlim_cur > RF_FDS_RESERVED + RF_FDS_PER_WINDOW
                       ? (unsigned)((rl.rlim_cur - RF_FDS_RESERVED) / RF_FDS_PER_WINDOW)
                       : 1;
    return fit < want ? fit : want;
}
