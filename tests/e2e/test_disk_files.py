#!/usr/bin/env python3
"""What the sink leaves on real file systems (issue 15): each test runs on
every file system this machine lets the tests mount, with each way the sink
creates files:

  file systems  tmpfs: one of its own (8 MiB) when root, else a folder in
                /dev/shm (then the ENOSPC case skips: no small file system
                to fill); ext4: an 8 MiB image on a loop device (mount -o
                loop), when root and mkfs.ext4 is there. Each is made once
                for this file, on first use, and removed at exit.
  ways          tmpfile: the default (an unnamed O_TMPFILE inode, linked in
                when complete); named: the fallback, forced with
                RINGFETCH_SINK_DISABLE=tmpfile (an exclusive .rf-PID-N.tmp,
                renamed when complete); on tmpfs also ring: the default
                with the file calls through the ring (RINGFETCH_SINK_DISABLE=
                inline) instead of made at once by the loop, as they are
                there by default (RF_NOW_MIN_IN_FLIGHT).

What is checked: bodies byte-identical (empty, small, multi-buffer,
chunked); an existing final file replaced only by a complete body; a
symlink at the final name replaced, never followed; a reset or a full file
system mid-body leaves the final name as it was and no temporary; SIGKILL
mid-body leaves no new file under a final name and, with an unnamed inode,
nothing at all; with a named temporary, the killed run's .rf-PID-N.tmp is
left (nothing can remove it after SIGKILL) and the next run does not trip on
it."""

import atexit
import errno
import os
import resource
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer, read_request  # noqa: E402

WAYS = {'tmpfile': {}, 'named': {'RINGFETCH_SINK_DISABLE': 'tmpfile'},
        'ring': {'RINGFETCH_SINK_DISABLE': 'inline'}}
# Ways that only differ where files are in memory.
MEMORY_ONLY_WAYS = ('ring',)
FS_MIB = 8
TEMPORARY = re.compile(r'^\.rf-\d+-\d+\.tmp$')
OLD = b'the old file, which must survive a failed download\n'


