/* The engine's compile-time sizes, units in the names, each with the reason
 * for its value. Defaults a front end can override (window, deadlines) are
 * in include/ringfetch/limits.h; the HTTP layer's limits are in
 * src/http/http_tunables.h. */
#ifndef RF_ENGINE_TUNABLES_H
#define RF_ENGINE_TUNABLES_H

#include "ringfetch/limits.h"

/* One provided recv buffer. 64 KiB holds any flag plus headers in one
 * completion, and a big body streams through in 64 KiB recvs and writes:
 * with 16 KiB, a 64 MiB file took ~4,100 enters and 1.5x curl's CPU. Only
 * the pages a recv fills are ever touched, so small files cost no more. */
#define RF_RECV_BUF_BYTES            65536
/* Provided buffers per active job, and the floor/ceiling of the ring (a power of two).
 * Buffers stay lent to the file writes until those complete, so this also
 * bounds how much of a body can wait in memory for a slow disk. */
#define RF_RECV_BUFS_PER_JOB         4
#define RF_RECV_BUFS_MIN             64
#define RF_RECV_BUFS_MAX             4096

/* The direct path (pipes.h): a plain-HTTP body with at least
 * RF_DIRECT_MIN_BYTES still to come after its first buffer goes socket ->
 * pipe -> file by splice, never through user space. Measured on 64 MiB
 * bodies (a standalone loop, kernel 6.18, tmpfs): splice through a 1 MiB
 * pipe 53-75 ms of CPU per file against 97-133 ms for 64 KiB recv + write
 * and 67-107 ms for 1 MiB writes; through a 64 KiB pipe 110-156 ms (worse
 * than buffers), so a pipe that cannot be made RF_DIRECT_PIPE_BYTES big
 * is not used. 1 MiB is the default pipe-max-size. Each pipe is two
 * descriptors and up to that much pinned kernel memory, hence the cap.
 * The threshold, measured through ringfetch (tmpfs, 5 interleaved rounds,
 * medians, splice vs buffers): 300 x 512 KiB gain (-m 1: 874 vs 605 MB/s,
 * 433 vs 533 us CPU per file; -m 8: 925 vs 583 MB/s), 1000 x 128 KiB do
 * not (-m 1: 386 vs 423 MB/s, 220 vs 190 us; -m 100: same MB/s, 190 vs
 * 170 us): the pipe's set-up and one more splice per file cost what the
 * copy saved. Hence 256 KiB. */
#define RF_DIRECT_MIN_BYTES          (256u << 10)
#define RF_DIRECT_PIPE_BYTES         (1u << 20)
/* 16 pipes: 32 descriptors and at most 16 MiB of pinned pipe pages; a
 * window of 8 big bodies (the bench's N=8) needs 8, and past that a body
 * takes the buffer path instead of waiting. */
#define RF_DIRECT_MAX_PIPES          16
/* A splice from the socket waits until the pipe has room for this part of
 * its capacity (or for the whole rest): a splice into a nearly full pipe
 * moves little for its cost. */
#define RF_DIRECT_ROOM_PARTS         4
/* Files whose length is known and at least this big are preallocated
 * (fallocate, FALLOC_FL_KEEP_SIZE) when they open: one more operation per
 * file, which small files do not pay back (their few writes are one extent
 * anyway); measured worth it on ext4 for 64 MiB bodies (README, Files on
 * disk: one extent per file, 0.75x the CPU at -m 8). Not measured between
 * 256 KiB and 1 MiB, so it stays at the direct path's old threshold. */
#define RF_PREALLOC_MIN_BYTES        (1u << 20)

/* Once a folder of the run is found on a local disk file system (ext4, xfs
 * or btrfs: fstatfs when the sink opens it), at most this many file
 * operations run at once in io_uring's workers (be_limit_file_workers, put
 * back when the engine ends); the rest wait in the kernel's queue. There
 * every create, link and write of a file takes the folder's lock, the
 * journal's or a tree's, and more workers mostly wait for each other and
 * for the host. Measured on this VM (2 vCPUs, loop images, nginx on
 * loopback, interleaved rounds, medians, 1 worker vs the kernel's default):
 *   set by hand at ring setup, 10,000 x 8 KiB at -m 100: ext4 0.435 vs
 *   0.472 s, CPU 0.566 vs 0.630 s (5 rounds); xfs 0.476 vs 0.590 s, CPU
 *   0.597 vs 0.747 s (7); btrfs 1.895 vs 1.806 s, CPU 0.892 vs 1.117 s (7:
 *   a fifth less CPU for 5% more time; 2 workers: 1.781 s, CPU 1.004);
 *   8 x 64 MiB at -m 8: xfs 0.207 vs 0.412 s (5), btrfs 0.395 vs 0.442 s
 *   (5), ext4 either way from set to set (0.43x-1.04x of the time in six
 *   sets: the VM's page reporting, README);
 *   this code against the one before (bench/run --baseline, 5 rounds,
 *   bench/results/ab-workers.md): many xfs 1.34x the files/s at 0.76x the
 *   CPU, btrfs 0.99x at 0.78x, ext4 1.02x at 0.98x; big at 8 xfs 1.09x the
 *   MB/s, btrfs 0.97x, ext4 0.83x.
 * Not on tmpfs (one worker cost 0.98x-1.10x the CPU there, README) and not
 * on file systems whose operations wait for a server (NFS, FUSE...), where
 * concurrent ones overlap (the limit is the run's, though: such a folder
 * mounted below one on ext4 gets it too). RINGFETCH_SINK_DISABLE=
 * file_workers leaves the default. */
