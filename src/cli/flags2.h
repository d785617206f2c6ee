/* flags2: fetch flags through the engine and report as flags2-spec.md says. */
#ifndef RF_CLI_FLAGS2_H
#define RF_CLI_FLAGS2_H

#include <signal.h>

#include <stdbool.h>

#include "cli/flags2_args.h"
#include "cli/report.h"
#include "ringfetch/engine.h"

/* Create the destination folder, print the three header lines, fetch every
 * code (the progress bar on stderr when it is a terminal and not verbose;
 * -v lines on stdout), print the report and, with --stats, the JSON object
 * on stderr. stop is rf_options.stop (sigstop.h).
 * Returns the exit status: 0 when no item ended in error, 1 when some did
 * (or the engine could not run), 128 + the signal when stopped by one. */
int flags2_run(const struct flags2_args *a, volatile sig_atomic_t *stop);

/* The end of a flags2 or flags3 run: says if the engine failed (rc), prints
 * the report (and --stats), and returns the exit status; stop is the run's
 * rf_options.stop. */
int flags2_finish(const struct flags2_args *a, const struct report_counts *counts, int rc,
                  double elapsed_s, const volatile sig_atomic_t *stop,
                  const struct rf_stats *stats);

#endif
