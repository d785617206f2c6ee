/* Engine options both front ends set the same way from their command line. */
#ifndef RF_CLI_RUNOPTS_H
#define RF_CLI_RUNOPTS_H

#include "ringfetch/engine.h"

/* --timeout SECONDS: the whole-request deadline; the connect and silence
 * limits are capped at it, since they cannot outlast it. */
void runopts_timeout(struct rf_options *opt, double seconds);

/* The window the open-file limit allows for `want`; says so on stderr,
 * as "PROG: note: ...", when it is smaller (a concurrency knob must never
 * change silently). */
unsigned runopts_window(const char *prog, unsigned want);

#endif
