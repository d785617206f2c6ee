/* See sigstop.h. */
#include "cli/sigstop.h"

#include <string.h>

/* A signal handler can reach nothing but globals; this is the only one. */
static volatile sig_atomic_t stop_requested;

static void on_sigint(int sig)
{
    (void)sig;
    stop_requested = 1;
}

volatile sig_atomic_t *sigstop_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART; SA_RESETHAND makes the second Ctrl-C fatal. */
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    return &stop_requested;
}