class TestFs:
    """A small file system for this test file: `kind` is tmpfs or ext4.
    made() returns it mounted, or raises rftest.Skip (or MissingDependency)
    saying why it cannot be had here; the reason is kept, so every test on
    it skips with the same words."""

    def __init__(self, kind):
        self.kind = kind
        self.root = None      # where tests make their folders
        self.small = False    # True: a file system of FS_MIB of its own (ENOSPC can be tested)
        self.mnt = None
        self.why_not = None
        self.missing = False

    def made(self):
        if self.root:
            return self
        if self.why_not:
            (rftest.skip_missing if self.missing else rftest.skip)(self.why_not)
        try:
            self._make()
        except rftest.MissingDependency as e:
            self.why_not, self.missing = str(e), True
            raise
        except rftest.Skip as e:
            self.why_not = str(e)
            raise
        return self

    def _make(self):
        base = rftest.session_dir('rftest-fs-%s-' % self.kind)
        if os.geteuid() != 0:
            if self.kind == 'tmpfs' and os.access('/dev/shm', os.W_OK):
                self.root = rftest.session_dir('rftest-shm-', memory=True)
                return
            rftest.skip('not root: cannot mount a %s of our own' % self.kind)
        mnt = os.path.join(base, 'mnt')
        os.mkdir(mnt)
        if self.kind == 'tmpfs':
            cmd = ['mount', '-t', 'tmpfs', '-o', 'size=%dm,mode=0755' % FS_MIB, 'rftest', mnt]
        else:
            mkfs = shutil.which('mkfs.ext4') or ('/usr/sbin/mkfs.ext4' if os.access(
                '/usr/sbin/mkfs.ext4', os.X_OK) else None)
            if not mkfs:
                rftest.skip_missing('mkfs.ext4 (e2fsprogs) is not installed')
            image = os.path.join(base, 'ext4.img')
            with open(image, 'wb') as f:
                f.truncate(FS_MIB << 20)
            r = subprocess.run([mkfs, '-q', '-F', image], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            assert r.returncode == 0, 'mkfs.ext4: ' + r.stdout
            cmd = ['mount', '-t', 'ext4', '-o', 'loop', image, mnt]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            rftest.skip('cannot mount a %s here: %s' % (self.kind, r.stdout.strip()[-200:]))
        self.mnt = mnt
        atexit.register(self.remove)
        self.root = mnt
        self.small = True

    def remove(self):
        # Before the session folders go (atexit runs this first: registered later).
        if self.mnt:
            subprocess.run(['umount', self.mnt])  # -o loop: the device detaches with it
            self.mnt = None

    def folder(self):
        """A fresh, empty folder on this file system, removed after the test."""
        return rftest.tempdir('out-', base=self.root)


FILESYSTEMS = [TestFs('tmpfs'), TestFs('ext4')]


def ringfetch(*args, env=None, timeout=60):
    e = dict(os.environ)
    e.update(env or {})
    return rftest.run([rftest.bin('ringfetch')] + list(args), env=e, timeout=timeout)


def listing(d):
    return sorted(os.listdir(d))


def no_temporaries(d):
    left = [n for n in os.listdir(d) if TEMPORARY.match(n) or n.endswith('.part')]
    assert not left, 'temporaries left in %s: %s' % (d, left)


def for_each_fs_and_way(fn):
    """Register fn(fs, env) once per file system and way of creating files."""
    for fs in FILESYSTEMS:
        for way, env in WAYS.items():
            if way in MEMORY_ONLY_WAYS and fs.kind != 'tmpfs':
                continue
            def one(fn=fn, fs=fs, env=env):
                fn(fs.made(), env)
            one.__name__ = '%s_%s_%s' % (fn.__name__, fs.kind, way)
            rftest.test(one)
    return fn


def named(env):
    """The way makes named temporaries (else unnamed inodes)."""
    return 'tmpfile' in env.get('RINGFETCH_SINK_DISABLE', '')


def body_of(n):
    """n bytes that differ from any other body of another length."""
    seed = struct.pack('<I', n)
    return (seed * (n // 4 + 1))[:n] if n else b''


def serving(bodies, chunked=()):
    """A server answering /NAME with bodies[NAME] (chunked for names in
    `chunked`), keep-alive."""
    def handle(conn):
        for head in rftest.requests(conn):
            name = head.split(b' ')[1].decode().rsplit('/', 1)[1]
            body = bodies[name]
            if name in chunked:
                conn.sendall(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + b''.join(
                    b'%x\r\n%s\r\n' % (len(body[i:i + 5000]), body[i:i + 5000])
                    for i in range(0, len(body), 5000)) + b'0\r\n\r\n')
            else:
                conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(body) + body)
    return FakeServer(handle)


def resetting(length, send):
    """Answers 200 with Content-Length: length, sends `send` body bytes, then
    resets the connection (RST: SO_LINGER 0)."""
    def handle(conn):
        read_request(conn)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % length + b'r' * send)
        time.sleep(0.1)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        conn.close()
    return FakeServer(handle)


def streaming(total, piece=1 << 20):
    """Answers 200 with a body of `total` bytes (Content-Length), sent in
    pieces as fast as the client takes them."""
    def handle(conn):
        read_request(conn)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % total)
        chunk = b'z' * piece
        left = total
        while left > 0:
            conn.sendall(chunk[:min(piece, left)])
            left -= piece
    return FakeServer(handle)


# ------------------------------------------------------------------- tests

@for_each_fs_and_way
def bodies_are_byte_identical(fs, env):
    out = fs.folder()
    bodies = {'empty': b'', 'one': b'1', 'small': body_of(8192), 'odd': body_of(100003),
              'multi': body_of(3 << 20), 'chunked': body_of(300001)}
    with serving(bodies, chunked=('chunked',)) as srv:
        r = ringfetch('-m', '4', '-o', out, '--stats', *[srv.url('/' + n) for n in bodies],
                      env=env)
    assert r.rc == 0, r.why()
    assert listing(out) == sorted(bodies), listing(out)
    for name, body in bodies.items():
        with open(os.path.join(out, name), 'rb') as f:
            assert f.read() == body, '%s differs' % name
    st = r.stats()
    way = 'files_named' if named(env) else 'files_tmpfile'
    assert st.get(way) == len(bodies), st


def for_each_fs(fn):
    """Register fn(fs) once per file system."""
    for fs in FILESYSTEMS:
        def one(fn=fn, fs=fs):
            fn(fs.made())
        one.__name__ = '%s_%s' % (fn.__name__, fs.kind)
        rftest.test(one)
    return fn


