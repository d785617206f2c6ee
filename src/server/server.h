/* server: flagserver's event loop — listeners and connections on the
 * backend layer (io/backend.h), the same one the client engine uses.
 *
 * One thread, one backend. Every operation (accept, recv, send, file read,
 * signal read) goes through the backend's table with a user_data packed by
 * io/ud.h: the server's operation kind, the connection slot's generation
 * and its index. Completions are reaped in batches and dispatched after the
 * batch is taken. A connection counts its operations in flight and its slot
 * is freed (and its generation changed) only when that count is zero, so no
 * completion can outlive the memory it names, and no descriptor is closed
 * under an operation.
 *
 * The backend probes the kernel (RINGFETCH_RING_DISABLE switches features
 * off), accept is multishot where it can be, and every wait on the clock
 * (delays, drip, the reset wait, the linger, the idle limit) is a timer on
 * one heap (io/timer.h) that bounds the loop's wait: a delayed response
 * costs no thread, no poll and no operation in flight. */
#ifndef RF_SERVER_SERVER_H
#define RF_SERVER_SERVER_H

#include <stddef.h>
#include <stdio.h>

#include "server/content.h"
#include "server/options.h"

struct fs_server;

/* Bind and listen on every site of o (all on o->bind), set up the backend
 * and block SIGINT/SIGTERM/SIGHUP into a signalfd the loop reads. content must outlive
 * the server. log receives per-request lines when o->verbose. Returns 0 and
 * *out, or -errno (-EADDRINUSE, -EADDRNOTAVAIL, -ENOSYS without io_uring...).
 * On failure *errwhat names the step that failed. */
int fs_server_start(struct fs_server **out, const struct fs_options *o, const struct fs_content *content,
                    FILE *log, const char **errwhat);

/* Listeners in the order of o->sites: "127.0.0.1:8001", "[::1]:8002". */
size_t fs_server_nlisteners(const struct fs_server *s);
const char *fs_server_listener_name(const struct fs_server *s, size_t i);
/* Features of the backend in use (be_describe's words), then
 * "multishot_accept" or "single_accept". */
const char *fs_server_features(const struct fs_server *s);

/* Serve until SIGINT, SIGTERM or SIGHUP. 0, or -errno if the backend failed. */
int fs_server_run(struct fs_server *s);

/* Close every connection and listener and free the server. */
void fs_server_free(struct fs_server *s);

#endif
