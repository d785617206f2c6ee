/* Engine options both front ends set the same way from their command line. */
#ifndef RF_CLI_RUNOPTS_H
#define RF_CLI_RUNOPTS_H

#include <stdbool.h>

#include "ringfetch/engine.h"

/* The options every front end starts from: the engine's defaults, the
 * window, the stop flag, --timeout, and the bar's tick when it is drawn. */
void runopts_init(struct rf_options *opt, unsigned window, volatile sig_atomic_t *stop,
                  double timeout_s, bool bar, rf_tick_fn tick);

/* --timeout SECONDS: the whole-request deadline; the connect and silence
 * limits are capped at it, since they cannot outlast it. */
void runopts_timeout(struct rf_options *opt, double seconds);

/* The window the open-file limit allows for `want`; says so on stderr,
 * as "PROG: note: ...", when it is smaller (a concurrency knob must never
 * change silently). */
unsigned runopts_window(const char *prog, unsigned want);

#endif
