/* The file sink's state machine (src/engine/sink.c) on the fake backend:
 * both ways of creating a file, every step failing, completions in any
 * order. What is checked is what reaches the file system: which names are
 * linked, renamed or unlinked (in which folder's descriptor), and that a
 * failure never leaves a final name.
 *
 * The sink opens its files' folders itself (synchronously, once per
 * folder), so each test runs in a fresh temporary folder of its own, with
 * the folders its paths name (out, d, gone) made there. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/opkind.h"
#include "engine/pipes.h"
#include "engine/sink.h"
#include "engine/tunables.h"
#include "fake_be.h"
#include "io/ud.h"

struct fixture {
    struct fake_be *f;
    struct sink_env env;
    struct sink s;
    int cwd;                /* where the test program was started */
    char dir[64];           /* the test's own folder (the working directory meanwhile) */
};

static int setup_way(void **state, bool tmpfile)
{
    struct fixture *x = calloc(1, sizeof *x);
    x->cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(x->cwd >= 0);
    strcpy(x->dir, "/tmp/rf-test-sink-XXXXXX");
    assert_non_null(mkdtemp(x->dir));
    assert_int_equal(chdir(x->dir), 0);
    assert_int_equal(mkdir("out", 0755), 0);
    assert_int_equal(mkdir("d", 0755), 0);
    assert_int_equal(mkdir("gone", 0755), 0);
    x->f = fake_be_new(8, 64);
    assert_int_equal(sink_env_init(&x->env, &x->f->b, NULL), 0);
    x->env.tmpfile_ok = tmpfile;
    *state = x;
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup_tmpfile(void **state) { return setup_way(state, true); }
static int setup_named(void **state) { return setup_way(state, false); }

static int teardown(void **state)
{
    struct fixture *x = *state;
    sink_free(&x->s);
    sink_env_free(&x->env);
    assert_int_equal(x->f->bufs_held, 0);
    be_destroy(&x->f->b);
    assert_int_equal(fchdir(x->cwd), 0);
    close(x->cwd);
    assert_int_equal(nftw(x->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
    free(x);
    return 0;
}

/* Complete r, as the engine's dispatch would; returns the sink's event. */
static enum sink_event complete(struct fixture *x, struct fake_rec *r, int res)
{
    assert_non_null(r);
    struct be_cqe c = fake_cqe(r, res);
    if (ud_kind(r->ud) == OP_F_WRITE) {
        struct sink *s;
        enum sink_event ev = sink_complete_write(&x->env, &c, &s);
        assert_ptr_equal(s, &x->s);
        return ev;
    }
    return sink_complete(&x->s, ud_kind(r->ud), res);
}

/* One span of body in a lent buffer, flushed as the end of a recv would. */
static void add(struct fixture *x, const char *data)
{
    struct fake_rec dummy = { .ud = 0 };
    struct be_cqe c = fake_cqe_recv(x->f, &dummy, data, strlen(data));
    assert_int_equal(sink_add(&x->s, c.buf, c.buf->data, strlen(data)), 0);
    lbuf_put(c.buf); /* the recv's own reference; the sink holds one now */
    sink_flush(&x->s);
}

static void tmpfile_body_is_linked_then_closed(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(sink_open(&x->s, &x->env, "out/a.bin", ud_pack(0, 1, 2)), 0);
    struct fake_rec *o = fake_take(x->f, FAKE_OPENAT);
    /* The folder by its descriptor: no path from the working directory. */
    assert_string_equal(o->path, ".");
    assert_true(o->fd2 >= 0);
    assert_int_equal(o->fd2, x->s.dfd);
    assert_true((o->flags & O_TMPFILE) == O_TMPFILE);
    add(x, "hello"); /* queued until the open is back */
    assert_int_equal(fake_pending(x->f, FAKE_WRITEV), 0);
    assert_int_equal(complete(x, o, 5), SINK_EV_BUSY);
    struct fake_rec *w = fake_take(x->f, FAKE_WRITEV);
    assert_int_equal(w->len, 5);
    sink_finish(&x->s, true);
    assert_int_equal(fake_pending(x->f, FAKE_LINKAT), 0); /* not before the write is back */
    assert_int_equal(complete(x, w, 5), SINK_EV_BUSY);
    struct fake_rec *l = fake_take(x->f, FAKE_LINKAT);
    /* By descriptor: no path to the inode for the kernel to resolve. */
    assert_int_equal(l->fd, 5);
    assert_string_equal(l->path, "");
    assert_int_equal(l->flags, AT_EMPTY_PATH);
    assert_string_equal(l->path2, "a.bin");
    assert_int_equal(l->fd2, o->fd2);
    assert_int_equal(complete(x, l, 0), SINK_EV_BUSY);
    struct fake_rec *c = fake_take(x->f, FAKE_CLOSE);
    assert_int_equal(c->fd, 5);
    assert_int_equal(complete(x, c, 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, 0);
    assert_int_equal(fake_pending(x->f, FAKE_UNLINK), 0);
    assert_int_equal(x->env.created_tmpfile, 1);
}

/* linkat never replaces: an existing name (a file, or a link someone put
 * there) is replaced by linking at a temporary name and renaming over it. */
static void tmpfile_replaces_an_existing_name_by_rename(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(sink_open(&x->s, &x->env, "a.bin", ud_pack(0, 1, 2)), 0);
    struct fake_rec *o = fake_take(x->f, FAKE_OPENAT);
    assert_string_equal(o->path, ".");
    complete(x, o, 6);
    sink_finish(&x->s, true);
    struct fake_rec *l = fake_take(x->f, FAKE_LINKAT);
    /* The descriptor stays open until the link's result is in. */
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0);
    assert_int_equal(complete(x, l, -EEXIST), SINK_EV_BUSY);
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0);
    struct fake_rec *l2 = fake_take(x->f, FAKE_LINKAT);
    assert_non_null(l2);
    assert_int_equal(l2->fd, 6);
    assert_int_equal(l2->flags, AT_EMPTY_PATH);
    assert_int_equal(strncmp(l2->path2, ".rf-", 4), 0);
    assert_int_equal(l2->fd2, x->s.dfd);
    char tmp[FAKE_PATH_MAX];
    strcpy(tmp, l2->path2);
    complete(x, l2, 0);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    struct fake_rec *rn = fake_take(x->f, FAKE_RENAME);
    assert_string_equal(rn->path, tmp);
    assert_string_equal(rn->path2, "a.bin");
    assert_int_equal(rn->fd2, x->s.dfd);
    assert_int_equal(complete(x, rn, 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, 0);
}

/* A kernel that refuses to link by descriptor (before 6.10, without
 * CAP_DAC_READ_SEARCH) says ENOENT: the same link goes through /proc, and
 * once that worked, every later file of the run links through /proc. */
static void link_by_descriptor_refused_goes_through_proc(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    sink_finish(&x->s, true);
    struct fake_rec *l = fake_take(x->f, FAKE_LINKAT);
    assert_int_equal(l->flags, AT_EMPTY_PATH);
    assert_int_equal(complete(x, l, -ENOENT), SINK_EV_BUSY);
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0); /* the body is still wanted */
    struct fake_rec *p = fake_take(x->f, FAKE_LINKAT);
    assert_non_null(p);
    assert_string_equal(p->path, "/proc/self/fd/5");
    assert_int_equal(p->flags, AT_SYMLINK_FOLLOW);
    assert_string_equal(p->path2, "a");
    assert_int_equal(complete(x, p, 0), SINK_EV_BUSY);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, 0);
    assert_false(x->env.link_by_fd);
    /* The next file goes through /proc at once. */
    struct sink s2;
    sink_open(&s2, &x->env, "d/b", ud_pack(0, 1, 3));
    sink_complete(&s2, OP_F_OPEN, 7);
    sink_finish(&s2, true);
    struct fake_rec *p2 = fake_take(x->f, FAKE_LINKAT);
    assert_string_equal(p2->path, "/proc/self/fd/7");
    sink_complete(&s2, OP_F_LINK, 0);
    assert_int_equal(sink_complete(&s2, OP_F_CLOSE, 0), SINK_EV_DONE);
    sink_free(&s2);
}

/* ENOENT through /proc too: the directory is gone. The file fails, and
 * linking by descriptor stays in use for the others. */
static void link_enoent_both_ways_fails_the_file(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "gone/a", ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    sink_finish(&x->s, true);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_LINKAT), -ENOENT), SINK_EV_BUSY);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_LINKAT), -ENOENT), SINK_EV_FAILED);
    assert_int_equal(fake_pending(x->f, FAKE_LINKAT), 0);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, -ENOENT);
    assert_true(x->env.link_by_fd);
}

