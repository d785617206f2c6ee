/* One output file, written so that its final name only ever holds a
 * complete body, and never through a link someone else put there.
 *
 * Every name is made by the descriptor of the file's folder DIR (below:
 * names are relative to it), never by a path from the working directory:
 * a folder of the path swapped for a symbolic link once the front end made
 * it cannot send the file elsewhere. The run's top folder (the front end's
 * output folder, sink_env_init) is taken as the user gave it, link or not;
 * every folder below it is opened beneath it without following a link
 * (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, 5.6; where that is
 * refused, one name at a time with O_NOFOLLOW), and a link on the way makes
 * the file RF_E_DEST_LINK. Folder descriptors are opened synchronously,
 * once per folder: shared by the sinks writing there (a reference each,
 * from sink_open until sink_free, so one is never closed with an operation
 * of theirs in flight), the last one released kept open for the next file.
 *
 * Two ways of creating it, chosen per destination at run time:
 *
 *   tmpfile  openat(DIR, ".", O_TMPFILE) -> writes -> linkat(N, "", NAME,
 *            AT_EMPTY_PATH) -> close. The body lives in an unnamed inode until it is
 *            complete, so a failure (or a kill, even SIGKILL) leaves
 *            nothing, and the directory is touched once. linkat never
 *            replaces: when NAME exists (a file, a link, anything) the
 *            inode is linked under a temporary name and renamed over it.
 *            Linking by descriptor (AT_EMPTY_PATH) is allowed to the
 *            opener since Linux 6.10 (before, only with CAP_DAC_READ_SEARCH);
 *            where it is refused (ENOENT) the link goes through
 *            /proc/self/fd/N instead, for the rest of the run (forced by
 *            RINGFETCH_SINK_DISABLE=link_by_fd).
 *   named    open(TMP, O_CREAT|O_EXCL|O_NOFOLLOW) -> writes -> close ->
 *            rename(TMP, NAME), unlink(TMP) on failure. For file systems
 *            without O_TMPFILE (and when forced: RINGFETCH_SINK_DISABLE=tmpfile).
 *
 *   part     (resume, -c) NAME.part, a named file that outlives the run:
 *            opened (never through a link) before the request, so that what
 *            it holds can be asked for the rest of (its size, and the
 *            validator recorded in its user.ringfetch.validator attribute
 *            when it was started); appended to on a 206 whose range starts
 *            at its end, started over on a 200; closed and renamed to NAME
 *            when complete; kept (if it holds anything) when the run fails
 *            or is stopped, for the next run to resume.
 *
 * TMP is ".rf-PID-SEQ.tmp" in NAME's folder: created exclusively, so
 * it can never be someone else's file (another name is drawn on EEXIST),
 * and short, so any legal NAME works. rename() replaces a link at NAME
 * rather than following it.
 *
 * The file opens when the response's headers say 2xx, and body spans are
 * written at their offsets as they arrive (queued until the open
 * completes), so a 1 GB body never sits in memory. Spans point into lent
 * buffers; the sink holds a reference on a buffer while a write of it is
 * queued or in flight (one writev per buffer), so no body byte is copied.
 *
 * Ownership: the descriptor is closed only through the backend, after
 * every write on it has completed; the owner keeps the sink until
 * sink_complete says SINK_EV_DONE.
 */
#ifndef RF_ENGINE_SINK_H
#define RF_ENGINE_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/pipes.h"
#include "io/backend.h"
#include "ringfetch/engine.h"

/* The longest validator kept: an ETag (quoted, possibly W/) or an HTTP-date. */
#define RF_VALIDATOR_MAX 200
/* The extended attribute the part's validator is kept in. */
#define SINK_VALIDATOR_XATTR "user.ringfetch.validator"

enum sink_state {
    SINK_IDLE,      /* nothing open */
    SINK_OPENING,   /* open in flight, spans queue up */
    SINK_OPEN,      /* writing */
    SINK_FINISHING, /* link/close/rename/unlink in flight */
    SINK_DONE,
};

enum sink_way { SINK_WAY_TMPFILE, SINK_WAY_NAMED, SINK_WAY_PART };

/* sink_complete's answers */
enum sink_event {
    SINK_EV_BUSY,   /* nothing for the owner to do */
    SINK_EV_FAILED, /* a file op failed just now (s->err); stop feeding, then sink_finish */
    SINK_EV_DONE,   /* all ops ended; s->err is the outcome (0 = the final name is in place) */
    SINK_EV_READY,  /* (part) opened, its size and validator read: the request may go */
};

