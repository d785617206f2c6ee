/* Stopping a run by signal, for the front ends. SIGINT (Ctrl-C), SIGTERM
 * (kill, service managers, timeouts) and SIGHUP (the terminal went away)
 * each set a flag that the engine polls through rf_options.stop: the jobs
 * in flight are cancelled and leave no file, the partial report is
 * printed, and the exit status is 128 + the signal's number (130, 143,
 * 129), what a shell reports for a process the signal killed. A second
 * signal of the same kind kills the process as usual, in case something
 * hangs. */
#ifndef RF_CLI_SIGSTOP_H
#define RF_CLI_SIGSTOP_H

#include <signal.h>
#include <stdbool.h>

/* Install the handlers (sigaction without SA_RESTART, so a blocking wait or
 * read returns EINTR and the loop sees the flag at once). Also ignores
 * SIGPIPE: a peer that closes early must be an error for one item, not the
 * end of the program; and SIGXFSZ: a write past the file-size limit
 * (ulimit -f) must fail that file with EFBIG, not kill the run (the loop
 * writes some files itself: be_writev_now, and the epoll backend).
 * Returns the flag, never NULL: 0 until one of the signals arrives, then
 * the number of the first one. */
volatile sig_atomic_t *sigstop_install(void);

/* True when a run ended because it was stopped: the engine returned -EINTR
 * or the flag (which may be NULL) is set. */
bool sigstop_stopped(int engine_rc, const volatile sig_atomic_t *stop);

/* The exit status of a stopped run: 128 + the signal in the flag, or 130
 * (SIGINT's) when the flag holds none. */
int sigstop_exit_status(const volatile sig_atomic_t *stop);

#endif
