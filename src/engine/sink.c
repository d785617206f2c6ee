/* The file sink (see sink.h): open, write at offsets, then put the file in
 * place (link or rename) or discard it.
 *
 * Finishing is driven by sink_step(), called whenever nothing of the sink
 * is in flight: it looks at what is true now (open? linked? a temporary
 * exists?) and submits the next operation, so completions may come back in
 * any order the kernel likes. */
#include "engine/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "engine/opkind.h"
#include "engine/tunables.h"
#include "io/ud.h"
#include "util/mix64.h"

/* Spans of one buffer per writev; more (tiny chunks) start another record. */
#define SINK_IOV_MAX 8
/* Temporary names drawn before giving up on EEXIST (another process racing
 * us with the same pid is the only way to get there more than once). */
#define SINK_NAME_TRIES 8
#define SINK_MODE 0644
/* Hash buckets for the folders in use at first; doubled whenever there are
 * more folders than buckets (-x with a window of files each in its own). */
#define SINK_DIR_BUCKETS_MIN 16
/* A folder's descriptor is only ever a dirfd: O_PATH needs no read
 * permission on the folder (the names in it are still looked up with its
 * search permission). */
#define SINK_DIR_FLAGS (O_PATH | O_DIRECTORY | O_CLOEXEC)

struct sink_wop {
    uint32_t gen, idx;    /* slot in env->wops; ud carries both */
    bool busy;
    struct sink *sink;
    struct sink_wop *next;
    struct lbuf *buf;
    unsigned niov, first; /* iov[first..niov) still to write */
    uint64_t off;         /* file offset of iov[first] */
    struct iovec iov[SINK_IOV_MAX];
};

static uint64_t sink_ud(const struct sink *s, enum op_kind k)
{
    return s->ud | (uint64_t)k << 56;
}

/* ---- the environment --------------------------------------------------------- */

int sink_env_init(struct sink_env *env, struct be *be, const char *top)
{
    memset(env, 0, sizeof *env);
    env->be = be;
    env->top = top && *top ? top : NULL;
    env->top_len = env->top ? strlen(top) : 0;
    /* "out/" is the folder "out": a path under it is "out/sub/f". */
    while (env->top_len > 1 && top[env->top_len - 1] == '/')
        env->top_len--;
    env->top_fd = -1;
    env->pid = (unsigned)getpid();
    const char *off = getenv("RINGFETCH_SINK_DISABLE");
    env->resolve_ok = !(off && strstr(off, "resolve"));
    /* An O_TMPFILE inode is linked by its descriptor where the kernel lets
     * us (6.10+), else through /proc/self/fd, which must be there as the
     * fallback. */
    env->tmpfile_ok = !(off && strstr(off, "tmpfile")) && access("/proc/self/fd", X_OK) == 0;
    env->prealloc_ok = !(off && strstr(off, "fallocate"));
    env->link_by_fd = !(off && strstr(off, "link_by_fd"));
    env->workers_ok = !(off && strstr(off, "file_workers")) && be->ops->limit_file_workers;
    env->now_ok = !(off && strstr(off, "inline")) && be_has_now(be);
    return 0;
}

static void sink_dirs_free(struct sink_env *env);

void sink_env_free(struct sink_env *env)
{
    sink_dirs_free(env);
    for (uint32_t i = 0; i < env->nwops; i++)
        free(env->wops[i]);
    free(env->wops);
    env->wops = NULL;
    env->nwops = env->cap_wops = 0;
    env->free_wops = NULL;
}

static uint64_t sink_name_hash(const char *s, size_t n)
{
    uint64_t h = MIX64_GOLDEN;
    for (size_t i = 0; i < n; i++)
        h = mix64(h ^ (unsigned char)s[i]);
    return h | 1;
}

static bool sink_dir_refuses_tmpfile(const struct sink_env *env, const char *dir)
{
    uint64_t h = sink_name_hash(dir, strlen(dir));
    for (size_t i = 0; i < sizeof env->no_tmpfile / sizeof env->no_tmpfile[0]; i++)
        if (env->no_tmpfile[i] == h)
            return true;
    return false;
}

static void sink_dir_note_no_tmpfile(struct sink_env *env, const char *dir)
{
    size_t n = sizeof env->no_tmpfile / sizeof env->no_tmpfile[0];
    env->no_tmpfile[env->no_tmpfile_next++ % n] = sink_name_hash(dir, strlen(dir));
}

/* ---- folders ------------------------------------------------------------------- */

struct sink_dir {
    struct sink_dir *next; /* in its bucket */
    uint64_t hash;
    int fd;
    bool mem;              /* on a file system in memory (sink_dir_opened) */
    unsigned refs;         /* sinks holding it; at 0 it is env->idle_dir */
    size_t len;
    char name[];           /* the folder as the paths spell it, NUL-terminated */
};

static struct sink_dir **sink_dir_slot(struct sink_env *env, uint64_t h, const char *name, size_t n)
{
    struct sink_dir **p = &env->dirs[h & (env->dir_buckets - 1)];
    while (*p && !((*p)->hash == h && (*p)->len == n && memcmp((*p)->name, name, n) == 0))
        p = &(*p)->next;
    return p;
}