/* RINGFETCH_SINK_DISABLE=link_by_fd: through /proc from the start. */
static void link_by_fd_can_be_switched_off(void **state)
{
    struct fixture *x = *state;
    sink_env_free(&x->env);
    setenv("RINGFETCH_SINK_DISABLE", "link_by_fd", 1);
    assert_int_equal(sink_env_init(&x->env, &x->f->b, NULL), 0);
    unsetenv("RINGFETCH_SINK_DISABLE");
    assert_true(x->env.tmpfile_ok);
    sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    sink_finish(&x->s, true);
    struct fake_rec *p = fake_take(x->f, FAKE_LINKAT);
    assert_string_equal(p->path, "/proc/self/fd/5");
    complete(x, p, 0);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), 0), SINK_EV_DONE);
}

static void tmpfile_failed_write_leaves_nothing(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    add(x, "abc");
    assert_int_equal(complete(x, fake_take(x->f, FAKE_WRITEV), -ENOSPC), SINK_EV_FAILED);
    sink_finish(&x->s, true); /* the owner still asks to keep: refused by the error */
    assert_int_equal(fake_pending(x->f, FAKE_LINKAT), 0);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, -ENOSPC);
    assert_int_equal(fake_pending(x->f, FAKE_UNLINK), 0); /* an unnamed inode: nothing to remove */
}

/* Issue 8 item 7: the file cannot be opened (EACCES; ENOSPC for a named
 * temporary). The sink fails once with that error, the body bytes it was
 * given go back, and there is nothing to close, link or remove. */
static void open_refused_fails_with_its_error_and_leaves_nothing(struct fixture *x, int err)
{
    sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2));
    add(x, "abc"); /* body arriving before the open completes */
    assert_int_equal(complete(x, fake_take(x->f, FAKE_OPENAT), err), SINK_EV_FAILED);
    assert_int_equal(x->s.err, err);
    assert_int_equal(fake_pending(x->f, FAKE_OPENAT), 0); /* not a fallback: an error */
    assert_int_equal(x->f->bufs_held, 0);
    sink_finish(&x->s, true); /* the owner still asks to keep: refused by the error */
    assert_int_equal(fake_pending(x->f, FAKE_WRITEV), 0);
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0);
    assert_int_equal(fake_pending(x->f, FAKE_LINKAT), 0);
    assert_int_equal(fake_pending(x->f, FAKE_RENAME), 0);
    assert_int_equal(fake_pending(x->f, FAKE_UNLINK), 0);
    assert_int_equal(x->s.err, err);
}

static void tmpfile_open_refused_fails_naming_the_cause(void **state)
{
    open_refused_fails_with_its_error_and_leaves_nothing(*state, -EACCES);
}

static void named_open_out_of_space_fails_naming_the_cause(void **state)
{
    open_refused_fails_with_its_error_and_leaves_nothing(*state, -ENOSPC);
}

/* The inode was linked but its close failed (lost write-back): the final
 * name must go again. */
static void tmpfile_failed_close_after_link_removes_the_name(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    sink_finish(&x->s, true);
    complete(x, fake_take(x->f, FAKE_LINKAT), 0);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), -EIO), SINK_EV_FAILED);
    struct fake_rec *u = fake_take(x->f, FAKE_UNLINK);
    assert_non_null(u);
    assert_string_equal(u->path, "a");
    assert_int_equal(u->fd2, x->s.dfd);
    assert_int_equal(complete(x, u, 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, -EIO);
}

/* A file system without O_TMPFILE: fall back to a named temporary, and
 * remember the directory. */