#define RF_DISK_FILE_WORKERS         1

/* Small files in a folder on a file system in memory (tmpfs, ramfs:
 * fstatfs when the sink opens the folder) are opened, written and linked
 * at once by the loop (be_openat_now, be_writev_now, be_linkat_now)
 * instead of through the ring, when at least this many requests are in
 * flight as a file's answer arrives (its own included: on connections, so
 * -m 100 --max-per-host 1 against one host counts one; body.c decides). io_uring has no non-blocking way to create or link a
 * file or to make a buffered write to tmpfs, so each of those three goes
 * to an io-wq worker anyway: three hand-overs per small file, each dearer
 * than the call. The close, renames and unlinks stay on the ring (a close
 * is done at submission there; a rename only follows a name that was
 * taken, or the named way's files, for folders that refuse O_TMPFILE,
 * which tmpfs does not; unlinks only follow failures), and so does every
 * file of a run with -c (each may be a part to resume). Measured on this VM
 * (10,000 x 8 KiB from nginx on loopback into tmpfs, interleaved rounds,
 * medians, at once vs through the ring, CPU then wall time): -m 100 0.238
 * vs 0.271 s, 0.251 vs 0.275 s (14 rounds); -m 10 0.225 vs 0.281 s, 0.242
 * vs 0.283 s (8); and of 3,000 files: -m 4 0.076 vs 0.108 s, 0.088 vs
 * 0.114 s (8); -m 2 0.090 vs 0.142 s, 0.102 vs 0.143 s (8). At -m 1 it
 * cost time: 0.150 vs 0.197 s of CPU but 0.248 vs 0.229 s and 0.280 vs
 * 0.241 s in two sets of 8 (3,000 files): with one request in flight the
 * loop has nothing else to do while a worker makes the calls on the other
 * core, so there the ring stays. Opening and linking at once while writes went
 * through the ring cost more than either (0.279 s CPU, -m 100): all three
 * or none, decided per file (RF_NOW_MAX_BODY_BYTES).
 * Not on disks: there the calls wait for the journal or the device and
 * would hold the loop (-m 100, wall time, 8 rounds: ext4 0.443 vs 0.342 s,
 * xfs 0.498 vs 0.365 s, for the same CPU within 5%).
 * RINGFETCH_SINK_DISABLE=inline keeps the ring for them. */
#define RF_NOW_MIN_IN_FLIGHT            2
/* ... and only for a body of a known length up to this, over plain HTTP:
 * at once saves CPU at every size, but the larger the body, the more the
 * loop's own copying holds it while a worker could copy on the other core.
 * At once vs through the ring, -m 100, CPU then wall time, interleaved
 * rounds: 8 KiB bodies 0.325 vs 0.381 s, 0.359 vs 0.373 s (8); 16 KiB
 * (6,000 files) 0.245 vs 0.280 s, 0.261 vs 0.247 s (10); 32 KiB (4,000)
 * 0.229 vs 0.255 s, 0.244 vs 0.217 s (8); 100 KiB (2,000) 0.211 vs 0.248 s,
 * 0.234 vs 0.198 s (8). 16 KiB takes the flags (most are 10-12 KB) at the
 * price measured there: 0.88x the CPU for 1.06x the time, which the
 * rounds' spread (0.224-0.288 vs 0.220-0.278 s) does not tell apart. Over TLS the loop
 * also decrypts, and at once cost time even for 8 KiB (bench/run
 * --baseline, 7 rounds: 18,361 vs 21,141 files/s at 42.7 vs 44.4 us of
 * CPU per file), so a body it decrypts keeps the ring. A chunked body (no
 * length) keeps it too. */
#define RF_NOW_MAX_BODY_BYTES        (16u * 1024)

/* A non-2xx body is read (and discarded) to keep the connection for reuse only
 * up to this size; past it the connection is closed instead. */
#define RF_MAX_DISCARD_BODY_BYTES    65536

/* Largest request we build (request line + Host + fixed headers); each
 * connection keeps a malloc'd copy of just the bytes it sends. */
#define RF_REQUEST_BUF_BYTES         8192

/* Operations that can be in flight per unit of window, which sizes the CQ:
 * a request holds socket/connect (or send) and recv, and the file of the
 * request before it up to RF_RECV_BUFS_PER_JOB writes, then close + rename. */
#define RF_RING_OPS_PER_WINDOW       6

/* Connection slots per unit of window, plus a few: a slot stays taken while
 * its close drains, so a full window of requests can be on new connections
 * while the previous window's connections are still closing. */
#define RF_CONNS_PER_WINDOW          2
#define RF_CONNS_SPARE               8