static int sink_dirs_grow(struct sink_env *env)
{
    uint32_t nb = env->dir_buckets ? 2 * env->dir_buckets : SINK_DIR_BUCKETS_MIN;
    struct sink_dir **b = calloc(nb, sizeof *b);
    if (!b)
        return -ENOMEM;
    for (uint32_t i = 0; i < env->dir_buckets; i++) {
        struct sink_dir *d = env->dirs[i];
        while (d) {
            struct sink_dir *next = d->next;
            d->next = b[d->hash & (nb - 1)];
            b[d->hash & (nb - 1)] = d;
            d = next;
        }
    }
    free(env->dirs);
    env->dirs = b;
    env->dir_buckets = nb;
    return 0;
}

/* Closed and forgotten: no sink holds it, so nothing of theirs is in flight on it. */
static void sink_dir_drop(struct sink_env *env, struct sink_dir *d)
{
    *sink_dir_slot(env, d->hash, d->name, d->len) = d->next;
    env->ndirs--;
    close(d->fd);
    free(d);
}

static void sink_dirs_free(struct sink_env *env)
{
    for (uint32_t i = 0; i < env->dir_buckets; i++)
        while (env->dirs[i])
            sink_dir_drop(env, env->dirs[i]);
    free(env->dirs);
    env->dirs = NULL;
    env->dir_buckets = 0;
    env->idle_dir = NULL;
    if (env->top_fd >= 0)
        close(env->top_fd);
    env->top_fd = -1;
}

/* A folder's open said ELOOP (a link on the way, not followed) or EXDEV
 * (the path leads out of the top): say so in the file's words. */
static int sink_dir_err(int e)
{
    return e == ELOOP || e == EXDEV ? RF_E_DEST_LINK : -e;
}

/* rel (n bytes, names separated by '/') beneath the folder at, one name at
 * a time with O_NOFOLLOW: where openat2 is refused (before 5.6, or a
 * seccomp filter that does not know it). O_PATH | O_NOFOLLOW alone would
 * open a link itself; with O_DIRECTORY it fails ENOTDIR, told apart from a
 * file by fstatat. */
