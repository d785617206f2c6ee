"""Shared helpers for ringfetch's end-to-end tests (python3, stdlib only).

A test script looks like this:

    import os, sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import rftest

    @rftest.test
    def flags2_downloads_all_flags():
        with rftest.Nginx(rftest.flags_root()) as ng:
            r = rftest.run([rftest.bin('flags2'), '-a', '--url', ng.url('/flags')])
            assert r.rc == 0, r.why()

    if __name__ == '__main__':
        rftest.main()

main() prints one line per test, `PASS name`, `FAIL name: why` or
`SKIP name: why`, and exits 1 when any test failed (the protocol tests/run
counts). A test skips with skip(why) when the machine lacks something (a
kernel feature, root), and with skip_missing(why) when a dependency of the
suite is absent (nginx, the shared data): that one is a failure under
RF_REQUIRE=1, as in CI. Binaries come from $RF_BUILD (default `build`,
relative to the repo root); shared data from $RF_SHARED (default ../shared).
Programs run through run() are started by a small C spawner
(tests/e2e/spawn_rss.c, compiled on first use) so that their peak RSS is
their own. Every server a test starts is stopped by its pid, also when the
test fails.

`python3 tests/e2e/rftest.py` runs the helpers' own self-test.
"""

import atexit
import contextlib
import errno
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

E2E_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(E2E_DIR))


def _repo_path(value):
    return value if os.path.isabs(value) else os.path.join(REPO, value)


BUILD = _repo_path(os.environ.get('RF_BUILD') or 'build')
SHARED = _repo_path(os.environ.get('RF_SHARED') or os.path.join('..', 'shared'))
NGINX_TEMPLATE = os.path.join(REPO, 'tests', 'nginx', 'nginx.conf.in')


# RF_REQUIRE=1 (set by .ci/run): a dependency the suite needs (nginx, the
# shared data) must be there, so a test that would skip for want of it fails.
REQUIRE = os.environ.get('RF_REQUIRE', '') not in ('', '0')


class Skip(Exception):
    """Raised by a test (through skip()) that cannot run here."""


class MissingDependency(Skip):
    """Raised (through skip_missing()) by a test that cannot run because
    something the suite depends on is absent: a package such as nginx, or the
    shared data. A failure under RF_REQUIRE=1, otherwise a skip. Whatever the
    machine itself lacks (a kernel feature, root, IPv6 loopback) is a plain
    skip()."""


def skip(why):
    raise Skip(why)


def skip_missing(what):
    raise MissingDependency(what)


# ---------------------------------------------------------------- bookkeeping

_tests = []


def test(fn):
    """Register fn as a test; its name is the test's name."""
    _tests.append(fn)
    return fn


def for_each(variants):
    """A decorator: register fn(value) once per variant, as the test
    fn_NAME, for each NAME: value of variants (e.g. environments)."""
    def register(fn):
        for name, value in variants.items():
            def one(fn=fn, value=value):
                fn(value)
            one.__name__ = '%s_%s' % (fn.__name__, name)
            test(one)
        return fn
    return register


def main(argv=None):
    """Run the registered tests (or only those named on the command line)."""
    names = (sys.argv[1:] if argv is None else argv)
    chosen = [t for t in _tests if not names or t.__name__ in names]
    failed = 0
    for t in chosen:
        start = time.monotonic()
        try:
            t()
        except MissingDependency as e:
            if REQUIRE:
                failed += 1
                print('FAIL %s: missing dependency (RF_REQUIRE=1): %s' % (t.__name__, e), flush=True)
            else:
                print('SKIP %s: missing dependency: %s' % (t.__name__, e), flush=True)
            continue
        except Skip as e:
            print('SKIP %s: %s' % (t.__name__, e), flush=True)
            continue
        except AssertionError as e:
            failed += 1
            print('FAIL %s: %s' % (t.__name__, _one_line(str(e) or _where(e))), flush=True)
            continue
        except Exception as e:
            failed += 1
            print('FAIL %s: %s: %s (%s)' % (t.__name__, type(e).__name__,
                                            _one_line(str(e)), _where(e)), flush=True)
            continue
        finally:
            _cleanup_temp()
        print('PASS %s (%.2fs)' % (t.__name__, time.monotonic() - start), flush=True)
    if not chosen:
        print('FAIL %s: no test selected' % os.path.basename(sys.argv[0]))
        failed = 1
    if BACKEND:
        print('BACKEND %s: %d started, %d checked by --stats' % (
            BACKEND, _backend_counts['started'], _backend_counts['checked']), flush=True)
    sys.exit(1 if failed else 0)


def _one_line(text):
    return ' | '.join(line for line in text.strip().splitlines() if line)[:2000]


def _where(exc):
    tb = traceback.extract_tb(exc.__traceback__)
    return 'at %s:%d' % (os.path.basename(tb[-1].filename), tb[-1].lineno) if tb else ''


# ----------------------------------------------------------- paths, temp dirs