@for_each_fs
def file_operations_run_one_at_a_time_on_a_disk_file_system_only(fs):
    # RF_DISK_FILE_WORKERS: on ext4 (xfs, btrfs) the run's file operations
    # get one io-wq worker (its io_uring_register is the one call besides
    # the enters); tmpfs keeps the kernel's default, as does every file
    # system when the limit is switched off, and the epoll backend, which
    # has no such workers, refuses it. The files are the same every way.
    bodies = {'small': body_of(8192), 'odd': body_of(100003), 'big': body_of(3 << 20)}
    disk = fs.kind == 'ext4'
    cases = ((), {'RINGFETCH_SINK_DISABLE': 'file_workers'}, 0), \
            ((), {}, 1 if disk else 0), \
            (('--backend', 'epoll'), {}, 0)
    others = []
    for args, env, want in cases:
        out = fs.folder()
        with serving(bodies) as srv:
            r = ringfetch('-m', '4', '-o', out, '--stats', *args, *[srv.url('/' + n) for n in bodies],
                          env=env)
        assert r.rc == 0, r.why()
        for name, body in bodies.items():
            with open(os.path.join(out, name), 'rb') as f:
                assert f.read() == body, '%s differs (%s %s)' % (name, args, env)
        st = r.stats()
        assert st['file_workers'] == want, (args, env, st['file_workers'])
        if not args:
            # Calls besides the enters: inline fallbacks, and the limit's own.
            m = re.search(r'\bother (\d+)', st['calls'])
            others.append(int(m.group(1)) if m else 0)
        shutil.rmtree(out)  # room for the next case on the small file system
    assert others[1] == others[0] + (1 if disk else 0), ('the limit\'s io_uring_register', others)


@for_each_fs
def small_files_in_memory_are_made_at_once_by_the_loop_and_nowhere_else(fs):
    # RF_NOW_MIN_IN_FLIGHT: on tmpfs each small file's open, write and link are
    # made at once by the loop (three calls it names in "calls"), not
    # through the ring; never a larger body's (RF_NOW_MAX_BODY_BYTES) nor a
    # chunked one's, never on ext4, nor with RINGFETCH_SINK_DISABLE=inline,
    # nor with one request in flight (-m 1, or one connection to the one
    # host: that case fetches from one server only), nor with the epoll
    # backend (whose file calls are all synchronous, and which has no such
    # calls). The files are the same every way.
    small = {'s%d' % i: body_of(8192 + i) for i in range(6)}
    bodies = dict(small, large=body_of(16 * 1024 + 1), chunked=body_of(5000))
    unsized = body_of(6000)  # (HTTP/1.0, no length: the body ends with the connection)
    # (Not root, "tmpfs" is a folder in /dev/shm: what it really is decides.)
    memory = rftest.in_memory(fs.root)
    assert memory == (fs.kind == 'tmpfs') or os.geteuid() != 0, (fs.kind, fs.root)
    if fs.kind == 'tmpfs' and not memory:
        rftest.skip('%s is not in memory here: nothing would be made at once' % fs.root)
    cases = (('-m', '4'), {}, memory), (('-m', '4'), {'RINGFETCH_SINK_DISABLE': 'inline'}, False), \
            (('-m', '1'), {}, False), (('-m', '4', '--max-per-host', '1'), {}, False), \
            (('-m', '4', '--backend', 'epoll'), {}, False)
    for args, env, now in cases:
        out = fs.folder()
        one_host = '--max-per-host' in args
        with serving(bodies, chunked=('chunked',)) as srv, FakeServer.canned(
                b'HTTP/1.0 200 OK\r\n\r\n' + unsized) as old:
            r = ringfetch('-o', out, '--stats', *args, *[srv.url('/' + n) for n in bodies],
                          *([] if one_host else [old.url('/unsized')]), env=env)
        assert r.rc == 0, r.why()
        got = dict(bodies) if one_host else dict(bodies, unsized=unsized)
        assert listing(out) == sorted(got), listing(out)
        for name, body in got.items():
            with open(os.path.join(out, name), 'rb') as f:
                assert f.read() == body, '%s differs (%s %s)' % (name, args, env)
        st = r.stats()
        calls = dict((k, int(v)) for k, v in re.findall(r'(\w+) (\d+)', st['calls']))
        calls.pop('io_uring_enter', None)
        if not now:
            assert st['inline_file_ops'] == 0, (args, env, st)
            continue
        n = len(small)
        # Every small file's, but one whose answer came when nothing else
        # was in flight (possible for the last ones); never another body's.
        # (A body that came in two receives is two writes.)
        assert n - 1 <= calls.get('open', 0) <= n, (args, st['calls'])
        assert calls.get('link') == calls['open'] <= calls.get('write', 0), (args, st['calls'])
        assert st['inline_file_ops'] == calls['open'] + calls['write'] + calls['link'], st
        shutil.rmtree(out)