static int sink_dir_walk(int at, const char *rel, size_t n)
{
    char name[NAME_MAX + 1];
    int fd = -1;
    for (size_t pos = 0; pos < n;) {
        const char *slash = memchr(rel + pos, '/', n - pos);
        size_t end = slash ? (size_t)(slash - rel) : n;
        size_t len = end - pos;
        if (len >= sizeof name) {
            if (fd >= 0)
                close(fd);
            return -ENAMETOOLONG;
        }
        memcpy(name, rel + pos, len);
        name[len] = '\0';
        pos = end + 1;
        if (len == 0 || strcmp(name, ".") == 0)
            continue;
        int e = 0, next = -1;
        if (strcmp(name, "..") == 0)
            e = EXDEV; /* as RESOLVE_BENEATH: never above the top */
        else if ((next = openat(fd >= 0 ? fd : at, name, SINK_DIR_FLAGS | O_NOFOLLOW)) < 0) {
            struct stat st;
            e = errno;
            if (e == ENOTDIR && fstatat(fd >= 0 ? fd : at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(st.st_mode))
                e = ELOOP;
        }
        if (fd >= 0)
            close(fd);
        if (e)
            return sink_dir_err(e);
        fd = next;
    }
    if (fd >= 0)
        return fd;
    fd = openat(at, ".", SINK_DIR_FLAGS);
    return fd >= 0 ? fd : -errno;
}

/* A new descriptor of the folder rel (n bytes, NUL-terminated: the tail
 * of a sink's dir) below the top. */
static int sink_dir_resolve(struct sink_env *env, const char *rel, size_t n)
{
    if (env->resolve_ok) {
        struct open_how how = { .flags = SINK_DIR_FLAGS,
                                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
        long fd = syscall(SYS_openat2, env->top_fd, rel, &how, sizeof how);
        if (fd >= 0)
            return (int)fd;
        if (errno != ENOSYS && errno != EPERM && errno != E2BIG)
            return sink_dir_err(errno);
        env->resolve_ok = false; /* refused: the walk, for the rest of the run */
    }
    return sink_dir_walk(env->top_fd, rel, n);
}

/* A folder taken as given (the top, or every folder without one); "" is
 * the working directory. */
static int sink_dir_open_as_given(const char *dir)
{
    int fd = open(*dir ? dir : ".", SINK_DIR_FLAGS);
    return fd < 0 ? -errno : fd;
}

/* A folder was opened; what its file system asks for (one fstatfs, only
 * while one of the two may still apply: one below the top may be another
 * file system's mount). Returns whether it is a file system in memory,
 * where small files' opens, writes and links are made at once
 * (RF_NOW_MIN_IN_FLIGHT, tunables.h: why, and what it measured). On a local
 * disk file system the run's file operations are limited to
 * RF_DISK_FILE_WORKERS at once (tunables.h), set once, before the first
 * file op there. */
static bool sink_dir_opened(struct sink_env *env, int fd)
{
    env->dirs_opened++;
    bool workers = env->workers_ok && !env->file_workers;
    if (!workers && !env->now_ok)
        return false;
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0)
        return false;
    switch ((unsigned long)sf.f_type) {
    case TMPFS_MAGIC:
    case RAMFS_MAGIC:
        return env->now_ok;
    case EXT4_SUPER_MAGIC: /* (ext2 and ext3 too: one magic) */
    case XFS_SUPER_MAGIC:
    case BTRFS_SUPER_MAGIC:
        break;
    default:
        return false;
    }
    if (!workers)
        return false;
    /* Refused (an older kernel, another backend): the default stays. */
    if (be_limit_file_workers(env->be, RF_DISK_FILE_WORKERS) == 0)
        env->file_workers = RF_DISK_FILE_WORKERS;
    else
        env->workers_ok = false;
    return false;
}

/* The descriptor of the folder dir (n bytes, NUL-terminated) for a new file: the top's
 * (*ref NULL), or a shared one below it with a reference taken (*ref).
 * Opens it (one system call, or one per name on the walk) only when no
 * sink holds it and it is not the idle one. *mem: it is in memory. */
static int sink_dir_get(struct sink_env *env, const char *dir, size_t n, struct sink_dir **ref,
                        bool *mem)
{
    *ref = NULL;
    *mem = false;
    const char *rel = dir;
    size_t rn = n;
    if (env->top) {
        /* (The top "/" is its own separator: "/sub" is under it.) */
        size_t sep = env->top[env->top_len - 1] == '/' ? 0 : 1;
        if (n < env->top_len || memcmp(dir, env->top, env->top_len) != 0 ||
            (n > env->top_len && sep && dir[env->top_len] != '/'))
            return -EINVAL; /* not under the top: the front end's bug */
        if (env->top_fd < 0) {
            int fd = sink_dir_open_as_given(env->top); /* ("out/" opens as "out") */
            if (fd < 0)
                return fd;
            env->top_fd = fd;
            env->top_mem = sink_dir_opened(env, fd);
        }
        if (n == env->top_len) {
            *mem = env->top_mem;
            return env->top_fd;
        }
        rel = dir + env->top_len + sep;
        rn = n - env->top_len - sep;
    }
    if (env->ndirs >= env->dir_buckets && sink_dirs_grow(env) < 0)
        return -ENOMEM;
    uint64_t h = sink_name_hash(rel, rn);
    struct sink_dir **slot = sink_dir_slot(env, h, rel, rn);
    struct sink_dir *d = *slot;
    if (!d) {
        /* The idle one goes first: the descriptors counted for the window
         * (RF_FDS_PER_WINDOW) are one folder per file, no more. */
        if (env->idle_dir) {
            sink_dir_drop(env, env->idle_dir);
            env->idle_dir = NULL;
            slot = sink_dir_slot(env, h, rel, rn);
        }
        int fd = env->top ? sink_dir_resolve(env, rel, rn) : sink_dir_open_as_given(rel);
        if (fd < 0)
            return fd;
        bool in_mem = sink_dir_opened(env, fd);
        d = malloc(sizeof *d + rn + 1);
        if (!d) {
            close(fd);
            return -ENOMEM;
        }
        *d = (struct sink_dir){ .hash = h, .fd = fd, .mem = in_mem, .len = rn };
        memcpy(d->name, rel, rn);
        d->name[rn] = '\0';
        *slot = d;
        env->ndirs++;
    }
    if (env->idle_dir == d)
        env->idle_dir = NULL;
    d->refs++;
    *ref = d;
    *mem = d->mem;
    return d->fd;
}

/* A sink is done with its folder: the last one released stays open for
 * the next file (the one before it, unused, is closed). */
static void sink_dir_put(struct sink_env *env, struct sink_dir *d)
{
    if (!d || --d->refs > 0)
        return;
    if (env->idle_dir)
        sink_dir_drop(env, env->idle_dir);
    env->idle_dir = d;
}

/* ---- write records ------------------------------------------------------------- */

static struct sink_wop *sink_wop_get(struct sink_env *env)
{
    struct sink_wop *w = env->free_wops;
    if (w) {
        env->free_wops = w->next;
    } else {
        if (env->nwops == env->cap_wops) {
            uint32_t cap = env->cap_wops ? 2 * env->cap_wops : 64;
            struct sink_wop **n = realloc(env->wops, cap * sizeof *n);
            if (!n)
                return NULL;
            env->wops = n;
            env->cap_wops = cap;
        }
        w = calloc(1, sizeof *w);
        if (!w)
            return NULL;
        w->idx = env->nwops;
        env->wops[env->nwops++] = w;
    }
    w->busy = true;
    w->next = NULL;
    w->niov = w->first = 0;
    return w;
}

static void sink_wop_drop(struct sink_env *env, struct sink_wop *w)
{
    lbuf_put(w->buf);
    w->buf = NULL;
    w->busy = false;
    w->sink = NULL;
    w->gen = ud_gen_next(w->gen);
    w->next = env->free_wops;
    env->free_wops = w;
}

static void sink_enqueue(struct sink *s, struct sink_wop *w)
{
    w->next = NULL;
    *s->queued_tail = w;
    s->queued_tail = &w->next;
}

static void sink_drop_queued(struct sink *s)
{
    while (s->queued) {
        struct sink_wop *w = s->queued;
        s->queued = w->next;
        sink_wop_drop(s->env, w);
    }
    s->queued_tail = &s->queued;
}

static int sink_submit(struct sink *s, struct sink_wop *w)
{
    struct sink_env *env = s->env;
    const struct iovec *iov = w->iov + w->first;
    unsigned n = w->niov - w->first;
    uint64_t ud = ud_pack(OP_F_WRITE, w->gen, w->idx);
    int ret;
    if (s->now) {
        ret = be_writev_now(env->be, s->fd, iov, n, w->off, ud);
        env->now_ops += ret == 0;
    } else {
        ret = be_writev(env->be, s->fd, iov, n, w->off, ud);
    }
    if (ret < 0)
        return ret;
    s->ops++;
    return 0;
}

static void sink_submit_queued(struct sink *s)
{
    while (s->queued && !s->err) {
        struct sink_wop *w = s->queued;
        s->queued = w->next;
        if (!s->queued)
            s->queued_tail = &s->queued;
        if (sink_submit(s, w) < 0) {
            s->err = -EBUSY;
            sink_wop_drop(s->env, w);
        }
    }
    sink_drop_queued(s);
}

/* ---- opening ---------------------------------------------------------------------- */

/* A fresh temporary name in the final name's folder. */
static int sink_new_tmp(struct sink *s)
{
    struct sink_env *env = s->env;
    size_t n = 48;
    char *t = s->tmp ? s->tmp : malloc(n);
    if (!t)
        return -ENOMEM;
    snprintf(t, n, ".rf-%u-%u.tmp", env->pid, ++env->seq);
    s->tmp = t;
    s->name_tries++;
    return 0;
}

/* An open of this sink's file, made at once in memory (s->now). */
static int sink_openat(struct sink *s, const char *path, int flags)
{
    struct sink_env *env = s->env;
    if (!s->now)
        return be_openat(env->be, s->dfd, path, flags, SINK_MODE, sink_ud(s, OP_F_OPEN));
    int ret = be_openat_now(env->be, s->dfd, path, flags, SINK_MODE, sink_ud(s, OP_F_OPEN));
    env->now_ops += ret == 0;
    return ret;
}

static int sink_submit_open(struct sink *s)
{
    int ret;
    if (s->way == SINK_WAY_TMPFILE) {
        ret = sink_openat(s, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC);
    } else {
        if ((ret = sink_new_tmp(s)) < 0)
            return ret;
        ret = sink_openat(s, s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC);
    }
    if (ret < 0)
        return ret;
    s->ops++;
    s->state = SINK_OPENING;
    return 0;
}

/* What both kinds of sink start with: the names, and the folder's
 * descriptor; *in_mem: the folder is in memory (sink_dir_opened). Returns
 * 0 or -errno (then sink_free). */
static int sink_init(struct sink *s, struct sink_env *env, const char *path, uint64_t ud, bool *in_mem)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->dfd = -1;
    s->env = env;
    s->ud = ud & ~((uint64_t)0xff << 56);
    s->queued_tail = &s->queued;
    size_t n = strlen(path);
    const char *slash = strrchr(path, '/');
    /* The folder as the path spells it: "" for a bare name (the working
     * directory), "/" for "/NAME". */
    size_t dn = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
    s->path = malloc(n + 1);
    s->dir = malloc(dn + 2);
    if (!s->path || !s->dir)
        return -ENOMEM;
    memcpy(s->path, path, n + 1);
    s->name = slash ? s->path + (slash - path) + 1 : s->path;
    if (*s->name == '\0')
        return -EISDIR;
    memcpy(s->dir, path, dn);
    s->dir[dn] = '\0';
    int fd = sink_dir_get(env, s->dir, dn, &s->dref, in_mem);
    if (fd < 0)
        return fd;
    s->dfd = fd;
    if (dn == 0)
        strcpy(s->dir, "."); /* (for the O_TMPFILE notes) */
    return 0;
}