def bin(name):
    """Path of a program under test; a missing one fails the test (the build
    is part of what is tested, so this is not a skip)."""
    path = os.path.join(BUILD, name)
    assert os.access(path, os.X_OK), '%s not built (RF_BUILD=%s)' % (path, BUILD)
    return path


_temp_dirs = []          # removed after each test
_session_dirs = []       # removed at exit (cached corpora)


def tempdir(prefix='rftest-', memory=False, base=None):
    """A fresh directory, removed when the current test ends. memory=True puts
    it on tmpfs when there is one, so disk speed does not skew what is measured;
    base puts it in that folder (a file system a test made)."""
    d = tempfile.mkdtemp(prefix=prefix, dir=base or (_memory_base() if memory else None))
    _temp_dirs.append(d)
    return d


def session_dir(prefix='rftest-', memory=False):
    """A fresh directory kept until the test process exits (cached corpora)."""
    d = tempfile.mkdtemp(prefix=prefix, dir=_memory_base() if memory else None)
    _session_dirs.append(d)
    return d


@contextlib.contextmanager
def tmpfs(size='1m', ro=False):
    """A fresh tmpfs of `size` mounted on a temp dir (read-only when ro),
    unmounted when the block ends; a test that cannot mount one is skipped."""
    d = tempfile.mkdtemp(prefix='rftest-tmpfs-')
    opts = 'size=%s%s' % (size, ',ro' if ro else '')
    r = subprocess.run(['mount', '-t', 'tmpfs', '-o', opts, 'tmpfs', d],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        os.rmdir(d)
        skip('cannot mount a tmpfs here (%s)' % r.stdout.decode().strip())
    try:
        yield d
    finally:
        subprocess.run(['umount', d])
        os.rmdir(d)


@contextlib.contextmanager
def flagserver_at(path):
    """The flagserver program at `path` (an installed or unpacked copy) on a
    free port; yields the port, and stops it by pid when the block ends."""
    fs = subprocess.Popen([path, '--port', '0'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          stdin=subprocess.DEVNULL)
    try:
        m = re.match(r'listening on \S+:(\d+)', fs.stdout.readline().decode())
        assert m, '%s did not start' % path
        yield int(m.group(1))
    finally:
        fs.terminate()
        fs.wait(10)
        fs.stdout.close()


def in_memory(d):
    """d is on a file system in memory (tmpfs, ramfs), as ringfetch's sink
    sees it (statfs's type): where small files' calls are made at once."""
    r = subprocess.run(['stat', '-f', '-c', '%T', d], stdout=subprocess.PIPE, text=True)
    assert r.returncode == 0, 'stat -f %s: %r' % (d, r)
    return r.stdout.strip() in ('tmpfs', 'ramfs')


def _memory_base():
    """/dev/shm when it is a writable tmpfs, else None (the default temp dir)."""
    try:
        with open('/proc/mounts') as f:
            mounts = {fields[1]: fields[2] for fields in (line.split() for line in f)}
    except OSError:
        return None
    if mounts.get('/dev/shm') == 'tmpfs' and os.access('/dev/shm', os.W_OK):
        return '/dev/shm'
    return None


def _cleanup_temp():
    while _temp_dirs:
        shutil.rmtree(_temp_dirs.pop(), ignore_errors=True)


atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _session_dirs])


def free_port(host='127.0.0.1'):
    """A TCP port nothing listens on right now (the kernel's choice)."""
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(('::1', 0))
        return True
    except OSError:
        return False


