/* bench/fsfloor.c: what creating files costs on a file system, one way at a
 * time, synchronously, with nothing else in the process: the floor that a
 * downloader's CPU per file is measured against.
 *
 *   fsfloor WAY DIR COUNT BYTES [CHUNK]
 *
 * writes COUNT files of BYTES bytes each into DIR (an existing, empty
 * folder), named f000000.bin ... as the bench's corpora are, in writes of
 * CHUNK bytes (default: 64 KiB, ringfetch's receive buffer, or BYTES when
 * smaller). WAY is how each file is created:
 *
 *   final    open(NAME, O_CREAT|O_TRUNC), write, close: curl's and wget2's
 *            way; a killed run leaves a truncated file under NAME
 *   named    open(TMP, O_CREAT|O_EXCL|O_NOFOLLOW), write, close,
 *            rename(TMP, NAME): the sink's fallback (TMP is ".rf-PID-N.tmp"
 *            in DIR, as the sink names it), like NAME.part + rename
 *   tmpfile  open(DIR, O_TMPFILE), write, linkat(FD, "", NAME, AT_EMPTY_PATH),
 *            close: the sink's default, in the sink's order; where the
 *            kernel refuses to link by descriptor (ENOENT: before 6.10,
 *            without CAP_DAC_READ_SEARCH) through /proc/self/fd/FD, as the
 *            sink then does
 *   tmpfile-proc  the same, always linked through /proc/self/fd/FD: the
 *            sink's way where linking by descriptor is refused
 *   tmpfile-ring  the tmpfile way made through io_uring as the sink makes
 *            it on a disk: RING_FILES files at once, each one's openat ->
 *            write(s) -> linkat -> close submitted as the step before it
 *            completes, every completion there reaped before the next
 *            io_uring_enter (which submits what is ready and waits for
 *            one), and on ext4, xfs and btrfs io_uring's bounded workers
 *            limited to one (the sink's RF_DISK_FILE_WORKERS). Its excess
 *            over tmpfile is what handing the calls to the kernel's workers
 *            costs, with no network and no HTTP. Only when compiled with
 *            -DFLOOR_RING and -luring (else it exits 77).
 *
 * and prints one line of JSON:
 *   {"way": "...", "files": N, "bytes": N, "wall_s": S, "user_s": S, "sys_s": S,
 *    "link": "fd"|"proc"|""}
 * measured around the loop only (getrusage(RUSAGE_SELF), CLOCK_MONOTONIC),
 * so process start-up and filling the buffer are not counted. Writeback
 * happens later in the kernel's threads and is nobody's CPU here, as it is
 * nobody's in the measured downloads.
 *
 * Exit status: 0; 77 when the file system refuses O_TMPFILE or the way is
 * not built in (the bench reports the way as not available there); 1 on
 * any other failure, with the call and the file named on stderr.
 *
 * bench/run (rfbench/measure.py) compiles it at run time, as bench/spawn.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#ifdef FLOOR_RING
#include <linux/magic.h>
#include <liburing.h>
#endif

#define FLOOR_MODE 0644
#define FLOOR_CHUNK_BYTES 65536

enum floor_way { WAY_FINAL, WAY_NAMED, WAY_TMPFILE, WAY_TMPFILE_PROC, WAY_TMPFILE_RING };
#define WAY_COUNT 5

static const char *const way_names[] = { "final", "named", "tmpfile", "tmpfile-proc", "tmpfile-ring" };

/* tmpfile-ring: files in flight at once (the bench's headline window, -m 100). */
#define RING_FILES 100

/* Linking by descriptor works here (cleared on the first refusal). */
static int link_by_fd = 1;