static int sink_open_as(struct sink *s, struct sink_env *env, const char *path, uint64_t ud, bool small)
{
    bool in_mem = false;
    int ret = sink_init(s, env, path, ud, &in_mem);
    /* Only a small body's calls are made at once there (RF_NOW_MAX_BODY_BYTES). */
    s->now = in_mem && small;
    if (ret == 0) {
        s->way = env->tmpfile_ok && !sink_dir_refuses_tmpfile(env, s->dir) ? SINK_WAY_TMPFILE
                                                                           : SINK_WAY_NAMED;
        ret = sink_submit_open(s);
    }
    if (ret < 0)
        sink_free(s);
    return ret;
}

int sink_open(struct sink *s, struct sink_env *env, const char *path, uint64_t ud)
{
    return sink_open_as(s, env, path, ud, false);
}

int sink_open_small(struct sink *s, struct sink_env *env, const char *path, uint64_t ud)
{
    return sink_open_as(s, env, path, ud, true);
}

/* ---- resume: a part that outlives the run ------------------------------------------ */

int sink_open_part(struct sink *s, struct sink_env *env, const char *path, const char *part_path,
                   bool fresh, uint64_t ud)
{
    /* A resumed part goes through the ring, in memory too (s->now stays
     * false): it is opened, stat'ed and read there, and mixing calls made at
     * once with queued ones for one file cost more than either (tunables.h). */
    bool in_mem;
    int ret = sink_init(s, env, path, ud, &in_mem);
    s->way = SINK_WAY_PART;
    if (ret < 0) {
        sink_free(s);
        return ret;
    }
    /* The part is a name in the same folder. */
    size_t dn = (size_t)(s->name - s->path), pn = strlen(part_path);
    if (pn <= dn || memcmp(part_path, path, dn) != 0 || memchr(part_path + dn, '/', pn - dn)) {
        sink_free(s);
        return -EINVAL;
    }
    s->tmp = malloc(pn - dn + 1);
    s->stx = calloc(1, sizeof *s->stx);
    if (!s->tmp || !s->stx) {
        sink_free(s);
        return -ENOMEM;
    }
    memcpy(s->tmp, part_path + dn, pn - dn + 1);
    /* O_NOFOLLOW: a link at NAME.part is never followed (it fails ELOOP);
     * no O_TRUNC: what it holds is what is resumed. */
    ret = be_openat(env->be, s->dfd, s->tmp, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (fresh ? O_TRUNC : 0),
                    SINK_MODE, sink_ud(s, OP_F_OPEN));
    if (ret < 0) {
        sink_free(s);
        return ret;
    }
    s->ops++;
    s->state = SINK_OPENING;
    s->preparing = true;
    return 0;
}

