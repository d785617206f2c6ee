/* ringfetch: the general front end over the engine. */
#ifndef RF_CLI_RINGFETCH_H
#define RF_CLI_RINGFETCH_H

#include <signal.h>

#include "cli/ringfetch_args.h"

/* Fetch every URL of the arguments, then of the list (read lazily), into
 * the output folder. URLs that fail url_parse()/url_output_name(), or whose
 * output name another URL already took in this run, are errors counted on
 * the spot and never reach the engine; the same URL again is a duplicate,
 * counted as such and fetched once (outpath_make). Prints per verbosity
 * (see --help), the summary on stderr, and the --stats JSON on stdout. stop
 * is rf_options.stop (sigstop.h). Returns the exit status: 0 all fetched,
 * 1 any failed, 2 list not readable, 128 + the signal when stopped by one. */
int ringfetch_run(const struct ringfetch_args *a, volatile sig_atomic_t *stop);

#endif