static int fail(const char *call, const char *what)
{
    fprintf(stderr, "fsfloor: %s %s: %s\n", call, what, strerror(errno));
    return 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* All of buf[0..bytes) to fd in chunk-byte writes. */
static int write_body(int fd, const char *buf, size_t bytes, size_t chunk)
{
    size_t done = 0;
    while (done < bytes) {
        size_t n = bytes - done < chunk ? bytes - done : chunk;
        ssize_t w = write(fd, buf + done, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

/* One file, the way asked. Returns 0, 77 (no O_TMPFILE here) or 1. */
static int make_one(enum floor_way way, const char *dir, const char *name, unsigned seq,
                    const char *buf, size_t bytes, size_t chunk)
{
    char path[4096], tmp[4096], proc[64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd;
    switch (way) {
    case WAY_FINAL:
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, FLOOR_MODE);
        if (fd < 0)
            return fail("open", path);
        if (write_body(fd, buf, bytes, chunk) < 0)
            return fail("write", path);
        if (close(fd) < 0)
            return fail("close", path);
        return 0;
    case WAY_NAMED:
        snprintf(tmp, sizeof tmp, "%s/.rf-%u-%u.tmp", dir, (unsigned)getpid(), seq);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FLOOR_MODE);
        if (fd < 0)
            return fail("open", tmp);
        if (write_body(fd, buf, bytes, chunk) < 0)
            return fail("write", tmp);
        if (close(fd) < 0)
            return fail("close", tmp);
        if (rename(tmp, path) < 0)
            return fail("rename", path);
        return 0;
    case WAY_TMPFILE_RING:
        return 1; /* (ring_make makes all of them) */
    case WAY_TMPFILE:
    case WAY_TMPFILE_PROC:
        fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, FLOOR_MODE);
        if (fd < 0) {
            if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) {
                fprintf(stderr, "fsfloor: open O_TMPFILE %s: %s\n", dir, strerror(errno));
                return 77;
            }
            return fail("open O_TMPFILE", dir);
        }
        if (write_body(fd, buf, bytes, chunk) < 0)
            return fail("write", path);
        if (way == WAY_TMPFILE && link_by_fd) {
            if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0) {
                if (close(fd) < 0)
                    return fail("close", path);
                return 0;
            }
            if (errno != ENOENT)
                return fail("linkat", path);
            link_by_fd = 0;
        }
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
            return fail("linkat", path);
        if (close(fd) < 0)
            return fail("close", path);
        return 0;
    }
    return 1;
}

#ifdef FLOOR_RING
/* One file of the ring way: where it is, and what it waits for. */
enum ring_step { STEP_OPEN, STEP_WRITE, STEP_LINK, STEP_CLOSE };

struct ring_file {
    int fd;
    enum ring_step step;
    size_t done;        /* bytes written */
    int by_fd;          /* its link in flight is by descriptor (AT_EMPTY_PATH) */
    char name[32];
    char proc[32];
};

static int ring_fail(const char *call, const char *what, int res)
{
    errno = -res;
    return fail(call, what);
}

/* The next step of file i after its current one completed with res (or,
 * for a new file, its open), queued on the ring. */
static void ring_prep(struct io_uring *ring, struct ring_file *f, unsigned i, int dfd, const char *buf,
                      size_t bytes, size_t chunk)
{
    /* (Never full: RING_FILES steps at once in a ring twice as deep.) */
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    if (!sqe) {
        fprintf(stderr, "fsfloor: the submission queue is full\n");
        exit(1);
    }
    switch (f->step) {
    case STEP_OPEN:
        io_uring_prep_openat(sqe, dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, FLOOR_MODE);
        break;
    case STEP_WRITE: {
        size_t n = bytes - f->done < chunk ? bytes - f->done : chunk;
        io_uring_prep_write(sqe, f->fd, buf + f->done, (unsigned)n, f->done);
        break;
    }
    case STEP_LINK:
        f->by_fd = link_by_fd;
        if (link_by_fd) {
            io_uring_prep_linkat(sqe, f->fd, "", dfd, f->name, AT_EMPTY_PATH);
        } else {
            snprintf(f->proc, sizeof f->proc, "/proc/self/fd/%d", f->fd);
            io_uring_prep_linkat(sqe, AT_FDCWD, f->proc, dfd, f->name, AT_SYMLINK_FOLLOW);
        }
        break;
    case STEP_CLOSE:
        io_uring_prep_close(sqe, f->fd);
        break;
    }
    io_uring_sqe_set_data64(sqe, i);
}