/* The part is open: its size, then its validator. */
static enum sink_event sink_part_opened(struct sink *s)
{
    struct be *be = s->env->be;
    if (be_fstatx(be, s->fd, s->stx, sink_ud(s, OP_F_STAT)) < 0)
        return SINK_EV_FAILED;
    s->ops++;
    if (be_fgetxattr(be, s->fd, SINK_VALIDATOR_XATTR, s->validator, sizeof s->validator - 1,
                     sink_ud(s, OP_F_XATTR)) < 0)
        return SINK_EV_FAILED;
    s->ops++;
    return SINK_EV_BUSY;
}

int sink_part_begin(struct sink *s, int status, uint64_t range_start, const char *validator, size_t vlen)
{
    struct be *be = s->env->be;
    if (s->err)
        return s->err;
    s->begun = true;
    if (status == 206) {
        if (range_start != s->part_size)
            return RF_E_RESUME;
        s->off = s->part_size;
        return 0;
    }
    if (status != 200)
        return RF_E_RESUME;
    /* Starting over: empty it, and record what the new body is. The
     * writes wait for both (the state stays OPENING until they are back). */
    s->off = 0;
    if (vlen >= sizeof s->validator)
        vlen = 0; /* too long to keep: no resume of this one */
    memcpy(s->validator, validator, vlen);
    s->validator[vlen] = '\0';
    s->state = SINK_OPENING;
    if (s->part_size > 0) {
        /* Without the truncation the new body would end in the old part's
         * tail: a submission that fails fails the file. */
        if (be_ftruncate(be, s->fd, 0, sink_ud(s, OP_F_TRUNCATE)) < 0)
            return s->err = -EBUSY;
        s->ops++;
    }
    if (be_fsetxattr(be, s->fd, SINK_VALIDATOR_XATTR, s->validator, vlen, sink_ud(s, OP_F_SETXATTR)) == 0)
        s->ops++;
    s->part_size = 0;
    if (s->ops == 0)
        s->state = SINK_OPEN;
    return 0;
}

/* ---- spans ------------------------------------------------------------------------ */

int sink_add(struct sink *s, struct lbuf *buf, const char *at, size_t len)
{
    if (s->err)
        return s->err;
    struct sink_wop *w = s->cur;
    if (w && (w->buf != buf || w->niov == SINK_IOV_MAX)) {
        sink_flush(s);
        w = NULL;
    }
    if (!w) {
        w = sink_wop_get(s->env);
        if (!w)
            return s->err = -ENOMEM;
        w->sink = s;
        w->buf = buf;
        w->off = s->off;
        lbuf_hold(buf);
        s->cur = w;
    }
    w->iov[w->niov].iov_base = (void *)at;
    w->iov[w->niov].iov_len = len;
    w->niov++;
    s->off += len;
    return 0;
}

static void sink_splice_kick(struct sink *s)
{
    if (s->state != SINK_OPEN || s->spl_busy || s->spl_left == 0 || s->err)
        return;
    /* spl_left is at most the pipe's capacity: it fits a size_t. */
    if (be_splice(s->env->be, s->pipe->rd, -1, s->fd, (int64_t)s->spl_off, (size_t)s->spl_left,
                  sink_ud(s, OP_F_SPLICE)) < 0) {
        s->err = -EBUSY;
        return;
    }
    s->ops++;
    s->spl_busy = true;
}

int sink_splice(struct sink *s, struct rf_pipe *p, uint32_t len)
{
    if (s->err)
        return s->err;
    if (!s->pipe) {
        s->pipe = p;
        pipes_hold(p);
    }
    if (s->spl_left == 0)
        s->spl_off = s->off;
    s->spl_left += len;
    s->off += len;
    sink_splice_kick(s);
    return s->err;
}

static void sink_reserve_kick(struct sink *s)
{
    if (s->state != SINK_OPEN || s->reserve_len == 0 || s->err)
        return;
    if (be_fallocate(s->env->be, s->fd, FALLOC_FL_KEEP_SIZE, s->reserve_off, s->reserve_len,
                     sink_ud(s, OP_F_ALLOC)) == 0)
        s->ops++;
    s->reserve_len = 0;
}

void sink_reserve(struct sink *s, uint64_t len)
{
    if (!s->env->prealloc_ok)
        return;
    s->reserve_off = s->off;
    s->reserve_len = len;
    sink_reserve_kick(s);
}

void sink_flush(struct sink *s)
{
    struct sink_wop *w = s->cur;
    if (!w)
        return;
    s->cur = NULL;
    if (s->err)
        sink_wop_drop(s->env, w);
    else if (s->state != SINK_OPEN)
        sink_enqueue(s, w); /* until the open completes */
    else if (sink_submit(s, w) < 0) {
        s->err = -EBUSY;
        sink_wop_drop(s->env, w);
    }
}