struct sink_wop;
struct sink_dir;

/* What every sink of a run shares. */
struct sink_env {
    struct be *be;
    const char *top;          /* the folder every path lies under ("TOP/REL"), trusted as
                                 given; NULL: each file's folder is (sink_env_init) */
    size_t top_len;
    int top_fd;               /* top, opened at its first file (O_PATH), or -1 */
    bool resolve_ok;          /* openat2 with RESOLVE_* not refused (yet) */
    struct sink_dir **dirs;   /* folders in use (and the idle one), by hash of their name */
    uint32_t dir_buckets, ndirs;
    struct sink_dir *idle_dir; /* the last folder released, kept open for the next file */
    uint64_t dirs_opened;     /* folders opened (the top included): for the tests */
    struct pipes *pipes;      /* where a sink's pipe reference goes back (set by the owner) */
    bool tmpfile_ok;          /* O_TMPFILE worth trying (not disabled, /proc/self/fd there) */
    bool prealloc_ok;         /* sink_reserve preallocates (not disabled: fallocate) */
    bool link_by_fd;          /* linkat(fd, "", AT_EMPTY_PATH) not refused (yet) */
    uint64_t no_tmpfile[8];   /* hashes of directories where O_TMPFILE was refused */
    unsigned no_tmpfile_next;
    unsigned pid;
    uint32_t seq;             /* for temporary names */
    struct sink_wop **wops;   /* write records, by index (generation-checked) */
    uint32_t nwops, cap_wops;
    struct sink_wop *free_wops;
    uint64_t created_tmpfile, created_named, replaced; /* counters, for --stats */
    uint64_t spliced_bytes;   /* written by splice from a pipe, for --stats */
    uint64_t reserved;        /* files preallocated (fallocate accepted), for --stats */
    bool workers_ok;          /* may limit the file workers: not disabled (file_workers),
                                 the backend has such workers, not refused (yet) */
    unsigned file_workers;    /* the limit set (RF_DISK_FILE_WORKERS), 0: the kernel's own */
    bool now_ok;              /* small files in memory are opened, written and linked at
                                 once (sink_open_small): not disabled (inline), and the
                                 backend can */
    bool top_mem;             /* the top folder is in memory */
    uint64_t now_ops;         /* file calls made at once, for --stats */
};

struct sink {
    enum sink_state state;
    enum sink_way way;
    int fd;
    bool opened;             /* fd is open */
    bool tmp_exists;         /* a file we made is at tmp */
    bool final_linked;       /* we linked the inode at path ourselves */
    bool link_eexist;        /* path existed: link at tmp, then rename */
    bool link_to_tmp;        /* the link in flight targets tmp */
    bool link_fd_sent;       /* the link in flight is by descriptor (AT_EMPTY_PATH) */
    bool link_via_proc;      /* by descriptor was refused: link through /proc */
    bool now;                /* a small body in memory: the open, the writes and the link
                                are made at once (sink_open_small); never for a part */
    bool renamed;            /* tmp was renamed to path */
    bool preparing;          /* (part) open, statx, getxattr in flight */
    bool begun;              /* (part) sink_part_begin said where the body goes */
    uint64_t part_size;      /* (part) bytes the part held when opened */
    char validator[RF_VALIDATOR_MAX]; /* (part) its recorded validator, NUL-terminated, or "" */
    struct statx *stx;       /* (part) statx's answer (owned) */
    bool finishing;          /* sink_finish was called */
    bool keep;               /* at finish: put it in place (true) or discard */
    unsigned name_tries;     /* temporary names drawn */
    int err;                 /* first error, -errno */
    unsigned ops;            /* file ops in flight */
    uint64_t off;            /* bytes accepted so far: the next span's offset */
    uint64_t ud;             /* ud_pack(0, gen, idx) of the owner; kinds are added */
    struct sink_env *env;
    char *path;              /* final name as given (owned), for messages */
    const char *name;        /* its last component (into path): the name in dfd */
    char *dir;               /* its folder (owned) */
    int dfd;                 /* the folder's descriptor: the top's, or dref's */
    struct sink_dir *dref;   /* the reference on a folder below the top, or NULL */
    char *tmp;               /* temporary name in dfd (owned), or NULL */
    char proc[32];           /* "/proc/self/fd/N" for linkat */
    struct rf_pipe *pipe;    /* direct path: the pipe whose bytes go in next (a reference) */
    uint64_t spl_off;        /* where the next splice out of it writes */
    uint64_t spl_left;       /* bytes in it for this file, from spl_off on */
    bool spl_busy;           /* a splice out of it is in flight (one at a time: two would
                                race for the pipe's bytes) */
    uint64_t reserve_off, reserve_len; /* to preallocate once open (len 0: nothing) */
    struct sink_wop *cur;    /* collecting spans of the current buffer */
    struct sink_wop *queued; /* not yet submitted (FIFO) */
    struct sink_wop **queued_tail;
};