@for_each_fs_and_way
def a_full_file_system_fails_each_small_file_once_and_leaves_nothing_half_made(fs, env):
    # Small files into a file system with room for a few: those that fit
    # are complete, each other one fails once with ENOSPC named, nothing is
    # left half made, and every URL is counted once.
    if not fs.small:
        rftest.skip('no small %s of our own to fill (not root)' % fs.kind)
    out = fs.folder()
    filler = os.path.join(fs.folder(), 'filler')
    # Filled to the last block (what is free is the file system's own
    # reckoning: ext4's delayed allocation and reserved blocks), then
    # room made for a few files.
    room = 48 << 10
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        size = 0
        chunk = b'\0' * 4096
        try:
            while True:
                size += os.write(fd, chunk)
        except OSError as e:
            assert e.errno == errno.ENOSPC, e
        os.fsync(fd)
        os.ftruncate(fd, max(0, size - room))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        bodies = {'f%02d.bin' % i: body_of(8192 + i) for i in range(24)}
        with serving(bodies) as srv:
            r = ringfetch('-m', '4', '-o', out, '--stats', *[srv.url('/' + n) for n in bodies], env=env)
        assert r.rc == 1, r.why()
        st = r.stats()
        got = listing(out)
        assert 0 < len(got) < len(bodies), (got, r.why())
        assert st['ok'] == len(got) and st['ok'] + st['errors'] == len(bodies), (st, got)
        # On tmpfs (but the ring way) the failing writes were the loop's own calls.
        assert (st['inline_file_ops'] > 0) == (rftest.in_memory(out) and env != WAYS['ring']), st
        for name in got:
            with open(os.path.join(out, name), 'rb') as f:
                assert f.read() == bodies[name], '%s is not the complete body' % name
        failed = [n for n in bodies if n not in got]
        for name in failed:
            lines = [ln for ln in r.err.splitlines() if '/' + name in ln]
            assert len(lines) == 1 and 'No space left on device' in lines[0], (name, r.err)
    finally:
        os.unlink(filler)
    # The room is back: the same run now fetches every file.
    shutil.rmtree(out)
    out = fs.folder()
    with serving(bodies) as srv:
        r = ringfetch('-m', '4', '-o', out, *[srv.url('/' + n) for n in bodies], env=env)
    assert r.rc == 0, r.why()
    assert listing(out) == sorted(bodies), listing(out)