def wait_port(port, host='127.0.0.1', timeout=5.0, proc=None):
    """Wait until something accepts on host:port; False on timeout or when
    proc (a Popen) exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    return False


# ------------------------------------------------------------- running things

class Result(tuple):
    """(rc, out, err) of a finished child, plus:
    rss_kib   the child's own peak resident set size (KiB, from spawn_rss's wait4)
    elapsed   wall seconds
    timed_out True when the child was killed at the timeout (rc is then -9)
    cmd       the command, for messages"""

    def __new__(cls, rc, out, err, rss_kib, elapsed, timed_out, cmd):
        self = tuple.__new__(cls, (rc, out, err))
        self.rss_kib, self.elapsed, self.timed_out, self.cmd = rss_kib, elapsed, timed_out, cmd
        return self

    rc = property(lambda self: self[0])
    out = property(lambda self: self[1])
    err = property(lambda self: self[2])

    def why(self):
        """A short description for assertion messages."""
        cmd = ' '.join(os.path.basename(c) if i == 0 else c for i, c in enumerate(self.cmd))
        if len(cmd) > 300:
            cmd = cmd[:300] + '...'
        return '%s -> rc=%s%s; stdout: %s; stderr: %s' % (
            cmd, self.rc, ' (TIMED OUT)' if self.timed_out else '',
            _tail(self.out), _tail(self.err))

    def _check_backend(self, stats):
        """Under RF_BACKEND, the backend a run of ours asked for is the one
        its stats name (ringfetch and flags2: "backend"; ringload:
        "syscalls"."backend")."""
        i = _ours_at(self.cmd) if BACKEND else None
        if i is None:
            return
        want = _backend_of(self.cmd[i + 1:])
        calls = stats.get('syscalls')
        got = stats.get('backend') or (calls.get('backend') if isinstance(calls, dict) else None)
        assert got == want, 'asked for --backend %s, the stats say %r: %s' % (want, got, self.why())
        _backend_counts['checked'] += 1

    def stats(self, stream='out'):
        """The last JSON object printed on a line of its own (--stats)."""
        for line in reversed(getattr(self, stream).splitlines()):
            line = line.strip()
            if line.startswith('{'):
                stats = json.loads(line)
                self._check_backend(stats)
                return stats
        raise AssertionError('no --stats JSON on std%s: %s' % (stream, self.why()))


def _tail(text, lines=6):
    return _one_line('\n'.join(text.strip().splitlines()[-lines:])) or '(empty)'


_SPAWN_SRC = os.path.join(E2E_DIR, 'spawn_rss.c')
_spawner = None
_spawner_lock = threading.Lock()


def spawner():
    """Path of tests/e2e/spawn_rss.c compiled (static when the C library
    allows it, so that its own footprint is smallest), once per process."""
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            cc = shutil.which(os.environ.get('CC') or 'cc') or shutil.which('cc')
            assert cc, 'no C compiler to build %s (make deps)' % _SPAWN_SRC
            exe = os.path.join(session_dir('rftest-spawn-'), 'spawn_rss')
            why = ''
            for extra in (['-static'], []):
                r = subprocess.run([cc, '-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-o', exe,
                                    _SPAWN_SRC] + extra, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                if r.returncode == 0:
                    _spawner = exe
                    break
                why = r.stdout.decode('utf-8', 'replace')
            assert _spawner, 'cannot compile %s: %s' % (_SPAWN_SRC, _tail(why))
    return _spawner


def _check_executable(name, env, cwd):
    """Raise what Popen would when name cannot be run (the spawner would only
    exit 127)."""
    if os.sep in name:
        path = name if os.path.isabs(name) else os.path.join(cwd or os.getcwd(), name)
        if not os.path.exists(path):
            raise FileNotFoundError(errno.ENOENT, 'No such file or directory', name)
        if not os.access(path, os.X_OK):
            raise PermissionError(errno.EACCES, 'Permission denied', name)
    elif shutil.which(name, path=(env or os.environ).get('PATH', os.defpath)) is None:
        raise FileNotFoundError(errno.ENOENT, 'No such file or directory', name)


# RF_BACKEND=epoll (tests/e2e/test_epoll_downloads.py sets it): every
# ringfetch, flags2 and ringload this test process starts gets `--backend
# epoll`, so the same tests check the epoll backend against the same
# expectations. run() adds it; so does subprocess.Popen itself (patched below
# while RF_BACKEND is set), for the tests that start a program directly or
# through `sh -c '... exec "$0" "$@"' PROGRAM ...`. Result.stats() then checks
# that the run's --stats name that backend, and main() ends with a
# `BACKEND NAME: N started, M checked by --stats` line that
# test_epoll_downloads reads.
BACKEND = os.environ.get('RF_BACKEND') or ''
BACKEND_PROGRAMS = ('ringfetch', 'flags2', 'ringload')
_backend_counts = {'started': 0, 'checked': 0}


def _ours_at(cmd):
    """Index of our program in cmd: cmd[0], the program of
    `sh -c SCRIPT PROGRAM ARGS`, or the program the spawner starts
    (spawn_rss FD PROGRAM ARGS); None when cmd runs nothing of ours."""
    if not cmd or not isinstance(cmd[0], str):
        return None
    name = os.path.basename(cmd[0])
    if name in BACKEND_PROGRAMS:
        return 0
    if name in ('sh', 'bash', 'dash') and len(cmd) > 3 and cmd[1] == '-c':
        # `sh -c '... exec "$0" "$@"' PROG ...` or `sh -c '... exec "$@"' sh PROG ...`
        i = 4 if len(cmd) > 4 and os.path.basename(cmd[3]) in ('sh', 'bash', 'dash') else 3
    elif _spawner and cmd[0] == _spawner and len(cmd) > 2:
        i = 2
    else:
        return None
    return i if isinstance(cmd[i], str) and os.path.basename(cmd[i]) in BACKEND_PROGRAMS else None


def _backend_of(cmd):
    """The value of --backend in cmd's arguments, or None."""
    for j, c in enumerate(cmd):
        if c == '--backend' and j + 1 < len(cmd):
            return cmd[j + 1]
        if isinstance(c, str) and c.startswith('--backend='):
            return c[len('--backend='):]
    return None


def with_backend(cmd):
    """cmd with `--backend $RF_BACKEND` after the program's name when it
    starts one of ours that does not choose a backend itself."""
    i = _ours_at(cmd) if BACKEND else None
    if i is None or _backend_of(cmd[i + 1:]) is not None:
        return cmd
    return list(cmd[:i + 1]) + ['--backend', BACKEND] + list(cmd[i + 1:])