/* The tmpfile-ring way: count files into dir. Returns 0, 77 or 1. */
static int ring_make(const char *dir, unsigned long count, const char *buf, size_t bytes, size_t chunk)
{
    struct io_uring ring;
    unsigned depth = 2 * RING_FILES;
    int ret = io_uring_queue_init(depth, &ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
    if (ret < 0 && (ret = io_uring_queue_init(depth, &ring, 0)) < 0) {
        fprintf(stderr, "fsfloor: io_uring_queue_init: %s\n", strerror(-ret));
        return 77;
    }
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return fail("open", dir);
    struct statfs sf;
    if (fstatfs(dfd, &sf) == 0 && ((unsigned long)sf.f_type == EXT4_SUPER_MAGIC ||
                                   (unsigned long)sf.f_type == XFS_SUPER_MAGIC ||
                                   (unsigned long)sf.f_type == BTRFS_SUPER_MAGIC)) {
        unsigned workers[2] = { 1, 0 };
        io_uring_register_iowq_max_workers(&ring, workers);
    }
    struct ring_file files[RING_FILES];
    unsigned long next = 0, done = 0;
    for (unsigned i = 0; i < RING_FILES && next < count; i++, next++) {
        files[i] = (struct ring_file){ .fd = -1, .step = STEP_OPEN };
        snprintf(files[i].name, sizeof files[i].name, "f%06lu.bin", next);
        ring_prep(&ring, &files[i], i, dfd, buf, bytes, chunk);
    }
    while (done < count) {
        ret = io_uring_submit_and_wait(&ring, 1);
        if (ret < 0 && ret != -EINTR)
            return ring_fail("io_uring_enter", dir, ret);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            unsigned i = (unsigned)cqe->user_data;
            struct ring_file *f = &files[i];
            int res = cqe->res;
            switch (f->step) {
            case STEP_OPEN:
                if (res == -EOPNOTSUPP || res == -EISDIR || res == -EINVAL) {
                    fprintf(stderr, "fsfloor: open O_TMPFILE %s: %s\n", dir, strerror(-res));
                    return 77;
                }
                if (res < 0)
                    return ring_fail("open O_TMPFILE", dir, res);
                f->fd = res;
                f->step = bytes ? STEP_WRITE : STEP_LINK;
                break;
            case STEP_WRITE:
                if (res <= 0)
                    return ring_fail("write", f->name, res ? res : -EIO);
                f->done += (size_t)res;
                if (f->done == bytes)
                    f->step = STEP_LINK;
                break;
            case STEP_LINK:
                if (res == -ENOENT && f->by_fd) {
                    /* Refused by descriptor: through /proc, this one and
                     * every later one, as the sink (links by descriptor
                     * already in flight come back here too). */
                    link_by_fd = 0;
                    break;
                }
                if (res < 0)
                    return ring_fail("linkat", f->name, res);
                f->step = STEP_CLOSE;
                break;
            case STEP_CLOSE:
                if (res < 0)
                    return ring_fail("close", f->name, res);
                done++;
                if (next == count)
                    continue;
                *f = (struct ring_file){ .fd = -1, .step = STEP_OPEN };
                snprintf(f->name, sizeof f->name, "f%06lu.bin", next++);
                break;
            }
            ring_prep(&ring, f, i, dfd, buf, bytes, chunk);
        }
        io_uring_cq_advance(&ring, seen);
    }
    close(dfd);
    io_uring_queue_exit(&ring);
    return 0;
}
#else
static int ring_make(const char *dir, unsigned long count, const char *buf, size_t bytes, size_t chunk)
{
    (void)dir, (void)count, (void)buf, (void)bytes, (void)chunk;
    fprintf(stderr, "fsfloor: tmpfile-ring: built without liburing (-DFLOOR_RING -luring)\n");
    return 77;
}
#endif

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: fsfloor final|named|tmpfile|tmpfile-proc|tmpfile-ring DIR COUNT "
                        "BYTES [CHUNK]\n");
        return 2;
    }
    int way = -1;
    for (int i = 0; i < WAY_COUNT; i++)
        if (strcmp(argv[1], way_names[i]) == 0)
            way = i;
    const char *dir = argv[2];
    char *end;
    unsigned long count = strtoul(argv[3], &end, 10);
    unsigned long long bytes = strtoull(argv[4], &end, 10);
    unsigned long long chunk = argc > 5 ? strtoull(argv[5], &end, 10) : FLOOR_CHUNK_BYTES;
    if (way < 0 || count == 0 || chunk == 0) {
        fprintf(stderr, "fsfloor: bad arguments\n");
        return 2;
    }
    if (chunk > bytes && bytes > 0)
        chunk = bytes;
    /* Distinct, incompressible-looking bytes (no file system here compresses,
     * but the floor should not depend on that). */
    char *buf = malloc(bytes ? bytes : 1);
    if (!buf)
        return fail("malloc", "buffer");
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (unsigned long long i = 0; i < bytes; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (char)x;
    }
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    double t0 = now_s();
    if (way == WAY_TMPFILE_RING) {
        int rc = ring_make(dir, count, buf, (size_t)bytes, (size_t)chunk);
        if (rc)
            return rc;
    }
    for (unsigned long i = 0; way != WAY_TMPFILE_RING && i < count; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%06lu.bin", i);
        int rc = make_one((enum floor_way)way, dir, name, (unsigned)i + 1, buf, (size_t)bytes,
                          (size_t)chunk);
        if (rc)
            return rc;
    }
    double wall = now_s() - t0;
    getrusage(RUSAGE_SELF, &r1);
    const char *link = (way == WAY_TMPFILE || way == WAY_TMPFILE_RING) && link_by_fd ? "fd"
                       : way >= WAY_TMPFILE ? "proc" : "";
    printf("{\"way\": \"%s\", \"files\": %lu, \"bytes\": %llu, \"wall_s\": %.6f, "
           "\"user_s\": %.6f, \"sys_s\": %.6f, \"link\": \"%s\"}\n",
           way_names[way], count, bytes, wall, tv_s(r1.ru_utime) - tv_s(r0.ru_utime),
           tv_s(r1.ru_stime) - tv_s(r0.ru_stime), link);
    free(buf);
    return 0;
}
