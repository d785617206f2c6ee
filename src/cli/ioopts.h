/* The I/O options every front end offers the same way: --backend NAME
 * (uring or epoll) and --trace FILE (every submission and completion,
 * for scripts/trace-view). */
#ifndef RF_CLI_IOOPTS_H
#define RF_CLI_IOOPTS_H

#include <stdio.h>

#include "ringfetch/engine.h"

struct ioopts {
    enum rf_backend backend;  /* --backend, RF_BACKEND_URING by default */
    const char *trace;        /* --trace FILE, or NULL */
};

#define IOOPTS_HELP \
    "  --backend NAME        the I/O backend: uring (io_uring, the default) or\n" \
    "                        epoll (readiness events and plain calls): same\n" \
    "                        results, for comparing the two\n" \
    "  --trace FILE          record every I/O submission and completion into\n" \
    "                        FILE (binary; draw it with scripts/trace-view)\n"

/* --backend's value: 0 and *io updated, or -EINVAL. */
int ioopts_backend(struct ioopts *io, const char *value);

/* Open the trace file (created or truncated) and put the backend and the
 * trace into *opt. Returns 0, or -errno after printing "PROG: cannot write
 * the trace FILE: why" on err. */
int ioopts_apply(const struct ioopts *io, struct rf_options *opt, const char *prog, FILE *err);

/* After the run: close the trace; if writing it failed, say so on err.
 * Returns 0 or the trace's -errno. */
int ioopts_end(const struct ioopts *io, struct rf_options *opt, const struct rf_stats *st,
               const char *prog, FILE *err);

#endif