/* Per run. top: the folder every path lies under (each path is TOP "/"
 * REL, and a path that is not is refused with -EINVAL), or NULL: each
 * file's own folder is taken as given. top must stay valid for the run.
 * RINGFETCH_SINK_DISABLE=resolve forces the folder walk instead of
 * openat2. Returns 0 (nothing is opened before the first file). */
int sink_env_init(struct sink_env *env, struct be *be, const char *top);
/* After every sink was freed: closes the folders' descriptors. */
void sink_env_free(struct sink_env *env);

/* Start a file at path. ud is ud_pack(0, gen, idx) of the owner. Returns 0
 * or -errno (then nothing was started): RF_E_DEST_LINK when a folder below
 * the top is a symbolic link (or leads out of it), -ENOTDIR when it is
 * something else, the folder's open(2) errors. */
int sink_open(struct sink *s, struct sink_env *env, const char *path, uint64_t ud);
/* The same for a small body (RF_NOW_MAX_BODY_BYTES or less, known from its
 * length, and not decrypted by the loop): where its folder is in memory
 * (tmpfs) and sink_env.now_ok, its open, writes and link are made at once
 * (be_openat_now...) instead of through the ring. */
int sink_open_small(struct sink *s, struct sink_env *env, const char *path, uint64_t ud);
/* Resume: prepare the part file part_path (in path's folder) for path (see the top); the
 * sink says SINK_EV_READY when s->part_size and s->validator are known, or
 * SINK_EV_FAILED/DONE when the part cannot be used (a link, not a regular
 * file...). fresh: start over (truncate) whatever it holds. */
int sink_open_part(struct sink *s, struct sink_env *env, const char *path, const char *part_path,
                   bool fresh, uint64_t ud);
/* The headers of the answer to a prepared part's request: status 206 whose
 * Content-Range starts at range_start (== part_size) appends; status 200
 * starts over, recording validator (vlen 0: none). Returns 0, RF_E_RESUME
 * when the answer does not fit the part (the caller starts over), or the
 * sink's error (-EBUSY: the truncation could not be submitted). */
int sink_part_begin(struct sink *s, int status, uint64_t range_start, const char *validator, size_t vlen);
/* Append a body span lying in buf. Returns 0 or s->err. */
int sink_add(struct sink *s, struct lbuf *buf, const char *at, size_t len);
/* The current buffer is done: submit (or queue) what was collected from it. */
void sink_flush(struct sink *s);
/* The next len bytes of the body are in pipe p (always the same pipe for
 * one sink): they are spliced into the file at their offset, in order, one
 * splice at a time; p->fill drops as they land. Returns 0 or s->err. */
int sink_splice(struct sink *s, struct rf_pipe *p, uint32_t len);
/* The body's length is known: preallocate len more bytes from the current
 * offset once the file is open (fallocate with FALLOC_FL_KEEP_SIZE, so the
 * file's size still says what arrived). Best effort: a file system that
 * cannot is written as usual. */
void sink_reserve(struct sink *s, uint64_t len);
/* The body is over: keep (complete and valid) or discard. Call once. */
void sink_finish(struct sink *s, bool keep);
/* A completion of a file op of this sink (kind OP_F_*, not OP_F_WRITE). */
enum sink_event sink_complete(struct sink *s, unsigned kind, int res);
/* A write completion: the sink it belongs to (NULL when stale) and its event. */
enum sink_event sink_complete_write(struct sink_env *env, const struct be_cqe *cqe, struct sink **which);
/* The backend is gone: close and remove synchronously whatever is left,
 * drop buffer references. For a run that cannot go on. */
void sink_abandon(struct sink *s);
/* Release memory; only when state is IDLE or DONE. */
void sink_free(struct sink *s);

#endif
