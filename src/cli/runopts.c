#include "cli/runopts.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "ringfetch/limits.h"
#include "util/dirs.h"

void runopts_timeout(struct rf_options *opt, double seconds)
{
    if (seconds <= 0)
        return;
    double ms = seconds * 1000.0;
    opt->request_timeout_ms = ms >= 4e9 ? 4000000000u : ms < 1 ? 1 : (unsigned)ms;
    if (opt->connect_timeout_ms > opt->request_timeout_ms)
        opt->connect_timeout_ms = opt->request_timeout_ms;
    if (opt->idle_timeout_ms == 0 || opt->idle_timeout_ms > opt->request_timeout_ms)
        opt->idle_timeout_ms = opt->request_timeout_ms;
}

void runopts_read_timeout(struct rf_options *opt, double seconds)
{
    if (seconds <= 0)
        return;
    double ms = seconds * 1000.0;
    opt->idle_timeout_ms = ms >= 4e9 ? 4000000000u : ms < 1 ? 1 : (unsigned)ms;
    if (opt->request_timeout_ms && opt->idle_timeout_ms > opt->request_timeout_ms)
        opt->idle_timeout_ms = opt->request_timeout_ms;
}

unsigned runopts_window(const char *prog, unsigned want, unsigned later_fds, bool quiet)
{
    unsigned fit = rf_window_fit(want, later_fds);
    struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
    getrlimit(RLIMIT_NOFILE, &rl);   /* as rf_window_fit left it */
    unsigned long one = rf_window_fds(1, later_fds);
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < one) {
        fprintf(stderr,
                "%s: the open-file limit is %llu (ulimit -n): too low for even one request "
                "at a time, which needs %lu descriptors here; raise it\n",
                prog, (unsigned long long)rl.rlim_cur, one);
        return 0;
    }
    if (fit >= want)
        return fit;
    if (!quiet)
        fprintf(stderr,
                "%s: note: %u concurrent requests reduced to %u: the open-file limit is %llu "
                "(ulimit -n), and each request may hold a socket, a file and its folder\n",
                prog, want, fit, (unsigned long long)rl.rlim_cur);
    return fit;
}

void runopts_init(struct rf_options *opt, unsigned window, volatile sig_atomic_t *stop,
                  double timeout_s, bool bar, rf_tick_fn tick)
{
    rf_options_default(opt);
    opt->window = window;
    opt->stop = stop;
    runopts_timeout(opt, timeout_s);
    if (bar) {
        opt->tick_ms = RF_TICK_MS;
        opt->tick = tick;
    }
}

int runopts_dest(const char *prog, const char *dir)
{
    int rc = dirs_make(dir);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot create folder %s: %s\n", prog, dir, strerror(-rc));
        return RUNOPTS_EXIT_USAGE;
    }
    rc = dirs_probe_writable(dir);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot write in folder %s: %s\n", prog, dir, strerror(-rc));
        return RUNOPTS_EXIT_USAGE;
    }
    return 0;
}
