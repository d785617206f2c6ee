/* ringfetch: the general front end over the engine. */
#ifndef RF_CLI_RINGFETCH_H
#define RF_CLI_RINGFETCH_H

#include <signal.h>

#include "cli/ringfetch_args.h"

/* Fetch every URL of the arguments, then of the lists (read lazily), of
 * this run's shard into the output folder. URLs that fail url_parse(), whose
 * output name cannot be made safely, or whose output name another URL
 * already took in this run, are errors counted on the spot and never reach
 * the engine; the same URL again is a duplicate, counted as such and
 * fetched once (outpath_make); with --skip-existing an item whose file is
 * there is counted as skipped. Prints per verbosity (see --help), the
 * summary on stderr, the --stats JSON on stdout, and one line per item
 * into the --log-json file. stop is rf_options.stop (sigstop.h). Asks for
 * a --user password first when one is needed, and wipes the credentials in
 * a when done. Returns the exit status: 0 all fetched or skipped, 1 any
 * failed or the log was lost, 2 for a problem found before any request,
 * 128 + the signal when stopped by one. */
int ringfetch_run(struct ringfetch_args *a, volatile sig_atomic_t *stop);

#endif