/* ---- finishing ----------------------------------------------------------------------- */

static bool sink_submitted(struct sink *s, int ret, unsigned ops)
{
    if (ret < 0) {
        if (!s->err)
            s->err = ret;
        return false;
    }
    s->ops += ops;
    return true;
}

/* How linkat names the inode: by its descriptor where the kernel lets us
 * (no /proc path to resolve: 5% less CPU per file on ext4, see the
 * README's performance notes), else through /proc/self/fd/N. */
static void sink_link_from(struct sink *s, int *dirfd, const char **path, int *flags)
{
    s->link_fd_sent = s->env->link_by_fd && !s->link_via_proc;
    if (s->link_fd_sent) {
        *dirfd = s->fd;
        *path = "";
        *flags = AT_EMPTY_PATH;
        return;
    }
    snprintf(s->proc, sizeof s->proc, "/proc/self/fd/%d", s->fd);
    *dirfd = AT_FDCWD;
    *path = s->proc;
    *flags = AT_SYMLINK_FOLLOW;
}

/* Keep: put the complete file in place. Returns true when an op went out. */
static bool sink_step_keep(struct sink *s)
{
    struct be *be = s->env->be;
    if (s->way == SINK_WAY_NAMED || s->way == SINK_WAY_PART) {
        /* Close first, then rename: a failed close (lost write-back) must not
         * leave a final name behind. */
        if (s->opened)
            return sink_submitted(s, be_commit_rename(be, s->fd, s->dfd, s->tmp, s->name,
                                                      sink_ud(s, OP_F_CLOSE), sink_ud(s, OP_F_RENAME)), 2);
        return false;
    }
    if (s->opened && !s->final_linked && !s->tmp_exists) {
        /* Link the inode at its name (or, when that name is taken, at a
         * temporary one); the close waits for the link's result, since a
         * failed link must keep the descriptor, and with it the body (see
         * be_linkat: a link chain would not hold the close back). */
        if (s->link_eexist && (!s->tmp || s->link_to_tmp)) {
            int ret = sink_new_tmp(s);
            if (ret < 0)
                return sink_submitted(s, ret, 0);
        }
        s->link_to_tmp = s->link_eexist;
        int dirfd, flags;
        const char *from;
        sink_link_from(s, &dirfd, &from, &flags);
        const char *to = s->link_to_tmp ? s->tmp : s->name;
        if (!s->now)
            return sink_submitted(s, be_linkat(be, dirfd, from, s->dfd, to, flags, sink_ud(s, OP_F_LINK)), 1);
        int ret = be_linkat_now(be, dirfd, from, s->dfd, to, flags, sink_ud(s, OP_F_LINK));
        s->env->now_ops += ret == 0;
        return sink_submitted(s, ret, 1);
    }
    if (s->opened)
        return sink_submitted(s, be_close(be, s->fd, sink_ud(s, OP_F_CLOSE)), 1);
    if (s->tmp_exists && !s->renamed)
        return sink_submitted(s, be_rename(be, s->dfd, s->tmp, s->name, sink_ud(s, OP_F_RENAME)), 1);
    return false;
}

/* Discard (or clean up after a failure): close, remove what we made. */
static bool sink_step_discard(struct sink *s)
{
    struct be *be = s->env->be;
    if (s->opened) {
        if (be_close(be, s->fd, sink_ud(s, OP_F_CLOSE)) == 0) {
            s->ops++;
            return true;
        }
        close(s->fd); /* nothing is in flight on it */
        s->opened = false;
    }
    if (s->tmp_exists && s->way == SINK_WAY_PART && (s->off > 0 || s->part_size > 0)) {
        /* What arrived stays for the next run (-c) to resume. */
        s->tmp_exists = false;
    }
    if (s->tmp_exists) {
        s->tmp_exists = false;
        if (be_unlink(be, s->dfd, s->tmp, sink_ud(s, OP_F_UNLINK)) == 0) {
            s->ops++;
            return true;
        }
        unlinkat(s->dfd, s->tmp, 0);
    }
    if (s->final_linked && s->err) {
        /* The inode was linked, then its close failed: the name must go. */
        s->final_linked = false;
        if (be_unlink(be, s->dfd, s->name, sink_ud(s, OP_F_UNLINK)) == 0) {
            s->ops++;
            return true;
        }
        unlinkat(s->dfd, s->name, 0);
    }
    return false;
}

/* Nothing in flight: submit the next step of finishing, or be done. */
static void sink_step(struct sink *s)
{
    if (!s->finishing || s->ops > 0 || s->queued)
        return;
    if (s->keep && !s->err && s->spl_left > 0)
        return; /* bytes still in the pipe for us (their splice goes out once open) */
    if (s->state == SINK_IDLE || s->state == SINK_DONE) {
        s->state = SINK_DONE;
        return;
    }
    s->state = SINK_FINISHING;
    if (s->keep && !s->err && sink_step_keep(s))
        return;
    if (s->keep && !s->err) {
        if (!s->opened && (s->final_linked || s->renamed)) {
            s->state = SINK_DONE;
            return;
        }
        s->err = -EIO; /* cannot happen: a kept file always ends linked or renamed */
    }
    if (sink_step_discard(s))
        return;
    s->state = SINK_DONE;
}

