/* version: what --version prints, the same for every program.
 *
 * A bug report needs three things besides our own version: the library
 * versions the binary was built with (and, for the shared ones, those it
 * runs with now, which a Debian upgrade may have changed), and what
 * io_uring can do on this kernel, since every fallback (provide_buffers
 * instead of buf_ring, socket(2) instead of IORING_OP_SOCKET...) changes
 * the system calls a run makes. The ring features are probed now, the way
 * a run probes them (RINGFETCH_RING_DISABLE included), so they are the
 * ones a run would use. */
#ifndef RF_CLI_VERSION_H
#define RF_CLI_VERSION_H

#include <stdio.h>

/* Print prog's version report to out, four lines:
 *
 *   PROG 0.1.0
 *   built with: liburing 2.3, OpenSSL 3.0.19, c-ares 1.18.1, llhttp 8.1.0
 *   running on: Linux 6.1.0, OpenSSL 3.0.19, c-ares 1.18.1
 *   io_uring: defer_taskrun buf_ring socket_op cancel_fd registered_ring_fd
 *
 * The last line is "io_uring: not available (REASON)" when no ring can be
 * set up here. Returns 0, or -EIO when out failed. */
int version_print(FILE *out, const char *prog);

#endif
