/* server: flagserver's event loop — listeners and connections on one io_uring.
 *
 * One thread, one ring. Every operation (accept, recv, send, file read,
 * timer, signal read) is an SQE whose user_data is the owning object's
 * address with the operation kind in the low 3 bits; completions are reaped
 * in batches and dispatched after the batch is taken. A connection counts its
 * operations in flight and is freed only when that count is zero, so no
 * completion can outlive the memory it points to, and no descriptor is
 * closed under an operation.
 *
 * Ring setup prefers SINGLE_ISSUER | DEFER_TASKRUN (falls back when the
 * kernel refuses), accept is multishot (single-shot fallback), and delays
 * are IORING_OP_TIMEOUTs: a delayed response costs no thread and no poll. */
#ifndef RF_SERVER_SERVER_H
#define RF_SERVER_SERVER_H

#include <stddef.h>
#include <stdio.h>

#include "server/content.h"
#include "server/options.h"

struct fs_server;

/* Bind and listen on every site of o (all on o->bind), set up the ring and
 * block SIGINT/SIGTERM into a signalfd the loop reads. content must outlive
 * the server. log receives per-request lines when o->verbose. Returns 0 and
 * *out, or -errno (-EADDRINUSE, -EADDRNOTAVAIL, -ENOSYS without io_uring...).
 * On failure *errwhat names the step that failed. */
int fs_server_start(struct fs_server **out, const struct fs_options *o, const struct fs_content *content,
                    FILE *log, const char **errwhat);

/* Listeners in the order of o->sites: "127.0.0.1:8001", "[::1]:8002". */
size_t fs_server_nlisteners(const struct fs_server *s);
const char *fs_server_listener_name(const struct fs_server *s, size_t i);
/* Features of the ring in use, e.g. "defer_taskrun multishot_accept". */
const char *fs_server_features(const struct fs_server *s);

/* Serve until SIGINT or SIGTERM. 0, or -errno if the ring failed. */
int fs_server_run(struct fs_server *s);

/* Close every connection and listener and free the server. */
void fs_server_free(struct fs_server *s);

#endif