void sink_finish(struct sink *s, bool keep)
{
    sink_flush(s);
    s->finishing = true;
    s->keep = keep && !s->err;
    if (!s->keep) {
        sink_drop_queued(s);
        s->spl_left = 0; /* left in the pipe, which then closes */
    }
    sink_step(s);
}

/* ---- completions ------------------------------------------------------------------------ */

static enum sink_event sink_fail(struct sink *s, int err)
{
    if (s->err)
        return SINK_EV_BUSY;
    s->err = err;
    return SINK_EV_FAILED;
}

/* O_TMPFILE refused here: this file system (or kernel) cannot do it. */
static bool sink_tmpfile_refused(int res)
{
    return res == -EOPNOTSUPP || res == -EISDIR || res == -EINVAL;
}

static enum sink_event sink_on_open(struct sink *s, int res)
{
    if (res >= 0 && s->way == SINK_WAY_PART) {
        s->fd = res;
        s->opened = true;
        s->tmp_exists = true; /* ours now: kept if it holds anything, else removed */
        return sink_part_opened(s) == SINK_EV_BUSY ? SINK_EV_BUSY : sink_fail(s, -EBUSY);
    }
    if (res < 0 && s->way == SINK_WAY_PART) {
        s->state = SINK_IDLE;
        s->preparing = false;
        return sink_fail(s, res == -ELOOP ? RF_E_PART : res);
    }
    if (res >= 0) {
        s->fd = res;
        s->opened = true;
        s->tmp_exists = s->way == SINK_WAY_NAMED;
        s->state = SINK_OPEN;
        sink_reserve_kick(s);
        sink_submit_queued(s);
        sink_splice_kick(s);
        return SINK_EV_BUSY;
    }
    s->state = SINK_IDLE;
    if (!s->finishing || s->keep) {
        int ret = 1;
        if (s->way == SINK_WAY_TMPFILE && sink_tmpfile_refused(res)) {
            sink_dir_note_no_tmpfile(s->env, s->dir);
            s->way = SINK_WAY_NAMED;
            ret = sink_submit_open(s);
        } else if (s->way == SINK_WAY_NAMED && res == -EEXIST && s->name_tries < SINK_NAME_TRIES) {
            ret = sink_submit_open(s);
        }
        if (ret == 0)
            return SINK_EV_BUSY;
    }
    sink_drop_queued(s);
    return sink_fail(s, res);
}

static enum sink_event sink_on_write(struct sink *s, int res, struct sink_wop *w)
{
    if (res <= 0) {
        /* 0 bytes for a non-empty write would otherwise loop for ever. */
        sink_wop_drop(s->env, w);
        return sink_fail(s, res < 0 ? res : -EIO);
    }
    /* A short write is a success: the rest goes again at its offset. */
    w->off += (uint64_t)res;
    size_t left = (size_t)res;
    while (w->first < w->niov && left >= w->iov[w->first].iov_len)
        left -= w->iov[w->first++].iov_len;
    if (w->first == w->niov || s->err) {
        sink_wop_drop(s->env, w);
        return SINK_EV_BUSY;
    }
    w->iov[w->first].iov_base = (char *)w->iov[w->first].iov_base + left;
    w->iov[w->first].iov_len -= left;
    if (sink_submit(s, w) < 0) {
        sink_wop_drop(s->env, w);
        return sink_fail(s, -EBUSY);
    }
    return SINK_EV_BUSY;
}

/* After a completion: with nothing in flight, take the next finishing
 * step; say DONE once everything is over. */
static enum sink_event sink_after(struct sink *s, enum sink_event ev)
{
    if (s->ops == 0 && s->finishing && s->state != SINK_DONE)
        sink_step(s);
    if (s->state != SINK_DONE)
        return ev;
    if (!s->err && s->keep) {
        if (s->way == SINK_WAY_TMPFILE)
            s->env->created_tmpfile++;
        else
            s->env->created_named++;
    }
    return SINK_EV_DONE;
}

