/* See sigstop.h. */
#include "cli/sigstop.h"

#include <errno.h>
#include <string.h>

#define SHELL_SIGNAL_STATUS_BASE 128   /* a shell's $? for a process killed by signal N */

/* The signals that stop a run, and how the run ends for each. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

/* A signal handler can reach nothing but globals; this is the only one. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    /* The others are blocked while this runs (sa_mask), so the first one
     * stays the one reported. */
    if (!stop_requested)
        stop_requested = sig;
}

volatile sig_atomic_t *sigstop_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaddset(&sa.sa_mask, stop_signals[i]);
    /* No SA_RESTART; SA_RESETHAND makes the second signal of a kind fatal. */
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaction(stop_signals[i], &sa, NULL);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    sigaction(SIGXFSZ, &sa, NULL);
    return &stop_requested;
}

bool sigstop_stopped(int engine_rc, const volatile sig_atomic_t *stop)
{
    return engine_rc == -EINTR || (stop && *stop);
}

int sigstop_exit_status(const volatile sig_atomic_t *stop)
{
    int sig = stop && *stop ? (int)*stop : SIGINT;
    return SHELL_SIGNAL_STATUS_BASE + sig;
}
