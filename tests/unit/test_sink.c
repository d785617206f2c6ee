/* The file sink's state machine (src/engine/sink.c) on the fake backend:
 * both ways of creating a file, every step failing, completions in any
 * order. What is checked is what reaches the file system: which names are
 * linked, renamed or unlinked, and that a failure never leaves a final name. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/opkind.h"
#include "engine/sink.h"
#include "fake_be.h"
#include "io/ud.h"

struct fixture {
    struct fake_be *f;
    struct sink_env env;
    struct sink s;
};

static int setup_way(void **state, bool tmpfile)
{
    struct fixture *x = calloc(1, sizeof *x);
    x->f = fake_be_new(8, 64);
    assert_int_equal(sink_env_init(&x->env, &x->f->b), 0);
    x->env.tmpfile_ok = tmpfile;
    *state = x;
    return 0;
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
    assert_string_equal(o->path, "out");
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
    assert_string_equal(l->path2, "out/a.bin");
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
    assert_non_null(strstr(l2->path2, "./.rf-"));
    char tmp[FAKE_PATH_MAX];
    strcpy(tmp, l2->path2);
    complete(x, l2, 0);
    complete(x, fake_take(x->f, FAKE_CLOSE), 0);
    struct fake_rec *rn = fake_take(x->f, FAKE_RENAME);
    assert_string_equal(rn->path, tmp);
    assert_string_equal(rn->path2, "a.bin");
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
    assert_string_equal(p->path2, "d/a");
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
    assert_int_equal(sink_env_init(&x->env, &x->f->b), 0);
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
    assert_string_equal(u->path, "d/a");
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
    assert_non_null(strstr(o->path, "d/.rf-"));
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
    assert_non_null(strstr(o2->path, "d/.rf-"));
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
    assert_string_equal(r->path2, "out/a");
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
    sink_open(&x->s, &x->env, "/nonexistent-dir-of-rf-tests/a", ud_pack(0, 1, 2));
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
    assert_string_equal(o->path, "d/f.part");
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
