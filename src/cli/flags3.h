/* flags3 (`flags2 --flags3`): per code, two chained requests of the same
 * item — {base}/{cc}/metadata.json, then, named after its "country",
 * {base}/{cc}/{cc}.gif saved as DEST/{Country}-{CC}.gif (see flagmeta.h for
 * the naming rule). Same command line, header, -v lines and report as
 * flags2; each code is counted once, by how its chain ended:
 *   metadata 404                      -> not found, no flag request
 *   metadata other failure, invalid
 *   JSON, no "country", unsafe name   -> error ("metadata: ..."), no flag request
 *   flag 404 / failure / ok           -> not found / error / downloaded.
 *
 * The metadata body comes back in memory (rf_job.body_max), so nothing is
 * read from disk in the loop. At most -m requests are in flight: next_job
 * hands out the flags of items whose metadata has arrived before any new
 * metadata request, so memory is O(window). */
#ifndef RF_CLI_FLAGS3_H
#define RF_CLI_FLAGS3_H

#include <signal.h>

#include "cli/flags2_args.h"

/* Like flags2_run (same exit statuses), for the flags3 chain. */
int flags3_run(const struct flags2_args *a, volatile sig_atomic_t *stop);

#endif