static enum sink_event sink_complete_one(struct sink *s, unsigned kind, int res)
{
    enum sink_event ev = SINK_EV_BUSY;
    switch ((enum op_kind)kind) {
    case OP_F_OPEN:
        ev = sink_on_open(s, res);
        break;
    case OP_F_LINK:
        if (res == 0) {
            if (s->link_to_tmp)
                s->tmp_exists = true;
            else
                s->final_linked = true;
            if (s->link_via_proc)
                s->env->link_by_fd = false; /* refused by descriptor, fine through /proc */
        } else if (res == -ENOENT && s->link_fd_sent) {
            /* Linking by descriptor refused (a kernel before 6.10 without
             * CAP_DAC_READ_SEARCH), or the directory is gone: try through
             * /proc, which tells the two apart. */
            s->link_via_proc = true;
        } else if (res == -EEXIST) {
            /* NAME is taken (by an old file or a link): link at a temporary
             * name and rename over it; a taken temporary name draws another. */
            if (s->link_to_tmp && s->name_tries >= SINK_NAME_TRIES)
                ev = sink_fail(s, res);
            s->link_eexist = true;
        } else if (res != -ECANCELED) {
            ev = sink_fail(s, res);
        }
        break;
    case OP_F_CLOSE:
        s->opened = false; /* the descriptor is gone even when close reports an error */
        if (res < 0)
            ev = sink_fail(s, res);
        break;
    case OP_F_RENAME:
        if (res == 0) {
            s->renamed = true;
            s->tmp_exists = false;
            s->env->replaced += s->way == SINK_WAY_TMPFILE;
        } else if (res != -ECANCELED) {
            ev = sink_fail(s, res);
        }
        break;
    case OP_F_UNLINK:
        break; /* best effort: nothing more can be done about a name that stays */
    case OP_F_STAT:
        if (res < 0)
            ev = sink_fail(s, res);
        else if (!S_ISREG(s->stx->stx_mode))
            ev = sink_fail(s, RF_E_PART);
        else
            s->part_size = s->stx->stx_size;
        break;
    case OP_F_XATTR:
        /* No attribute (ENODATA), or a file system without them (ENOTSUP):
         * no validator, so nothing is resumed, only started over. */
        s->validator[res > 0 && (size_t)res < sizeof s->validator ? res : 0] = '\0';
        break;
    case OP_F_TRUNCATE:
        if (res < 0)
            ev = sink_fail(s, res);
        break;
    case OP_F_SETXATTR:
        break; /* without it the next run starts over, which is safe */
    case OP_F_SPLICE:
        s->spl_busy = false;
        if (res <= 0) {
            /* 0 would mean an empty pipe: our count of its bytes is wrong. */
            s->spl_left = 0;
            ev = sink_fail(s, res < 0 ? res : -EIO);
            break;
        }
        /* Fewer than asked is a success (the disk took part): the rest goes
         * again from where this one ended, as a short write does. */
        s->pipe->fill -= (uint32_t)res;
        s->env->spliced_bytes += (uint64_t)res;
        s->spl_off += (uint64_t)res;
        s->spl_left = (uint64_t)res < s->spl_left && !(s->finishing && !s->keep) ? s->spl_left - (uint64_t)res : 0;
        sink_splice_kick(s);
        break;
    case OP_F_ALLOC:
        /* Best effort: EOPNOTSUPP (no fallocate here) or ENOSPC (it will
         * show in the writes, with the file's real name on it). */
        s->env->reserved += res == 0;
        break;
    default:
        break;
    }
    return ev;
}

enum sink_event sink_complete(struct sink *s, unsigned kind, int res)
{
    s->ops--;
    enum sink_event ev = sink_complete_one(s, kind, res);
    if (s->way == SINK_WAY_PART && s->ops == 0) {
        /* A part's preparation (open, statx, getxattr), or its start over
         * (truncate, setxattr), has nothing left in flight: the request may
         * go, or the writes waiting behind it (the body may even be over
         * already). */
        if (s->preparing) {
            s->preparing = false;
            if (!s->err && !s->finishing) {
                s->state = SINK_OPEN;
                return SINK_EV_READY;
            }
        } else if (s->state == SINK_OPENING && s->opened && !s->err) {
            s->state = SINK_OPEN;
            sink_reserve_kick(s);
            sink_submit_queued(s);
            sink_splice_kick(s);
        }
    }
    return sink_after(s, ev);
}

enum sink_event sink_complete_write(struct sink_env *env, const struct be_cqe *cqe, struct sink **which)
{
    uint32_t idx = ud_idx(cqe->ud);
    struct sink_wop *w = idx < env->nwops ? env->wops[idx] : NULL;
    *which = NULL;
    if (!w || !w->busy || w->gen != ud_gen(cqe->ud))
        return SINK_EV_BUSY; /* stale: never happens unless we have a bug */
    struct sink *s = w->sink;
    *which = s;
    s->ops--;
    return sink_after(s, sink_on_write(s, cqe->res, w));
}

void sink_abandon(struct sink *s)
{
    if (s->cur) {
        sink_wop_drop(s->env, s->cur);
        s->cur = NULL;
    }
    sink_drop_queued(s);
    /* Write records in flight belong to a backend that is gone: release
     * their buffers too, since nothing will complete them. */
    for (uint32_t i = 0; i < s->env->nwops; i++) {
        struct sink_wop *w = s->env->wops[i];
        if (w->busy && w->sink == s)
            sink_wop_drop(s->env, w);
    }
    if (s->opened)
        close(s->fd);
    if (s->tmp_exists && !(s->way == SINK_WAY_PART && (s->off > 0 || s->part_size > 0)))
        unlinkat(s->dfd, s->tmp, 0);
    if (s->final_linked && !s->renamed && s->opened)
        unlinkat(s->dfd, s->name, 0);
    s->opened = s->tmp_exists = false;
    s->spl_busy = false;
    s->spl_left = 0;
    s->ops = 0;
    s->state = SINK_DONE;
    if (!s->err)
        s->err = -ECANCELED;
    /* The folder's reference stays: the backend is not torn down yet
     * (engine_fail_all abandons first), so an open, link or rename of this
     * sink may still be in io-wq on its descriptor. sink_free, after the
     * backend is gone, lets it go. */
}

void sink_free(struct sink *s)
{
    /* (Only when IDLE or DONE: nothing in flight uses the folder. A sink
     * freed with operations out would be a bug; its folder then stays
     * open rather than be closed under them.) */
    if (s->dref && s->ops == 0)
        sink_dir_put(s->env, s->dref);
    s->dref = NULL;
    if (s->pipe) {
        pipes_put(s->env->pipes, s->pipe);
        s->pipe = NULL;
    }
    free(s->path);
    free(s->dir);
    free(s->tmp);
    free(s->stx);
    s->path = s->dir = s->tmp = NULL;
    s->stx = NULL;
}