if BACKEND:
    _Popen_init = subprocess.Popen.__init__

    def _popen_init_with_backend(self, args, *rest, **kw):
        if isinstance(args, (list, tuple)):
            args = with_backend(list(args))
            i = _ours_at(args)
            if i is not None and (_spawner is None or args[0] != _spawner):
                _backend_counts['started'] += 1
        _Popen_init(self, args, *rest, **kw)

    subprocess.Popen.__init__ = _popen_init_with_backend


PROXY_VARS = ('http_proxy', 'https_proxy', 'no_proxy', 'all_proxy')


def run(cmd, timeout=60, input=None, env=None, cwd=None):
    """Run cmd to completion (killed at timeout seconds) and return a Result.
    env: variables to set on top of this process's environment (None as a
    value removes that variable), which loses its proxy variables first. The child is started by spawner(), which reports the child's own wait
    status and peak RSS: a child forked from this process would start with
    the harness's peak (Linux keeps it across execve), about 20 MiB."""
    cmd = with_backend(list(cmd))
    if BACKEND and _ours_at(cmd) is not None:
        _backend_counts['started'] += 1
    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    res_f = tempfile.TemporaryFile()
    # The machine's proxy variables never reach a program under test: they
    # would send the tests' loopback requests to that proxy. A test that
    # wants one sets it in env.
    full_env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARS}
    for k, v in (env or {}).items():
        if v is None:
            full_env.pop(k, None)
        else:
            full_env[k] = v
    _check_executable(cmd[0], full_env, cwd)
    spawn = spawner()
    start = time.monotonic()
    proc = subprocess.Popen([spawn, str(res_f.fileno())] + cmd,
                            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=out_f, stderr=err_f, env=full_env, cwd=cwd,
                            pass_fds=(res_f.fileno(),))
    # A blocking wait in a thread: Popen.wait(timeout) polls, adding up to
    # 50 ms to every run.
    waiter = threading.Thread(target=proc.wait, daemon=True)
    waiter.start()
    if input is not None:
        try:
            proc.stdin.write(input.encode() if isinstance(input, str) else input)
        except BrokenPipeError:
            pass
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
    waiter.join(timeout)
    timed_out = waiter.is_alive()
    if timed_out:
        proc.send_signal(signal.SIGTERM)  # our spawner, by pid: it SIGKILLs the child, by pid
        waiter.join(5)
        if waiter.is_alive():
            proc.kill()
            waiter.join()
    elapsed = time.monotonic() - start
    res_f.seek(0)
    fields = res_f.read().split()
    res_f.close()
    texts = []
    for f in (out_f, err_f):
        f.seek(0)
        texts.append(f.read().decode('utf-8', 'replace'))
        f.close()
    if len(fields) == 2:
        rc, rss = os.waitstatus_to_exitcode(int(fields[0])), int(fields[1])
    elif timed_out:
        rc, rss = -signal.SIGKILL, 0
    else:
        raise AssertionError('%s failed (exit %s) running %s: %s' % (
            spawn, proc.returncode, cmd[0], _tail(texts[1])))
    return Result(rc, texts[0], texts[1], rss, elapsed, timed_out, cmd)


# ------------------------------------------------------------------- corpora

def make_flags_corpus(dest):
    """build/mkcorpus flags DEST -> DEST/flags/{cc}/{cc}.gif + metadata.json."""
    r = run([bin('mkcorpus'), 'flags', dest], timeout=60)
    assert r.rc == 0, r.why()
    return dest


def make_bulk_corpus(dest, count, size):
    """build/mkcorpus bulk DEST COUNT BYTES -> DEST/f000000.bin ..."""
    r = run([bin('mkcorpus'), 'bulk', dest, str(count), str(size)], timeout=300)
    assert r.rc == 0, r.why()
    return dest


def bulk_name(i):
    return 'f%06d.bin' % i


_flags_root = None


def flags_root():
    """A directory D with D/flags/{cc}/{cc}.gif for the 194 codes: the real
    flags ($RF_SHARED/data/flags) when present, else a synthetic corpus made
    once per test process."""
    global _flags_root
    if _flags_root is None:
        real = os.path.join(SHARED, 'data')
        if os.path.isfile(os.path.join(real, 'flags', 'br', 'br.gif')):
            _flags_root = real
        else:
            _flags_root = make_flags_corpus(session_dir('rftest-flags-'))
    return _flags_root