static void tmpfile_refused_falls_back_to_named(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2));
    assert_int_equal(complete(x, fake_take(x->f, FAKE_OPENAT), -EOPNOTSUPP), SINK_EV_BUSY);
    struct fake_rec *o = fake_take(x->f, FAKE_OPENAT);
    assert_non_null(o);
    assert_int_equal(strncmp(o->path, ".rf-", 4), 0);
    assert_int_equal(o->fd2, x->s.dfd);
    assert_true(o->flags & O_EXCL);
    assert_true(o->flags & O_NOFOLLOW);
    complete(x, o, 8);
    sink_finish(&x->s, true);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_RENAME), 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, 0);
    assert_int_equal(x->env.created_named, 1);
    /* The next file in that directory goes named at once. */
    struct sink s2;
    sink_open(&s2, &x->env, "d/b", ud_pack(0, 1, 3));
    struct fake_rec *o2 = fake_take(x->f, FAKE_OPENAT);
    assert_int_equal(strncmp(o2->path, ".rf-", 4), 0);
    sink_finish(&s2, false);
    assert_int_equal(sink_complete(&s2, OP_F_OPEN, -ENOENT), SINK_EV_DONE);
    assert_int_equal(s2.err, -ENOENT);
    sink_free(&s2);
}

static void named_file_is_closed_then_renamed(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "out/a", ud_pack(0, 1, 2));
    struct fake_rec *o = fake_take(x->f, FAKE_OPENAT);
    char tmp[FAKE_PATH_MAX];
    strcpy(tmp, o->path);
    complete(x, o, 5);
    add(x, "xyz");
    complete(x, fake_take(x->f, FAKE_WRITEV), 3);
    sink_finish(&x->s, true);
    struct fake_rec *c = fake_take(x->f, FAKE_CLOSE);
    struct fake_rec *r = fake_take(x->f, FAKE_RENAME);
    assert_string_equal(r->path, tmp);
    assert_string_equal(r->path2, "a");
    assert_int_equal(r->fd2, x->s.dfd);
    /* Completions of a linked pair may be reaped in either order. */
    assert_int_equal(complete(x, r, 0), SINK_EV_BUSY);
    assert_int_equal(complete(x, c, 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, 0);
}

/* Someone else's file at our temporary name: never opened, another is drawn. */
static void named_temporary_taken_draws_another(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "a", ud_pack(0, 1, 2));
    struct fake_rec *o = fake_take(x->f, FAKE_OPENAT);
    char first[FAKE_PATH_MAX];
    strcpy(first, o->path);
    complete(x, o, -EEXIST);
    struct fake_rec *o2 = fake_take(x->f, FAKE_OPENAT);
    assert_non_null(o2);
    assert_string_not_equal(o2->path, first);
    complete(x, o2, 5);
    sink_finish(&x->s, false);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    struct fake_rec *u = fake_take(x->f, FAKE_UNLINK);
    assert_string_equal(u->path, o2->path); /* ours, not the one that was taken */
    assert_int_equal(complete(x, u, 0), SINK_EV_DONE);
}

/* A failed close of a named file: the rename is cancelled, the temporary removed. */
static void named_failed_close_removes_the_temporary(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "a", ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    sink_finish(&x->s, true);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), -EIO), SINK_EV_FAILED);
    complete(x, fake_take(x->f, FAKE_RENAME), -ECANCELED);
    struct fake_rec *u = fake_take(x->f, FAKE_UNLINK);
    assert_non_null(u);
    assert_int_equal(complete(x, u, 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, -EIO);
}

/* A short write is a success: the rest goes again at its offset. */
static void short_write_writes_the_rest(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "a", ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    add(x, "0123456789");
    complete(x, fake_take(x->f, FAKE_WRITEV), 4);
    struct fake_rec *w2 = fake_take(x->f, FAKE_WRITEV);
    assert_non_null(w2);
    assert_int_equal(w2->len, 6);
    complete(x, w2, 6);
    sink_finish(&x->s, false);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), 0), SINK_EV_DONE);
}

/* Discard while the open is still in flight: what opens is closed (and
 * for a named file removed), nothing is written. */
static void discard_before_the_open_is_back(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "a", ud_pack(0, 1, 2));
    add(x, "abc");
    sink_finish(&x->s, false);
    assert_int_equal(x->f->bufs_held, 0); /* the queued write let go of its buffer */
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    assert_int_equal(fake_pending(x->f, FAKE_WRITEV), 0);
    enum sink_event ev = complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    if (x->s.way == SINK_WAY_NAMED)
        ev = complete(x, fake_take(x->f, FAKE_UNLINK), 0);
    assert_int_equal(ev, SINK_EV_DONE);
}

/* The backend died: everything is released synchronously. */
static void abandon_releases_buffers(void **state)
{
    struct fixture *x = *state;
    sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2));
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    complete(x, fake_take(x->f, FAKE_OPENAT), fd);
    add(x, "abc"); /* its write stays in flight */
    assert_int_equal(x->f->bufs_held, 1);
    sink_abandon(&x->s);
    assert_int_equal(fcntl(fd, F_GETFD), -1); /* closed */
    assert_int_equal(x->s.state, SINK_DONE);
    assert_int_equal(x->f->bufs_held, 0);
}

/* Resume: the part is opened (never through a link), sized and its
 * validator read before the request; a 206 at its end appends, a failure
 * keeps what it holds, a 200 starts it over. */
static void part_is_prepared_appended_to_and_kept(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(sink_open_part(&x->s, &x->env, "d/f", "d/f.part", false, ud_pack(0, 1, 2)), 0);
    struct fake_rec *o = fake_take(x->f, FAKE_OPENAT);
    assert_string_equal(o->path, "f.part");
    assert_int_equal(o->fd2, x->s.dfd);
    assert_true(o->flags & O_NOFOLLOW);
    assert_false(o->flags & O_TRUNC);
    complete(x, o, 7);
    struct fake_rec *st = fake_take(x->f, FAKE_FSTATX);
    struct fake_rec *xa = fake_take(x->f, FAKE_FGETXATTR);
    ((struct statx *)st->buf)->stx_mode = S_IFREG | 0644;
    ((struct statx *)st->buf)->stx_size = 1000;
    assert_int_equal(complete(x, st, 0), SINK_EV_BUSY);
    memcpy((void *)xa->buf, "\"v1\"", 4);
    assert_int_equal(complete(x, xa, 4), SINK_EV_READY);
    assert_int_equal(x->s.part_size, 1000);
    assert_string_equal(x->s.validator, "\"v1\"");
    /* 206 from the wrong place: refused */
    assert_int_equal(sink_part_begin(&x->s, 206, 0, "", 0), RF_E_RESUME);
    x->s.begun = false;
    assert_int_equal(sink_part_begin(&x->s, 206, 1000, "", 0), 0);
    add(x, "more");
    struct fake_rec *w = fake_take(x->f, FAKE_WRITEV);
    assert_non_null(w);
    complete(x, w, -EIO); /* the write fails: the part keeps its 1000 bytes */
    sink_finish(&x->s, false);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), 0), SINK_EV_DONE);
    assert_int_equal(fake_pending(x->f, FAKE_UNLINK), 0);
}

