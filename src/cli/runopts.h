/* What every front end sets up the same way before a run: the engine options
 * from its command line, the window the open-file limit allows, and the
 * destination folder. */
#ifndef RF_CLI_RUNOPTS_H
#define RF_CLI_RUNOPTS_H

#include <stdbool.h>

#include "ringfetch/engine.h"

/* The exit status of a run that never started because of something the
 * user has to fix: the command line, an unreadable list, a destination that
 * cannot take files, an open-file limit too low for one request. Nothing was
 * fetched. */
#define RUNOPTS_EXIT_USAGE 2

/* The options every front end starts from: the engine's defaults, the
 * window, the stop flag, --timeout, and the bar's tick when it is drawn. */
void runopts_init(struct rf_options *opt, unsigned window, volatile sig_atomic_t *stop,
                  double timeout_s, bool bar, rf_tick_fn tick);

/* --timeout SECONDS: the whole-request deadline; the connect and silence
 * limits are capped at it, since they cannot outlast it. */
void runopts_timeout(struct rf_options *opt, double seconds);

/* --read-timeout SECONDS (after runopts_init): the silence limit, a try
 * that fails and that --retry repeats; capped at the whole-request deadline
 * when there is one. 0 keeps the default. */
void runopts_read_timeout(struct rf_options *opt, double seconds);

/* The window the open-file limit allows for `want`, counting the
 * descriptors held now and later_fds the front end opens after this call
 * (rf_window_fit); says so on stderr, as "PROG: note: ...", when it is
 * smaller (a concurrency knob must never change silently), unless quiet.
 * Returns 0, after saying on stderr (even when quiet) how many descriptors
 * one request needs, when the limit cannot hold a window of 1: the front
 * end must then exit with RUNOPTS_EXIT_USAGE before any request. */
unsigned runopts_window(const char *prog, unsigned want, unsigned later_fds, bool quiet);

/* Make sure the output folder can take the files, once, before any request:
 * it exists or can be created, is a directory, and a file can be created in
 * it (dirs_probe_writable). Otherwise say which folder and why on stderr
 * ("PROG: cannot create folder DIR: REASON", "PROG: cannot write in folder
 * DIR: REASON") and return RUNOPTS_EXIT_USAGE; else 0. */
int runopts_dest(const char *prog, const char *dir);

#endif
