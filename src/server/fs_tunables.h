/* flagserver's compile-time sizes, units in the names. */
#ifndef RF_SERVER_FS_TUNABLES_H
#define RF_SERVER_FS_TUNABLES_H

/* A request (line + headers + any body) larger than this is refused with 431
 * and the connection closed: a test server has no use for big requests. */
#define FS_MAX_REQUEST_BYTES         8192
/* Longest request target kept; longer ones get 414. */
#define FS_MAX_URL_BYTES             2048
/* Per-connection receive buffer; requests stream through it. */
#define FS_RECV_BUF_BYTES            4096
/* File bodies (--root) are read and sent in pieces of this size. */
#define FS_FILE_CHUNK_BYTES          65536
/* Connections beyond this are accepted and closed at once. It sizes the
 * slot array, the timer heap and, with FS_OPS_PER_CONN, the backend's CQ
 * (the SQ is the backend's own, IO_URING_SQ_ENTRIES). */
#define FS_MAX_CONNS                 8192
/* Operations a connection can have in flight: one, plus the cancel that
 * ends it. */
#define FS_OPS_PER_CONN              2
#define FS_LISTEN_BACKLOG            4096
/* Completions taken off the backend before they are dispatched. */
#define FS_REAP_BATCH                256
/* A keep-alive connection that sends nothing for this long while we wait
 * for its next request is closed (the default of --idle-timeout): it holds
 * a slot and a descriptor, and a client that vanished without a FIN would
 * hold them for ever. A minute is far longer than any client of ours
 * pauses between requests on a connection it means to reuse. */
#define FS_IDLE_TIMEOUT_MS           60000
/* After a response that ends the connection we stop writing and drain what
 * the client still sends (so close() does not turn into a RST that could
 * destroy the response in flight), until it has been silent this long. */
#define FS_LINGER_MS                 1000
/* The `drip` fault's default interval between bytes. */
#define FS_DRIP_INTERVAL_MS          100
/* The `reset` fault waits this long after its partial body before the RST, so
 * the bytes reach the client first. */
#define FS_RESET_DELAY_MS            20

#endif