static void part_started_over_on_a_200(void **state)
{
    struct fixture *x = *state;
    sink_open_part(&x->s, &x->env, "f", "f.part", false, ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 7);
    struct fake_rec *st = fake_take(x->f, FAKE_FSTATX);
    ((struct statx *)st->buf)->stx_mode = S_IFREG | 0644;
    ((struct statx *)st->buf)->stx_size = 50;
    complete(x, st, 0);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_FGETXATTR), -ENODATA), SINK_EV_READY);
    assert_int_equal(sink_part_begin(&x->s, 200, UINT64_MAX, "\"v2\"", 4), 0);
    add(x, "body"); /* waits for the truncate */
    assert_int_equal(fake_pending(x->f, FAKE_WRITEV), 0);
    struct fake_rec *t = fake_take(x->f, FAKE_FTRUNCATE);
    assert_int_equal(t->len, 0);
    struct fake_rec *sx = fake_take(x->f, FAKE_FSETXATTR);
    assert_string_equal(sx->path2, "\"v2\"");
    complete(x, t, 0);
    complete(x, sx, 0);
    struct fake_rec *w = fake_take(x->f, FAKE_WRITEV);
    assert_non_null(w);
    complete(x, w, 4);
    sink_finish(&x->s, true);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    struct fake_rec *rn = fake_take(x->f, FAKE_RENAME);
    assert_string_equal(rn->path, "f.part");
    assert_string_equal(rn->path2, "f");
    assert_int_equal(complete(x, rn, 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, 0);
}

/* ---- the direct path: bytes spliced from a pipe ------------------------------------------ */

/* A real pipe from a pool of one (the sink holds and puts references on
 * it; no byte goes through it: the fake backend's splices move nothing). */
struct spl {
    struct pipes pool;
    struct rf_pipe *p;
};

static void spl_start(struct fixture *x, struct spl *sp, uint32_t fill)
{
    pipes_init(&sp->pool, 1, 65536);
    sp->p = pipes_get(&sp->pool);
    assert_non_null(sp->p);
    sp->p->fill = fill; /* as the connection's splices into it would have left it */
    x->env.pipes = &sp->pool;
}

/* The test's own reference goes; the sink's went with sink_free. */
static void spl_end(struct fixture *x, struct spl *sp)
{
    sink_free(&x->s);
    assert_int_equal(sp->p->refs, 1);
    pipes_put(&sp->pool, sp->p);
    pipes_free(&sp->pool);
}

static struct fake_rec *take_splice(struct fixture *x, struct spl *sp, uint64_t off, size_t len)
{
    struct fake_rec *r = fake_take(x->f, FAKE_SPLICE);
    assert_non_null(r);
    assert_int_equal(r->fd, sp->p->rd);
    assert_int_equal(r->fd2, x->s.fd);
    assert_int_equal(r->off, off);
    assert_int_equal(r->len, len);
    return r;
}

/* Spans and pipe bytes take the body's offsets in the order they came:
 * buffered "abc" at 0, 5 spliced bytes at 3, "xy" at 8; nothing moves
 * before the open is back, and the file is linked once all of it landed. */
static void spliced_bytes_go_at_their_offset_between_writes(void **state)
{
    struct fixture *x = *state;
    struct spl sp;
    spl_start(x, &sp, 5);
    assert_int_equal(sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2)), 0);
    add(x, "abc");
    assert_int_equal(sink_splice(&x->s, sp.p, 5), 0);
    assert_int_equal(sp.p->refs, 2);
    assert_int_equal(fake_pending(x->f, FAKE_SPLICE), 0); /* not before the open */
    assert_int_equal(complete(x, fake_take(x->f, FAKE_OPENAT), 5), SINK_EV_BUSY);
    struct fake_rec *w1 = fake_take(x->f, FAKE_WRITEV);
    assert_int_equal(w1->off, 0);
    assert_int_equal(w1->len, 3);
    struct fake_rec *s1 = take_splice(x, &sp, 3, 5);
    add(x, "xy");
    struct fake_rec *w2 = fake_take(x->f, FAKE_WRITEV);
    assert_int_equal(w2->off, 8);
    assert_int_equal(w2->len, 2);
    sink_finish(&x->s, true);
    assert_int_equal(complete(x, s1, 5), SINK_EV_BUSY);
    assert_int_equal(sp.p->fill, 0);
    assert_int_equal(x->env.spliced_bytes, 5);
    assert_int_equal(complete(x, w2, 2), SINK_EV_BUSY);
    assert_int_equal(fake_pending(x->f, FAKE_LINKAT), 0); /* "abc" is still in flight */
    assert_int_equal(complete(x, w1, 3), SINK_EV_BUSY);
    complete(x, fake_take(x->f, FAKE_LINKAT), 0);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, 0);
    assert_int_equal(fake_pending(x->f, FAKE_SPLICE), 0);
    spl_end(x, &sp);
}

/* One splice out of the pipe at a time (two would race for its bytes);
 * what arrives meanwhile goes with the next. A short splice is a success:
 * the rest goes again from where it ended. */
static void one_splice_at_a_time_and_a_short_one_sends_the_rest(void **state)
{
    struct fixture *x = *state;
    struct spl sp;
    spl_start(x, &sp, 150);
    sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    assert_int_equal(sink_splice(&x->s, sp.p, 100), 0);
    struct fake_rec *s1 = take_splice(x, &sp, 0, 100);
    assert_int_equal(sink_splice(&x->s, sp.p, 50), 0);
    assert_int_equal(fake_pending(x->f, FAKE_SPLICE), 0);
    assert_int_equal(sp.p->refs, 2); /* one reference, however many spans */
    assert_int_equal(complete(x, s1, 60), SINK_EV_BUSY);
    assert_int_equal(sp.p->fill, 90);
    struct fake_rec *s2 = take_splice(x, &sp, 60, 90);
    sink_finish(&x->s, true);
    assert_int_equal(fake_pending(x->f, FAKE_LINKAT), 0); /* 90 bytes still to land */
    assert_int_equal(complete(x, s2, 90), SINK_EV_BUSY);
    assert_int_equal(fake_pending(x->f, FAKE_SPLICE), 0);
    assert_int_equal(sp.p->fill, 0);
    assert_int_equal(x->env.spliced_bytes, 150);
    complete(x, fake_take(x->f, FAKE_LINKAT), 0);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), 0), SINK_EV_DONE);
    assert_int_equal(x->s.err, 0);
    spl_end(x, &sp);
}