def flag_codes(root=None):
    """Sorted lower-case codes served under root/flags."""
    d = os.path.join(root or flags_root(), 'flags')
    return sorted(c for c in os.listdir(d) if os.path.isfile(os.path.join(d, c, c + '.gif')))


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def assert_same_files(pairs):
    """pairs: iterable of (expected_path, actual_path); compares by SHA-256."""
    missing, different, n = [], [], 0
    for want, got in pairs:
        n += 1
        if not os.path.isfile(got):
            missing.append(os.path.basename(got))
        elif os.path.getsize(want) != os.path.getsize(got) or sha256(want) != sha256(got):
            different.append(os.path.basename(got))
    assert not missing and not different, '%d of %d missing (%s), %d differ (%s)' % (
        len(missing), n, ' '.join(missing[:5]), len(different), ' '.join(different[:5]))


def leftovers(directory):
    """Files in directory (recursively), relative names; [] if it is absent."""
    found = []
    for base, _, files in os.walk(directory):
        found += [os.path.relpath(os.path.join(base, f), directory) for f in files]
    return sorted(found)


# ----------------------------------------------------------------- flagserver

class FlagServerProc:
    """build/flagserver on a free port, stopped by pid:

        with FlagServerProc('--preset', 'DELAY') as fs:
            fs.url()                     -> http://127.0.0.1:PORT/flags/br/br.gif
    """

    def __init__(self, *args):
        self.args = list(args) + ['--port', '0']
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen([bin('flagserver')] + self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        ready = select.select([self.proc.stdout], [], [], 20)[0]
        line = os.read(self.proc.stdout.fileno(), 4096).decode() if ready else ''
        m = re.search(r'listening on \S+:(\d+)', line)
        if not m:
            self.__exit__()
            raise AssertionError('flagserver %s did not start: %r' % (self.args, line))
        self.port = int(m.group(1))
        return self

    def url(self, path='/flags/br/br.gif'):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------------- nginx

_servers = []


def _stop_all():
    for s in list(_servers):
        s.stop()


atexit.register(_stop_all)
# A SIGTERM from tests/run's timeout must still stop the servers we started.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def render_template(path, subst):
    """The text of the file at path with each placeholder (`@NAME@`, a key of
    subst) replaced by its value; a placeholder left unrendered is an error, so
    a template and its renderer cannot drift apart silently. Used for the
    tests' nginx config and for bench/nginx.conf.in."""
    with open(path) as f:
        text = f.read()
    for k, v in subst.items():
        text = text.replace(k, v)
    left = re.findall(r'@[A-Z0-9_]+@', text)
    assert not left, 'unrendered placeholders in %s: %s' % (os.path.basename(path), ' '.join(left))
    return text


def nginx_user_line():
    """nginx refuses to run its workers as root without a `user` line naming
    the user; as anyone else the line must be absent."""
    return 'user %s;' % _user_name() if os.geteuid() == 0 else ''


def render_nginx_conf(port, root, tmp, big_dir, ipv6=True):
    return render_template(NGINX_TEMPLATE, {
        '@USER_LINE@': nginx_user_line(),
        '@PORT@': str(port),
        '@LISTEN6@': 'listen [::1]:%d;' % port if ipv6 else '',
        '@ROOT@': os.path.abspath(root),
        '@BIG_DIR@': os.path.abspath(big_dir),
        '@TMP@': tmp,
    })


def _user_name():
    import pwd
    return pwd.getpwuid(os.geteuid()).pw_name


class Nginx:
    """nginx serving root on 127.0.0.1:port (and [::1]:port when the host has
    IPv6 loopback), in the foreground, one worker, as the current user.

        with Nginx(root) as ng:
            ng.url('/flags')            -> http://127.0.0.1:PORT/flags
            ng.big_dir                   files here are served under /big/
    """

    def __init__(self, root, port=None, nginx='nginx'):
        self.root = root
        self.port = port or free_port()
        self.nginx = shutil.which(nginx) or '/usr/sbin/nginx'
        self.tmp = None
        self.proc = None

    def url(self, path='', host='127.0.0.1'):
        return 'http://%s:%d%s' % (host, self.port, path)

    def start(self):
        if not os.access(self.nginx, os.X_OK):
            skip_missing('nginx not installed (make deps)')
        # Something else on the port would answer for us and hide nginx's failure.
        assert not wait_port(self.port, timeout=0.05), 'port %d already in use' % self.port
        self.tmp = tempfile.mkdtemp(prefix='rftest-nginx-')
        _servers.append(self)  # from here on stop() cleans up, whatever fails
        self.big_dir = os.path.join(self.tmp, 'big')
        os.mkdir(self.big_dir)
        conf = os.path.join(self.tmp, 'nginx.conf')
        with open(conf, 'w') as f:
            f.write(self.conf_text())
        self.error_log = os.path.join(self.tmp, 'error.log')
        # stderr to the same file: a pipe nobody reads could fill and block nginx.
        with open(self.error_log, 'ab') as log:
            self.proc = subprocess.Popen(
                [self.nginx, '-p', self.tmp, '-c', conf, '-e', self.error_log],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        if not wait_port(self.port, proc=self.proc):
            why = self._log()
            self.stop()
            raise AssertionError('nginx did not start on port %d: %s' % (self.port, why))
        return self

    def conf_text(self):
        """The rendered config; a subclass serving another template (bench/)
        overrides this and keeps the rest: port, temp dir, start, stop by pid."""
        return render_nginx_conf(self.port, self.root, self.tmp, self.big_dir,
                                 ipv6=have_ipv6_loopback())

    def _log(self):
        try:
            with open(self.error_log) as f:
                return _tail(f.read())
        except OSError:
            return '(no error log)'

    def stop(self):
        if self in _servers:
            _servers.remove(self)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM to our own master, by pid: fast shutdown
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# --------------------------------------------------------------- fake servers

class Unanswered:
    """A loopback port whose SYNs go unanswered: a listener with backlog 0
    whose accept queue holds one connection it never accepts; with the queue
    full, Linux drops a new SYN and the client retransmits it until it gives
    up (minutes). Nothing is refused, nothing connects."""

    def __enter__(self):
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(0)
        self.port = self.listener.getsockname()[1]
        self.filler = socket.create_connection(('127.0.0.1', self.port), timeout=2)
        probe = socket.socket()
        probe.settimeout(1.0)
        try:
            probe.connect(('127.0.0.1', self.port))
        except socket.timeout:
            return self
        except OSError as e:
            self.__exit__()
            skip('a full accept queue does not drop SYNs here: %s' % e)
        finally:
            probe.close()
        self.__exit__()
        skip('a full accept queue does not drop SYNs here: the probe connected')

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def __exit__(self, *exc):
        self.filler.close()
        self.listener.close()


class FakeServer:
    """A loopback server on a free port, one thread per connection, that plays
    a scripted (mis)behaviour. Subclass and define handle(conn), or pass
    handle=fn. Connections still open are closed by stop().

        with FakeServer.truncating(1000) as s:
            s.url('/x.bin')
    """

    def __init__(self, handle=None, host='127.0.0.1'):
        if handle is not None:
            self.handle = handle
        self.host = host
        self.sock = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.conns = []
        self.stopping = False
        self.lock = threading.Lock()

    def url(self, path=''):
        host = '[%s]' % self.host if ':' in self.host else self.host
        return 'http://%s:%d%s' % (host, self.port, path)

    def start(self):
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def _accept_loop(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            self.handle(conn)
        except OSError:
            pass

    def handle(self, conn):
        raise NotImplementedError

    def stop(self):
        self.stopping = True
        # shutdown() wakes the thread blocked in accept(); close() alone may not.
        for s in [self.sock] + self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # Ready-made behaviours.

    @classmethod
    def truncating(cls, length, send=None, hold=False):
        """Answers 200 with Content-Length: length, sends only `send` body
        bytes (default half), then closes, or with hold=True keeps the
        connection open and sends nothing more."""
        send = length // 2 if send is None else send

        def handle(conn):
            read_request(conn)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % length + b'x' * send)
            if hold:
                while conn.recv(4096):
                    pass
            conn.close()
        return cls(handle)

    @classmethod
    def chunked(cls, body, chunk=4096, cut=0, hold=False):
        """Answers 200 with body in chunks of `chunk` bytes, the whole message
        but its last `cut` bytes, then closes (hold=False) or keeps the
        connection open, sending nothing more (hold=True). With cut=0 and
        hold=False the response is complete and the connection closes."""
        msg = b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + b''.join(
            b'%x\r\n%s\r\n' % (len(body[i:i + chunk]), body[i:i + chunk])
            for i in range(0, len(body), chunk)) + b'0\r\n\r\n'

        def handle(conn):
            read_request(conn)
            conn.sendall(msg[:len(msg) - cut])
            if hold:
                while conn.recv(4096):
                    pass
            conn.close()
        return cls(handle)

    @classmethod
    def dripping(cls, chunks, pause):
        """Answers 200 with a body of `chunks` x 1000 bytes ('y'), sent a
        thousand bytes at a time, `pause` seconds apart."""
        def handle(conn):
            read_request(conn)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % (chunks * 1000))
            for _ in range(chunks):
                conn.sendall(b'y' * 1000)
                time.sleep(pause)
        return cls(handle)

    @classmethod
    def silent(cls):
        """Accepts, reads, never answers; the connection stays open until stop()."""
        def handle(conn):
            while conn.recv(4096):
                pass
        return cls(handle)

    @classmethod
    def canned(cls, response, close=True):
        """Sends the raw bytes `response` to every request, then closes the
        connection (close=True) or waits for the next request."""
        def handle(conn):
            while read_request(conn):
                conn.sendall(response)
                if close:
                    conn.close()
                    return
        return cls(handle)


def requests(conn):
    """Each request head (up to and without the blank line) that arrives on a
    kept-alive connection, pipelined ones included, until EOF."""
    buf = b''
    while True:
        while b'\r\n\r\n' not in buf:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buf += chunk
        head, buf = buf.split(b'\r\n\r\n', 1)
        yield head


def read_request(conn):
    """Read one request's head (up to the blank line); b'' at EOF."""
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return b''
        data += chunk
    return data


# ------------------------------------------------------------------ self-test
# Registered only when this file is run itself, not when a test script imports it.

_self = test if __name__ == '__main__' else (lambda fn: fn)

@_self
def free_port_is_bindable():
    port = free_port()
    with socket.socket() as s:
        s.bind(('127.0.0.1', port))


@_self
def run_reports_exit_status_output_and_rss():
    r = run([sys.executable, '-c',
             'import sys; b = bytearray(40 << 20); print("out"); print("err", file=sys.stderr); '
             'sys.exit(3)'])
    assert (r.rc, r.out, r.err) == (3, 'out\n', 'err\n'), r.why()
    assert r.rss_kib > 40 * 1024, 'peak RSS %d KiB, expected > 40 MiB' % r.rss_kib
    rc, out, err = r
    assert rc == 3


@_self
def run_reports_the_childs_own_rss_not_the_harness():
    # The harness holds 64 MiB while it runs /bin/true: none of it may show.
    ballast = bytearray(64 << 20)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    r = run(['/bin/true'])
    assert r.rc == 0, r.why()
    assert 0 < r.rss_kib < 4 * 1024, '/bin/true peaked at %d KiB, expected 1-2 MiB' % r.rss_kib
    del ballast


@_self
def run_tells_a_signal_from_an_exit_code():
    r = run(['sh', '-c', 'kill -INT $$'])
    assert r.rc == -signal.SIGINT, r.why()
    r = run(['sh', '-c', 'exit 130'])
    assert r.rc == 130, r.why()


@_self
def run_raises_for_a_program_that_does_not_exist():
    for cmd in (['/nonexistent/prog'], ['no-such-program-rftest']):
        try:
            run(cmd)
        except FileNotFoundError:
            continue
        raise AssertionError('no FileNotFoundError for %s' % cmd)


@_self
def run_kills_a_child_at_the_timeout():
    r = run(['sleep', '30'], timeout=0.5)
    assert r.timed_out and r.rc == -signal.SIGKILL and r.elapsed < 5, r.why()


@_self
def run_passes_input_to_stdin():
    r = run(['cat'], input='hello\n')
    assert r.out == 'hello\n', r.why()


@_self
def nginx_serves_files_and_stops_by_pid():
    root = tempdir()
    with open(os.path.join(root, 'a.txt'), 'w') as f:
        f.write('hello')
    with Nginx(root) as ng:
        with open(os.path.join(ng.big_dir, 'big.bin'), 'wb') as f:
            f.write(b'B' * 100000)
        r = run(['curl', '-sf', ng.url('/a.txt'), ng.url('/big/big.bin')], timeout=10)
        assert r.rc == 0 and r.out == 'hello' + 'B' * 100000, r.why()
        pid = ng.proc.pid
    assert wait_port(ng.port, timeout=0.3) is False, 'port still open after stop'
    try:
        os.kill(pid, 0)
        raise AssertionError('nginx pid %d still alive' % pid)
    except ProcessLookupError:
        pass


@_self
def fake_servers_truncate_and_stay_silent():
    with FakeServer.truncating(1000) as s:
        r = run(['curl', '-s', s.url('/x')], timeout=10)
        assert r.rc != 0 and len(r.out) == 500, r.why()
    with FakeServer.silent() as s:
        r = run(['curl', '-s', '-m', '1', s.url('/x')], timeout=10)
        assert r.rc == 28 and s.accepted == 1, r.why()  # 28: curl's timeout


@_self
def rf_backend_reaches_direct_and_sh_c_starts_and_is_checked_in_stats():
    global BACKEND
    saved = BACKEND
    BACKEND = 'epoll'
    try:
        rf = bin('ringfetch')
        assert with_backend([rf, '-q', 'U']) == [rf, '--backend', 'epoll', '-q', 'U']
        sh = ['sh', '-c', 'ulimit -n 64 && exec "$0" "$@"']
        assert with_backend(sh + [rf, 'U']) == sh + [rf, '--backend', 'epoll', 'U']
        sh2 = ['sh', '-c', 'ulimit -n 64 && exec "$@"', 'sh']
        assert with_backend(sh2 + [rf, 'U']) == sh2 + [rf, '--backend', 'epoll', 'U']
        assert with_backend([rf, '--backend', 'uring', 'U']) == [rf, '--backend', 'uring', 'U']
        assert with_backend(['curl', 'U']) == ['curl', 'U']
        r = run(sh + [rf, '--retry', '0', '--stats', '--discard', 'http://127.0.0.1:9/x'], timeout=30)
        assert r.stats()['backend'] == 'epoll', r.why()
        r.cmd = [rf, '--backend', 'uring', '--stats']  # what the stats must then agree with
        try:
            r.stats()
        except AssertionError as e:
            assert 'asked for --backend uring' in str(e), e
        else:
            raise AssertionError('a run on the wrong backend passed the check')
    finally:
        BACKEND = saved


@_self
def flags_root_has_194_flags():
    assert len(flag_codes()) == 194, '%s: %d codes' % (flags_root(), len(flag_codes()))


if __name__ == '__main__':
    main()


class FlagServer:
    """build/flagserver ARGS on a free loopback port, stopped by pid (SIGTERM,
    then SIGKILL). Started with -v: .log() is its request log, .requests()
    maps each path to the fault of its last request ('' for none).

        with rftest.FlagServer('--preset', 'ERROR', '--seed', 7) as fs:
            run([bin('flags2'), '--url', fs.base, ...])
    """

    def __init__(self, *args):
        self.args = [str(a) for a in args]
        self.proc = None

    def __enter__(self):
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([bin('flagserver')] + self.args + ['--port', '0', '-v'],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.err)
        line = self.proc.stdout.readline().decode()
        m = re.match(r'listening on (\S+):(\d+)', line)
        if not m:
            self.stop()
            raise AssertionError('flagserver did not start: %r %s' % (line, self.log()[-500:]))
        self.port = int(m.group(2))
        self.base = self.url('/flags')
        return self

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def log(self):
        self.err.seek(0)
        return self.err.read().decode('utf-8', 'replace')

    def requests(self):
        last = {}
        for line in self.log().splitlines():
            m = re.search(r'"GET (\S+) HTTP/1\.[01]" \d+(?: fault=(\w+))?', line)
            if m:
                last[m.group(1)] = m.group(2) or ''
        return last

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)   # our own child, by pid
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def __exit__(self, *exc):
        self.stop()