@for_each_fs_and_way
def a_write_past_the_file_size_limit_fails_that_file_not_the_run(fs, env):
    # ulimit -f: the write that crosses it fails with EFBIG. The loop makes
    # small files' writes itself on tmpfs, where the kernel's SIGXFSZ would
    # kill the process: ringfetch ignores it (sigstop.c), so the file fails
    # with its error named, the other one arrives, nothing is left half made.
    out = fs.folder()
    bodies = {'big.bin': body_of(9000), 'ok.bin': body_of(3000)}

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    e = dict(os.environ)
    e.update(env)
    with serving(bodies) as srv:
        p = subprocess.run([rftest.bin('ringfetch'), '-m', '2', '-o', out] +
                           [srv.url('/' + n) for n in sorted(bodies)], env=e, preexec_fn=limit,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 1, (p.returncode, p.stderr)  # (-25: killed by SIGXFSZ)
    lines = [ln for ln in p.stderr.splitlines() if '/big.bin' in ln]
    assert len(lines) == 1 and 'File too large' in lines[0], p.stderr
    assert listing(out) == ['ok.bin'], listing(out)
    assert open(os.path.join(out, 'ok.bin'), 'rb').read() == bodies['ok.bin']


@for_each_fs_and_way
def an_existing_file_is_replaced_only_by_a_complete_body(fs, env):
    out = fs.folder()
    final = os.path.join(out, 'f.bin')
    with open(final, 'wb') as f:
        f.write(OLD)
    # (Small bodies: on tmpfs their calls are made at once, RF_NOW_MAX_BODY_BYTES;
    # the ring way and ext4 take the ring.)
    with FakeServer.truncating(12000, send=5000) as srv:
        r = ringfetch('-o', out, srv.url('/f.bin'), env=env)
    assert r.rc == 1 and 'truncated' in r.err, r.why()
    assert open(final, 'rb').read() == OLD, 'the old file was touched by a failed download'
    assert listing(out) == ['f.bin'], listing(out)
    new = body_of(9000)
    with serving({'f.bin': new}) as srv:
        r = ringfetch('-o', out, srv.url('/f.bin'), env=env)
    assert r.rc == 0, r.why()
    assert open(final, 'rb').read() == new
    assert listing(out) == ['f.bin'], listing(out)


@for_each_fs_and_way
def a_symlink_at_the_final_name_is_replaced_never_followed(fs, env):
    out = fs.folder()
    victim = os.path.join(fs.folder(), 'victim')
    with open(victim, 'wb') as f:
        f.write(OLD)
    final = os.path.join(out, 'f.bin')
    os.symlink(victim, final)
    body = body_of(9000)
    with serving({'f.bin': body}) as srv:
        r = ringfetch('-o', out, srv.url('/f.bin'), env=env)
    assert r.rc == 0, r.why()
    assert not os.path.islink(final) and open(final, 'rb').read() == body
    assert open(victim, 'rb').read() == OLD, 'the link was followed'
    assert listing(out) == ['f.bin'], listing(out)


@for_each_fs_and_way
def a_reset_mid_body_leaves_the_final_name_as_it_was(fs, env):
    out = fs.folder()
    with open(os.path.join(out, 'old.bin'), 'wb') as f:
        f.write(OLD)
    with resetting(200000, 70000) as srv:
        r = ringfetch('-m', '2', '-o', out, srv.url('/old.bin'), srv.url('/new.bin'), env=env)
    assert r.rc == 1, r.why()
    assert listing(out) == ['old.bin'], listing(out)
    assert open(os.path.join(out, 'old.bin'), 'rb').read() == OLD


@for_each_fs_and_way
def a_full_file_system_mid_body_leaves_the_final_name_as_it_was(fs, env):
    if not fs.small:
        rftest.skip('no small %s of our own to fill (not root)' % fs.kind)
    out = fs.folder()
    with open(os.path.join(out, 'old.bin'), 'wb') as f:
        f.write(OLD)
    free0 = os.statvfs(out).f_bavail
    with streaming(2 * FS_MIB << 20) as srv:
        r = ringfetch('-m', '2', '-o', out, srv.url('/old.bin'), srv.url('/new.bin'), env=env)
    assert r.rc == 1, r.why()
    assert 'No space left on device' in r.err, r.why()
    assert listing(out) == ['old.bin'], listing(out)
    assert open(os.path.join(out, 'old.bin'), 'rb').read() == OLD
    # Every block the failed bodies took is free again.
    os.sync()
    assert os.statvfs(out).f_bavail >= free0 - 2, (free0, os.statvfs(out).f_bavail)


@for_each_fs_and_way
def sigkill_mid_body_leaves_no_new_file_under_a_final_name(fs, env):
    out = fs.folder()
    with open(os.path.join(out, 'old.bin'), 'wb') as f:
        f.write(OLD)
    before = listing(out)
    e = dict(os.environ)
    e.update(env)
    with FakeServer.dripping(200, 0.02) as srv:
        p = subprocess.Popen([rftest.bin('ringfetch'), '-m', '2', '-o', out, srv.url('/old.bin'),
                              srv.url('/new.bin')], env=e, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            # Kill only once a body is being written (a temporary shows, or,
            # with an unnamed inode, the server has sent a good part of it).
            while time.monotonic() < deadline and p.poll() is None:
                if named(env) and any(TEMPORARY.match(n) for n in os.listdir(out)):
                    time.sleep(0.3)
                    break
                if not named(env) and srv.accepted >= 2:
                    time.sleep(0.5)
                    break
                time.sleep(0.02)
            assert p.poll() is None, 'finished too early'
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
    assert open(os.path.join(out, 'old.bin'), 'rb').read() == OLD
    after = listing(out)
    if not named(env):
        assert after == before, 'an unnamed inode must leave nothing: %s' % after
        return
    # A named temporary cannot be removed after SIGKILL: it stays, named
    # after the killed process, and the next run does not trip on it.
    stale = [n for n in after if n not in before]
    assert len(stale) >= 1 and all(re.match(r'^\.rf-%d-\d+\.tmp$' % p.pid, n) for n in stale), after
    kept = {n: open(os.path.join(out, n), 'rb').read() for n in stale}
    body = body_of(5000)
    with serving({'old.bin': body, 'new.bin': body}) as srv:
        r = ringfetch('-o', out, srv.url('/old.bin'), srv.url('/new.bin'), env=env)
    assert r.rc == 0, r.why()
    assert open(os.path.join(out, 'old.bin'), 'rb').read() == body
    assert open(os.path.join(out, 'new.bin'), 'rb').read() == body
    assert listing(out) == sorted(['old.bin', 'new.bin'] + stale), listing(out)
    for n, data in kept.items():
        assert open(os.path.join(out, n), 'rb').read() == data, 'a stale temporary was touched'


if __name__ == '__main__':
    rftest.main()