/* A failed splice fails the file once with its error: nothing more is
 * spliced or written, nothing is linked. 0 bytes (the pipe empty when our
 * count says it is not) is an error too, not a loop. */
static void a_failed_splice_fails_the_file(struct fixture *x, int res, int err)
{
    struct spl sp;
    spl_start(x, &sp, 100);
    sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    sink_splice(&x->s, sp.p, 40);
    struct fake_rec *s1 = take_splice(x, &sp, 0, 40);
    assert_int_equal(sink_splice(&x->s, sp.p, 60), 0);
    assert_int_equal(complete(x, s1, res), SINK_EV_FAILED);
    assert_int_equal(x->s.err, err);
    assert_int_equal(fake_pending(x->f, FAKE_SPLICE), 0);
    assert_int_equal(sink_splice(&x->s, sp.p, 10), err);
    struct fake_rec dummy = { .ud = 0 };
    struct be_cqe c = fake_cqe_recv(x->f, &dummy, "late", 4);
    assert_int_equal(sink_add(&x->s, c.buf, c.buf->data, 4), err);
    lbuf_put(c.buf);
    sink_finish(&x->s, true);
    assert_int_equal(fake_pending(x->f, FAKE_SPLICE), 0);
    assert_int_equal(fake_pending(x->f, FAKE_WRITEV), 0);
    assert_int_equal(fake_pending(x->f, FAKE_LINKAT), 0);
    assert_int_equal(fake_pending(x->f, FAKE_RENAME), 0);
    enum sink_event ev = complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    if (x->s.way == SINK_WAY_NAMED) /* its temporary goes */
        ev = complete(x, fake_take(x->f, FAKE_UNLINK), 0);
    assert_int_equal(ev, SINK_EV_DONE);
    assert_int_equal(x->s.err, err);
    assert_int_equal(sp.p->fill, 100); /* left in the pipe, which then closes */
    spl_end(x, &sp);
}

static void a_failed_splice_fails_the_file_with_its_error(void **state)
{
    a_failed_splice_fails_the_file(*state, -ENOSPC, -ENOSPC);
}

static void a_splice_of_nothing_fails_the_file(void **state)
{
    a_failed_splice_fails_the_file(*state, 0, -EIO);
}

/* Discarded while a splice is in flight: it is let land, nothing more
 * goes, and the file is closed and never linked. */
static void discard_stops_splicing_after_the_one_in_flight(void **state)
{
    struct fixture *x = *state;
    struct spl sp;
    spl_start(x, &sp, 100);
    sink_open(&x->s, &x->env, "d/a", ud_pack(0, 1, 2));
    complete(x, fake_take(x->f, FAKE_OPENAT), 5);
    sink_splice(&x->s, sp.p, 100);
    struct fake_rec *s1 = take_splice(x, &sp, 0, 100);
    sink_finish(&x->s, false);
    assert_int_equal(fake_pending(x->f, FAKE_CLOSE), 0); /* not under the splice */
    assert_int_equal(complete(x, s1, 30), SINK_EV_BUSY);
    assert_int_equal(fake_pending(x->f, FAKE_SPLICE), 0);
    assert_int_equal(fake_pending(x->f, FAKE_LINKAT), 0);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), 0), SINK_EV_DONE);
    assert_int_equal(sp.p->fill, 70);
    spl_end(x, &sp);
}

/* ---- folders below the top --------------------------------------------------------- */

/* The run's top folder "top" (as a front end's -o), with sub/ and real/
 * below it, ln -> real (a link planted in the tree), sub/ln2 -> ../real,
 * file (not a folder); and toplink -> top (a top given as a link). */
