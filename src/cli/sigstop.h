/* Ctrl-C for the front ends: the first SIGINT sets a flag that the engine
 * polls through rf_options.stop (in-flight jobs are cancelled, the partial
 * report is printed, exit status 130); a second SIGINT kills the process as
 * usual, in case something hangs. */
#ifndef RF_CLI_SIGSTOP_H
#define RF_CLI_SIGSTOP_H

#include <signal.h>

#define SIGSTOP_EXIT_STATUS 130   /* 128 + SIGINT, what shells report */

/* Install the SIGINT handler (sigaction without SA_RESTART, so a blocking
 * wait returns EINTR and the loop sees the flag at once). Also ignores
 * SIGPIPE: a peer that closes early must be an error for one item, not the
 * end of the program. Returns the flag, never NULL. */
volatile sig_atomic_t *sigstop_install(void);

#endif