/* Descriptors per unit of window for the open-file limit (rf_window_fit):
 * a socket for the request in flight, a file for it and one for the job
 * finishing its file (RF_JOBS_PER_WINDOW), the folder of each of those two
 * files (the sink holds its folder's descriptor, shared by the files there:
 * with -x every file may be in its own), and a socket of the connection
 * before it still closing (RF_CONNS_PER_WINDOW slots per unit). */
#define RF_FDS_PER_WINDOW            6
/* Besides the window and what the process already holds when the window is
 * fitted (counted then: stdio, the -i lists, the front end's files), a run
 * opens: the backend's descriptor (the ring, or epoll's), the resolver's
 * sockets while a name is being looked up (c-ares keeps one UDP socket to
 * the server it asks, and opens a TCP one when an answer comes truncated),
 * and one file a library opens and closes in passing (c-ares reading
 * /etc/hosts, OpenSSL a certificate of the CA folder during a handshake).
 * The spare connection slots (RF_CONNS_SPARE) and the direct path's pipes
 * only take what the limit leaves after all that. */
#define RF_FDS_BACKEND               1
/* The sinks' output folder, opened once for the run (sink.h). (The folder
 * last released, kept open for the next file, is closed before another is
 * opened: it fits in the window's.) */
#define RF_FDS_SINK_DIRS             1
#define RF_FDS_RESOLVER              2
#define RF_FDS_IN_PASSING            1
/* The process's descriptor table is grown up front to the run's budget
 * (rf_fd_table_reserve), at most this many: growing it later, once io-wq
 * workers share it, makes the kernel wait for an RCU grace period per
 * step (expand_fdtable), and every open in flight waits behind it. */
#define RF_FDS_TABLE_MAX             65536

/* Counting the open descriptors without /proc: fcntl on each number up to
 * the soft limit, or up to this many (a limit that high is never tight). */
#define RF_FDS_PROBE_MAX             65536

/* Batching the wait: with N jobs in flight, one io_uring_enter waits for
 * N / RF_BATCH_JOBS_PER_CQE completions, but holds out for them no longer
 * than RF_BATCH_WAIT_US (then one is enough: be_wait). Measured on 10,000 x
 * 8 KiB at -m 100: enters per file 0.76 with a wait for one CQE, 0.09 with
 * 50..64, same files/s. From RF_BATCH_STREAM_JOBS jobs on, completions
 * stream in faster than a pass handles them, and the wait asks for more than
 * can come (RF_BATCH_CQES_PER_JOB per job, at most RF_BATCH_MAX_CQES), so
 * the window decides: 0.054 enters per file instead of 0.095 at -m 100 (5
 * interleaved rounds, medians; files/s and CPU per file no worse). Below it
 * that costs files/s (-m 2: about a third fewer), so the smaller wait stays.
 * The backend never asks for more completions than it has operations in
 * flight. RF_BATCH_WAIT_US is the default of rf_options.batch_wait_us, the
 * downloaders' window; ringload holds out less (LOAD_BATCH_WAIT_US), since
 * it times every response. */
#define RF_BATCH_JOBS_PER_CQE        2
#define RF_BATCH_STREAM_JOBS         32
#define RF_BATCH_CQES_PER_JOB        2
#define RF_BATCH_MAX_CQES            256
#define RF_BATCH_WAIT_US             1000

/* One read of a front end's input (a URL list): 64 KiB is a thousand
 * typical URLs per read, and the buffer exists once per input. */
#define RF_INPUT_BUF_BYTES           65536

/* Jobs parked (waiting for their host's name, or behind a capped host's
 * backlog) without a job slot: a record of ~100 bytes plus the URL each, so
 * at most ~10 MB; past it the engine stops reading the list until some
 * move on. It is what lets a list whose first thousand URLs name a dead
 * host start on the next host at once. */
#define RF_MAX_PARKED_JOBS           100000

/* Name resolution (resolve.c): each try waits this long (c-ares doubles it
 * for the next), over this many tries: a name server that never answers
 * fails its host's jobs after ~15 s; --timeout shortens it. */
#define RF_DNS_TIMEOUT_MS            5000
#define RF_DNS_TRIES                 2

/* TLS (tp_tls.c). Plaintext is decrypted into buffers of the connection's
 * own, lent to the body consumers like receive buffers (a file write holds
 * one until it completes). 64 KiB, as a receive buffer, so a big body is
 * written in the same 64 KiB writes as over plain TCP; several small
 * responses share one buffer, each decrypted after the one before. */
#define RF_TLS_PLAIN_BUF_BYTES       65536
/* At most this many per connection: when the file writes hold them all,
 * decryption waits for one to come back (a slow disk bounds a TLS
 * connection's memory at this times the size, plus OpenSSL's own). */
#define RF_TLS_PLAIN_BUFS_PER_CONN   4
/* A buffer takes another record only with room for a whole one: the largest
 * TLS record's plaintext (RFC 8446 5.1: 2^14 bytes). */
#define RF_TLS_RECORD_BYTES          16384

/* How many completions one reap takes before dispatching. */
#define RF_REAP_BATCH                256

#endif