static int setup_top(void **state)
{
    setup_way(state, true);
    struct fixture *x = *state;
    assert_int_equal(mkdir("top", 0755), 0);
    assert_int_equal(mkdir("top/sub", 0755), 0);
    assert_int_equal(mkdir("top/real", 0755), 0);
    assert_int_equal(symlink("real", "top/ln"), 0);
    assert_int_equal(symlink("../real", "top/sub/ln2"), 0);
    int fd = open("top/file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(symlink("top", "toplink"), 0);
    sink_env_free(&x->env);
    assert_int_equal(sink_env_init(&x->env, &x->f->b, "top"), 0);
    return 0;
}

static int setup_top_walk(void **state)
{
    setup_top(state);
    struct fixture *x = *state;
    x->env.resolve_ok = false; /* as where openat2 is refused */
    return 0;
}

/* Open s at path, complete its open with fd, discard it and free it. */
static void one_file(struct sink_env *env, const char *path, int fd, int *dirfd)
{
    struct sink s;
    assert_int_equal(sink_open(&s, env, path, ud_pack(0, 1, 9)), 0);
    *dirfd = s.dfd;
    assert_int_equal(sink_complete(&s, OP_F_OPEN, fd), SINK_EV_BUSY);
    sink_finish(&s, false);
    assert_int_equal(sink_complete(&s, OP_F_CLOSE, 0), SINK_EV_DONE);
    sink_free(&s);
}

/* 1000 files one after another into one folder below the top: the top and
 * the folder are opened once each, whatever the way of resolving. */
static void files_of_one_folder_open_it_once(void **state)
{
    struct fixture *x = *state;
    int first = -1, dfd;
    for (int i = 0; i < 1000; i++) {
        char path[64];
        snprintf(path, sizeof path, "top/sub/f%d", i);
        one_file(&x->env, path, 5, &dfd);
        if (i == 0)
            first = dfd;
        assert_int_equal(dfd, first);
        struct fake_rec *o = fake_take(x->f, FAKE_OPENAT);
        assert_int_equal(o->fd2, first);
        assert_string_equal(o->path, ".");
        assert_non_null(fake_take(x->f, FAKE_CLOSE));
    }
    assert_int_equal(x->env.dirs_opened, 2);
    assert_true(first != x->env.top_fd);
    /* Files straight in the top use the top's own descriptor. */
    one_file(&x->env, "top/g", 5, &dfd);
    assert_int_equal(dfd, x->env.top_fd);
    assert_int_equal(x->env.dirs_opened, 2);
}

/* be_limit_file_workers as the sink sees it: how often it was asked, for
 * how many, and what it answers. */
static unsigned limit_calls, limit_asked, limit_ops_before;
static int limit_answer;
static int counting_limit(struct be *b, unsigned n)
{
    limit_calls++;
    limit_asked = n;
    limit_ops_before = ((struct fake_be *)b)->nops; /* operations already submitted */
    return limit_answer;
}

/* The test's folders are where /tmp is: a disk file system or not. */
static bool on_a_disk_file_system(void)
{
    struct statfs sf;
    assert_int_equal(statfs(".", &sf), 0);
    unsigned long t = (unsigned long)sf.f_type;
    return t == EXT4_SUPER_MAGIC || t == XFS_SUPER_MAGIC || t == BTRFS_SUPER_MAGIC;
}

/* Files in three folders of a disk file system: the limit is asked for
 * once (before the first file op), then kept; refused, it is asked for
 * once and never again; switched off, never. (Skipped where /tmp is not on
 * one: the e2e test covers tmpfs.) */
static void the_file_workers_are_limited_once_per_run_on_a_disk(void **state)
{
    struct fixture *x = *state;
    static struct be_ops ops;
    ops = *x->f->b.ops;
    ops.limit_file_workers = counting_limit;
    x->f->b.ops = &ops;
    if (!on_a_disk_file_system())
        skip(); /* /tmp is tmpfs or the like here: the limit is never asked for */
    const char *outer = getenv("RINGFETCH_SINK_DISABLE");
    char *keep = outer ? strdup(outer) : NULL;
    static const struct { int answer; const char *off; unsigned calls, workers; } cases[] = {
        { 0, NULL, 1, RF_DISK_FILE_WORKERS },
        { -EINVAL, NULL, 1, 0 },
        { 0, "file_workers", 0, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sink_env_free(&x->env);
        if (cases[i].off)
            setenv("RINGFETCH_SINK_DISABLE", cases[i].off, 1);
        else
            unsetenv("RINGFETCH_SINK_DISABLE");
        assert_int_equal(sink_env_init(&x->env, &x->f->b, "top"), 0);
        limit_calls = limit_asked = 0;
        limit_ops_before = 99;
        unsigned ops_before = x->f->nops;
        limit_answer = cases[i].answer;
        int dfd;
        one_file(&x->env, "top/f", 5, &dfd);
        assert_int_equal(limit_calls, cases[i].calls);
        if (limit_calls) /* asked before the folder's first file op went out */
            assert_int_equal(limit_ops_before, ops_before);
        one_file(&x->env, "top/sub/g", 5, &dfd);
        one_file(&x->env, "top/real/h", 5, &dfd);
        assert_int_equal(limit_calls, cases[i].calls);
        if (limit_calls)
            assert_int_equal(limit_asked, RF_DISK_FILE_WORKERS);
        assert_int_equal(x->env.file_workers, cases[i].workers);
    }
    if (keep)
        setenv("RINGFETCH_SINK_DISABLE", keep, 1);
    else
        unsetenv("RINGFETCH_SINK_DISABLE");
    free(keep);
}

/* The *_now calls as the sink makes them: counted, then recorded by the
 * fake's queued ones (so fake_take sees every operation either way). */
static unsigned now_open, now_write, now_link;
static const struct be_ops *now_inner;
static int counting_openat_now(struct be *b, int dirfd, const char *path, int flags, mode_t mode, uint64_t ud)
{
    now_open++;
    return now_inner->openat(b, dirfd, path, flags, mode, ud);
}
static int counting_writev_now(struct be *b, int fd, const struct iovec *iov, unsigned n, uint64_t off,
                               uint64_t ud)
{
    now_write++;
    return now_inner->writev(b, fd, iov, n, off, ud);
}
static int counting_linkat_now(struct be *b, int olddirfd, const char *oldpath, int newdirfd,
                               const char *newpath, int flags, uint64_t ud)
{
    now_link++;
    return now_inner->linkat(b, olddirfd, oldpath, newdirfd, newpath, flags, ud);
}

static bool in_memory(const char *dir)
{
    struct statfs sf;
    if (statfs(dir, &sf) < 0)
        return false;
    return (unsigned long)sf.f_type == TMPFS_MAGIC || (unsigned long)sf.f_type == RAMFS_MAGIC;
}

/* One file of two spans in folder dir (absolute), opened as a small body
 * (sink_open_small) or not: when the sink makes calls at once (now), its
 * open, both writes (whatever their size: the decision is the file's) and
 * its link are made at once; else all are queued. Returns how many calls
 * were made at once. */
static unsigned file_with_two_writes(struct fake_be *f, struct sink_env *env, const char *dir, bool small,
                                     bool now)
{
    now_open = now_write = now_link = 0;
    char path[128];
    snprintf(path, sizeof path, "%s/a.bin", dir);
    struct sink s;
    assert_int_equal((small ? sink_open_small : sink_open)(&s, env, path, ud_pack(0, 1, 2)), 0);
    assert_int_equal(s.now, now);
    struct fake_rec *o = fake_take(f, FAKE_OPENAT);
    assert_non_null(o);
    assert_int_equal(sink_complete(&s, OP_F_OPEN, 5), SINK_EV_BUSY);
    static char big[3 * RF_NOW_MAX_BODY_BYTES];
    memset(big, 'b', sizeof big - 1);
    const char *spans[] = { "small", big };
    for (size_t i = 0; i < 2; i++) {
        struct fake_rec dummy = { .ud = 0 };
        size_t len = strlen(spans[i]);
        struct be_cqe c = fake_cqe_recv(f, &dummy, spans[i], len);
        assert_int_equal(sink_add(&s, c.buf, c.buf->data, len), 0);
        lbuf_put(c.buf);
        unsigned before = now_write;
        sink_flush(&s);
        assert_int_equal(now_write - before, now ? 1 : 0);
        struct fake_rec *w = fake_take(f, FAKE_WRITEV);
        assert_non_null(w);
        assert_int_equal(w->len, len);
        struct be_cqe wc = fake_cqe(w, (int)len);
        struct sink *which;
        assert_int_equal(sink_complete_write(env, &wc, &which), SINK_EV_BUSY);
        assert_ptr_equal(which, &s);
    }
    sink_finish(&s, true);
    struct fake_rec *l = fake_take(f, FAKE_LINKAT);
    assert_non_null(l);
    assert_string_equal(l->path2, "a.bin");
    assert_int_equal(sink_complete(&s, OP_F_LINK, 0), SINK_EV_BUSY);
    assert_non_null(fake_take(f, FAKE_CLOSE));
    assert_int_equal(sink_complete(&s, OP_F_CLOSE, 0), SINK_EV_DONE);
    assert_int_equal(s.err, 0);
    sink_free(&s);
    assert_int_equal(now_open, now ? 1 : 0);
    assert_int_equal(now_link, now ? 1 : 0);
    return now_open + now_write + now_link;
}

/* In a folder in memory (/dev/shm) a small body's open, writes and link
 * are made at once; never another body's, never a resumed part's, never
 * with the switch, never in a folder elsewhere (/tmp here, unless it is in
 * memory too), never when the backend has no such calls. */
static void small_files_in_memory_are_opened_written_and_linked_at_once(void **state)
{
    (void)state;
    if (!in_memory("/dev/shm"))
        skip(); /* no tmpfs at /dev/shm here: the e2e test mounts one */
    char shm[] = "/dev/shm/rf-test-now-XXXXXX", disk[] = "/tmp/rf-test-now-XXXXXX";
    assert_non_null(mkdtemp(shm));
    assert_non_null(mkdtemp(disk));
    const char *outer = getenv("RINGFETCH_SINK_DISABLE");
    char *keep = outer ? strdup(outer) : NULL;
    unsetenv("RINGFETCH_SINK_DISABLE");
    struct fake_be *f = fake_be_new(4, 4 * RF_NOW_MAX_BODY_BYTES);
    static struct be_ops ops;
    now_inner = f->b.ops;
    ops = *f->b.ops;
    ops.openat_now = counting_openat_now;
    ops.writev_now = counting_writev_now;
    ops.linkat_now = counting_linkat_now;
    f->b.ops = &ops;
    struct sink_env env;

    assert_int_equal(sink_env_init(&env, &f->b, NULL), 0);
    assert_true(env.now_ok);
    assert_int_equal(file_with_two_writes(f, &env, shm, true, true), 4);
    assert_int_equal(env.now_ops, 4);
    assert_int_equal(file_with_two_writes(f, &env, shm, false, false), 0);
    assert_int_equal(file_with_two_writes(f, &env, disk, true, in_memory(disk)), in_memory(disk) ? 4 : 0);
    /* A resumed part keeps the ring, in memory too. */
    char path[128], part[140];
    snprintf(path, sizeof path, "%s/r.bin", shm);
    snprintf(part, sizeof part, "%s.part", path);
    struct sink p;
    now_open = 0;
    assert_int_equal(sink_open_part(&p, &env, path, part, false, ud_pack(0, 1, 3)), 0);
    assert_false(p.now);
    assert_int_equal(now_open, 0);
    assert_non_null(fake_take(f, FAKE_OPENAT));
    if (sink_complete(&p, OP_F_OPEN, -ENOENT) != SINK_EV_DONE)
        sink_finish(&p, false);
    assert_int_equal(p.state, SINK_DONE);
    sink_free(&p);
    sink_env_free(&env);

    setenv("RINGFETCH_SINK_DISABLE", "inline", 1);
    assert_int_equal(sink_env_init(&env, &f->b, NULL), 0);
    assert_false(env.now_ok);
    assert_int_equal(file_with_two_writes(f, &env, shm, true, false), 0);
    assert_int_equal(env.now_ops, 0);
    sink_env_free(&env);
    unsetenv("RINGFETCH_SINK_DISABLE");

    f->b.ops = now_inner; /* the fake's own table: no *_now calls */
    assert_int_equal(sink_env_init(&env, &f->b, NULL), 0);
    assert_false(env.now_ok);
    assert_int_equal(file_with_two_writes(f, &env, shm, true, false), 0);
    sink_env_free(&env);

    be_destroy(&f->b);
    assert_int_equal(rmdir(shm), 0);
    assert_int_equal(rmdir(disk), 0);
    if (keep)
        setenv("RINGFETCH_SINK_DISABLE", keep, 1);
    free(keep);
}

/* Two sinks in one folder share its descriptor; it stays open while one
 * of them still holds it, even when files of another folder come and go. */
static void a_shared_folder_stays_open_while_a_sink_holds_it(void **state)
{
    struct fixture *x = *state;
    struct sink s2;
    assert_int_equal(sink_open(&x->s, &x->env, "top/sub/a", ud_pack(0, 1, 2)), 0);
    assert_int_equal(sink_open(&s2, &x->env, "top/sub/b", ud_pack(0, 1, 3)), 0);
    assert_int_equal(x->s.dfd, s2.dfd);
    int shared = s2.dfd;
    sink_finish(&s2, false);
    assert_int_equal(sink_complete(&s2, OP_F_OPEN, -EACCES), SINK_EV_DONE);
    sink_free(&s2);
    int dfd;
    one_file(&x->env, "top/real/c", 6, &dfd); /* another folder opened (and idle after) */
    assert_true(dfd != shared);
    one_file(&x->env, "top/f", 6, &dfd);
    assert_true(fcntl(shared, F_GETFD) >= 0);
    assert_int_equal(x->env.ndirs, 2);
    /* The first sink's own operations still go to it. */
    struct fake_rec *o = fake_take(x->f, FAKE_OPENAT);
    assert_int_equal(o->fd2, shared);
    complete(x, o, 7);
    sink_finish(&x->s, true);
    struct fake_rec *l = fake_take(x->f, FAKE_LINKAT);
    assert_int_equal(l->fd2, shared);
    complete(x, l, 0);
    assert_int_equal(complete(x, fake_take(x->f, FAKE_CLOSE), 0), SINK_EV_DONE);
}

/* The folder last released stays open for the next file, and is closed
 * (not kept besides the window's) when a file needs another folder. */
static void the_idle_folder_gives_way_to_the_next(void **state)
{
    struct fixture *x = *state;
    int a, b;
    one_file(&x->env, "top/sub/f", 5, &a);
    assert_int_equal(x->env.ndirs, 1);
    assert_true(fcntl(a, F_GETFD) >= 0); /* idle, still open */
    one_file(&x->env, "top/sub/g", 5, &b);
    assert_int_equal(b, a);
    assert_int_equal(x->env.dirs_opened, 2);
    struct sink s;
    assert_int_equal(sink_open(&s, &x->env, "top/real/h", ud_pack(0, 1, 9)), 0);
    assert_int_equal(x->env.ndirs, 1); /* sub was closed before real was opened */
    assert_int_equal(x->env.dirs_opened, 3);
    sink_finish(&s, false);
    assert_int_equal(sink_complete(&s, OP_F_OPEN, -EACCES), SINK_EV_DONE);
    sink_free(&s);
    one_file(&x->env, "top/sub/i", 5, &a);
    assert_int_equal(x->env.dirs_opened, 4);
}

/* A link on the way below the top: the file fails RF_E_DEST_LINK before
 * anything is submitted, whichever way it is (and the link's target
 * works when named as it is). */
static void a_link_below_the_top_fails_the_file(void **state)
{
    struct fixture *x = *state;
    static const char *const linked[] = { "top/ln/f", "top/sub/ln2/f", "top/ln/deeper/f" };
    for (size_t i = 0; i < sizeof linked / sizeof linked[0]; i++) {
        struct sink s;
        assert_int_equal(sink_open(&s, &x->env, linked[i], ud_pack(0, 1, 2)), RF_E_DEST_LINK);
        assert_int_equal(sink_open_part(&s, &x->env, linked[i], "top/ln/f.part", false, ud_pack(0, 1, 2)),
                         RF_E_DEST_LINK);
    }
    assert_int_equal(fake_pending(x->f, FAKE_OPENAT), 0);
    struct sink s;
    assert_int_equal(sink_open(&s, &x->env, "top/file/f", ud_pack(0, 1, 2)), -ENOTDIR);
    assert_int_equal(sink_open(&s, &x->env, "top/none/f", ud_pack(0, 1, 2)), -ENOENT);
    assert_int_equal(fake_pending(x->f, FAKE_OPENAT), 0);
    assert_int_equal(x->env.ndirs, 0);
    int dfd;
    one_file(&x->env, "top/real/f", 5, &dfd);
    one_file(&x->env, "top/sub/f", 5, &dfd);
}

/* The top is the user's: a link there is followed. A path that is not
 * under it is the front end's bug, refused. */
static void the_top_is_taken_as_given(void **state)
{
    struct fixture *x = *state;
    bool resolve_ok = x->env.resolve_ok; /* (the walk's fixture has it off) */
    sink_env_free(&x->env);
    assert_int_equal(sink_env_init(&x->env, &x->f->b, "toplink/"), 0);
    x->env.resolve_ok = resolve_ok;
    int dfd;
    one_file(&x->env, "toplink/sub/f", 5, &dfd); /* under "toplink/", as "toplink" */
    one_file(&x->env, "toplink/f", 5, &dfd);
    assert_int_equal(dfd, x->env.top_fd);
    struct sink s;
    assert_int_equal(sink_open(&s, &x->env, "top/sub/f", ud_pack(0, 1, 2)), -EINVAL);
    assert_int_equal(sink_open(&s, &x->env, "toplinkx/f", ud_pack(0, 1, 2)), -EINVAL);
    assert_int_equal(sink_open(&s, &x->env, "f", ud_pack(0, 1, 2)), -EINVAL);
    assert_int_equal(sink_open_part(&s, &x->env, "toplink/sub/f", "toplink/f.part", false, ud_pack(0, 1, 2)),
                     -EINVAL); /* the part must be in the file's folder */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(tmpfile_body_is_linked_then_closed, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(tmpfile_replaces_an_existing_name_by_rename, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(link_by_descriptor_refused_goes_through_proc, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(link_enoent_both_ways_fails_the_file, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(link_by_fd_can_be_switched_off, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(tmpfile_failed_write_leaves_nothing, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(tmpfile_open_refused_fails_naming_the_cause, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(named_open_out_of_space_fails_naming_the_cause, setup_named, teardown),
        cmocka_unit_test_setup_teardown(tmpfile_failed_close_after_link_removes_the_name, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(tmpfile_refused_falls_back_to_named, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(named_file_is_closed_then_renamed, setup_named, teardown),
        cmocka_unit_test_setup_teardown(named_temporary_taken_draws_another, setup_named, teardown),
        cmocka_unit_test_setup_teardown(named_failed_close_removes_the_temporary, setup_named, teardown),
        cmocka_unit_test_setup_teardown(short_write_writes_the_rest, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(discard_before_the_open_is_back, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(discard_before_the_open_is_back, setup_named, teardown),
        cmocka_unit_test_setup_teardown(abandon_releases_buffers, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(part_is_prepared_appended_to_and_kept, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(part_started_over_on_a_200, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(spliced_bytes_go_at_their_offset_between_writes, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(one_splice_at_a_time_and_a_short_one_sends_the_rest, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(a_failed_splice_fails_the_file_with_its_error, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(a_splice_of_nothing_fails_the_file, setup_named, teardown),
        cmocka_unit_test_setup_teardown(discard_stops_splicing_after_the_one_in_flight, setup_tmpfile, teardown),
        cmocka_unit_test_setup_teardown(files_of_one_folder_open_it_once, setup_top, teardown),
        cmocka_unit_test_setup_teardown(the_file_workers_are_limited_once_per_run_on_a_disk, setup_top,
                                        teardown),
        cmocka_unit_test_setup_teardown(files_of_one_folder_open_it_once, setup_top_walk, teardown),
        cmocka_unit_test(small_files_in_memory_are_opened_written_and_linked_at_once),
        cmocka_unit_test_setup_teardown(a_shared_folder_stays_open_while_a_sink_holds_it, setup_top, teardown),
        cmocka_unit_test_setup_teardown(the_idle_folder_gives_way_to_the_next, setup_top, teardown),
        cmocka_unit_test_setup_teardown(a_link_below_the_top_fails_the_file, setup_top, teardown),
        cmocka_unit_test_setup_teardown(a_link_below_the_top_fails_the_file, setup_top_walk, teardown),
        cmocka_unit_test_setup_teardown(the_top_is_taken_as_given, setup_top, teardown),
        cmocka_unit_test_setup_teardown(the_top_is_taken_as_given, setup_top_walk, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