# ------------------------------------------------------- scripted HTTP routes

def reply(status, body=b'', headers=()):
    """The bytes of an HTTP/1.1 response: status line ('503 Service
    Unavailable' or 503), headers [(name, value)], Content-Length, body."""
    if isinstance(status, int):
        status = '%d X' % status
    if isinstance(body, str):
        body = body.encode()
    lines = ['HTTP/1.1 %s' % status] + ['%s: %s' % h for h in headers] + \
            ['Content-Length: %d' % len(body)]
    return ('\r\n'.join(lines) + '\r\n\r\n').encode() + body


class Request:
    """One request a RouteServer received: method, path (the request-target
    as sent), headers (a dict, names lower-cased), the time it arrived
    (time.monotonic()), the connection's number and how many times this path
    was asked so far (1 for the first)."""

    def __init__(self, head, conn_no, nth):
        lines = head.decode('latin-1').split('\r\n')
        self.method, self.path, _ = lines[0].split(' ', 2)
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            self.headers[name.strip().lower()] = value.strip()
        self.time = time.monotonic()
        self.conn_no = conn_no
        self.nth = nth


class RouteServer(FakeServer):
    """A keep-alive HTTP/1.1 server whose answers are scripted per path.

        def flaky(req):                      # req: a Request
            return reply(503) if req.nth == 1 else reply(200, b'ok')
        with RouteServer({'/f': flaky, '/a': reply(200, b'hello')}) as s:
            s.url('/f'); s.log; s.times('/f'); s.max_open

    A route is the bytes to send, or a function of the request giving them;
    the function may instead take (req, conn) and do its own sending (when
    it was declared with two parameters), returning True to keep the
    connection. A path with no route gets a 404. Every request is recorded
    in .log (in arrival order); .open and .max_open count the connections
    open at once, as the server sees them. host may be any 127.0.0.0/8
    address."""

    def __init__(self, routes, host='127.0.0.1', port=0):
        self.routes = routes
        self.log = []
        self.open = self.max_open = 0
        self.counts = {}
        FakeServer.__init__(self, host=host)
        if port:
            self.sock.close()
            self.sock = socket.socket(socket.AF_INET)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind((host, port))
            self.sock.listen(128)
            self.port = port

    def handle(self, conn):
        with self.lock:
            self.open += 1
            self.max_open = max(self.max_open, self.open)
            conn_no = self.accepted
        try:
            for head in requests(conn):
                with self.lock:
                    path = head.split(b' ', 2)[1].decode('latin-1')
                    self.counts[path] = self.counts.get(path, 0) + 1
                    req = Request(head, conn_no, self.counts[path])
                    self.log.append(req)
                route = self.routes.get(req.path, reply(404, b'no such path'))
                if callable(route):
                    import inspect
                    if len(inspect.signature(route).parameters) == 2:
                        if not route(req, conn):
                            break
                        continue
                    route = route(req)
                if route is None:
                    break
                conn.sendall(route)
        finally:
            with self.lock:
                self.open -= 1
            try:
                conn.close()
            except OSError:
                pass

    def times(self, path):
        """When each request for path arrived (monotonic seconds)."""
        with self.lock:
            return [r.time for r in self.log if r.path == path]

    def count(self, path):
        with self.lock:
            return self.counts.get(path, 0)


def reset(conn):
    """Close conn with a TCP reset (SO_LINGER 0) instead of a FIN."""
    import struct
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    conn.close()
