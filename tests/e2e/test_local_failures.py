"""Failures on our side of the wire (issue 5): a full disk, a low descriptor
limit, destinations that cannot be written, name collisions, Ctrl-C, and bad
input from the user. Both front ends.

Tests that mount a tmpfs need root (CAP_SYS_ADMIN); they SKIP elsewhere.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer  # noqa: E402

FLAGS2_USAGE = 'usage: flags2 [-h] [-a] [-e] [-l N] [-m CONCURRENT] [-s LABEL] [-v] [CC ...]'
RINGFETCH_USAGE = ('usage: ringfetch [-m N] [-o DIR] [-i FILE|-] [-q|-v] [--timeout S] [--stats]\n'
                   '                 [--cacert FILE] [--capath DIR] [-k] [OPTION...] URL...')


def ringfetch(*args, timeout=60, env=None):
    return rftest.run([rftest.bin('ringfetch')] + [str(a) for a in args], timeout=timeout, env=env)


def flags2(*args, timeout=60):
    return rftest.run([rftest.bin('flags2')] + [str(a) for a in args], timeout=timeout)


def no_part_files(d):
    parts = [f for f in rftest.leftovers(d) if f.endswith('.part')]
    assert not parts, 'temporary files left: %s' % parts[:5]


_bulk = {}


def bulk(count, size):
    """A bulk corpus (mkcorpus) made once per process."""
    key = (count, size)
    if key not in _bulk:
        _bulk[key] = rftest.make_bulk_corpus(rftest.session_dir('rftest-bulk-'), count, size)
    return _bulk[key]


def summary_counts(err):
    """ringfetch's summary line -> dict(files, not_found, cancelled, errors)."""
    for line in reversed(err.splitlines()):
        m = re.match(r'^(\d+) files?, .* (\d+) errors? in ', line)
        if m:
            nf = re.search(r', (\d+) not found', line)
            ca = re.search(r', (\d+) cancelled', line)
            return {'files': int(m.group(1)), 'errors': int(m.group(2)),
                    'not_found': int(nf.group(1)) if nf else 0,
                    'cancelled': int(ca.group(1)) if ca else 0}
    raise AssertionError('no summary line on stderr: %s' % err[-500:])


# ---------------------------------------------------------------- disk full

@rftest.test
def ringfetch_disk_full_fails_items_with_no_space_and_leaves_no_partial_file():
    root = bulk(16, 200000)
    with rftest.Nginx(root) as ng, rftest.tmpfs('1m') as dest:
        r = ringfetch('-m', 4, '-o', dest, '--stats', *[ng.url('/' + rftest.bulk_name(i)) for i in range(16)])
        files = rftest.leftovers(dest)
        no_part_files(dest)
        rftest.assert_same_files((os.path.join(root, f), os.path.join(dest, f)) for f in files)
    assert not r.timed_out and r.rc == 1, r.why()
    s = r.stats()
    assert s['files'] == 16 and s['ok'] + s['errors'] == 16, s
    assert s['errors'] >= 10 and s['ok'] == len(files), 'stats %s, files on disk %s' % (s, files)
    errs = [l for l in r.err.splitlines() if l.startswith('ERR ')]
    assert len(errs) == s['errors'], errs
    # The failing file is named: "ERR URL: cannot write DEST/NAME: No space left on device".
    bad = [l for l in errs if not re.match(r'ERR http://\S+/(f\d+\.bin): cannot write %s/\1: '
                                           r'No space left on device$' % re.escape(dest), l)]
    assert not bad, bad[:3]


@rftest.test
def flags2_disk_full_fails_items_with_no_space_and_the_run_ends():
    root = rftest.flags_root()
    with rftest.Nginx(root) as ng, rftest.tmpfs('128k') as dest:
        r = flags2('-a', '-m', 20, '-v', '--url', ng.url('/flags'), '--dest', dest)
        files = rftest.leftovers(dest)
        no_part_files(dest)
        rftest.assert_same_files((os.path.join(root, 'flags', f[:2], f), os.path.join(dest, f))
                                 for f in files)
    out = r.out.splitlines()
    assert not r.timed_out and r.rc == 1, r.why()
    errs = [l for l in out if l.startswith('*** Error for ')]
    assert errs and all(re.match(r'\*\*\* Error for [A-Z]{2}: cannot write %s/[a-z]{2}\.gif: '
                                 r'No space left on device$' % re.escape(dest), l)
                        for l in errs), errs[:5]
    assert '%d flags downloaded.' % len(files) in out and '%d errors.' % len(errs) in out, r.why()
    assert len(files) + len(errs) == 194, '%d files + %d errors' % (len(files), len(errs))


# --------------------------------------------------------------- fd limit

@rftest.test
def ringfetch_with_64_descriptors_and_m_200_completes_every_item():
    root = bulk(300, 1024)
    with rftest.Nginx(root) as ng:
        dest = rftest.tempdir()
        urls = ''.join(ng.url('/' + rftest.bulk_name(i)) + '\n' for i in range(300))
        lst = os.path.join(dest, '..', os.path.basename(dest) + '.list')
        with open(lst, 'w') as f:
            f.write(urls)
        try:
            r = rftest.run(['sh', '-c', 'ulimit -n 64 && exec "$@"', 'sh', rftest.bin('ringfetch'),
                            '-m', '200', '-o', dest, '-i', lst, '--stats'], timeout=60)
        finally:
            os.unlink(lst)
    assert r.rc == 0, r.why()
    s = r.stats()
    assert (s['files'], s['ok']) == (300, 300), s
    assert 1 <= s['window'] < 200, 'window %s under a 64-descriptor limit' % s['window']
    rftest.assert_same_files((os.path.join(root, rftest.bulk_name(i)), os.path.join(dest, rftest.bulk_name(i)))
                             for i in range(300))


@rftest.test
def ringfetch_says_when_the_descriptor_limit_shrinks_the_window():
    # engineering.md 2: concurrency knobs are never silently changed.
    with FakeServer.canned(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok') as srv:
        dest = rftest.tempdir()
        r = rftest.run(['sh', '-c', 'ulimit -n 64 && exec "$@"', 'sh', rftest.bin('ringfetch'),
                        '-m', '200', '-o', dest, srv.url('/a')], timeout=30)
    assert r.rc == 0, r.why()
    assert re.search(r'(descriptor|file limit|ulimit|RLIMIT_NOFILE|open files)', r.err, re.I), \
        'no word about the reduced window on stderr: %s' % r.why()


def with_fd_limit(n, prog, *args, timeout=30):
    return rftest.run(['sh', '-c', 'ulimit -n %d && exec "$@"' % n, 'sh', rftest.bin(prog)]
                      + [str(a) for a in args], timeout=timeout)


@rftest.test
def ringfetch_limit_too_low_for_one_request_says_so_once_and_exits_2():
    with FakeServer.canned(ONE, close=False) as srv:
        r = with_fd_limit(5, 'ringfetch', '-o', rftest.tempdir(), '--stats',
                          *[srv.url('/f%d' % i) for i in range(50)])
        accepted = srv.accepted
    assert r.rc == 2, r.why()
    lines = r.err.splitlines()
    assert len(lines) == 1 and re.fullmatch(
        r'ringfetch: the open-file limit is 5 \(ulimit -n\): too low for even one request at a '
        r'time, which needs (\d+) descriptors here; raise it', lines[0]), r.why()
    assert r.out == '' and accepted == 0, r.why()


BIG = b'b' * (600 << 10)  # past RF_DIRECT_MIN_BYTES: the direct path's pipes come into play


@rftest.test
def a_small_descriptor_limit_still_downloads_with_a_clipped_window():
    # Issue 9 item 13: the window uses what the limit allows. The reserve is
    # what the process holds plus what the run adds, not a fixed 32: at
    # ulimit -n 20 three files come down with -m 8 (it used to exit 2).
    with FakeServer.canned(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', close=False) as srv:
        dest = rftest.tempdir()
        r = with_fd_limit(20, 'ringfetch', '-m', 8, '-o', dest, '--stats',
                          *[srv.url('/f%d' % i) for i in range(3)])
    assert r.rc == 0, r.why()
    s = r.stats()
    assert s['ok'] == 3 and 1 <= s['window'] < 8, s
    assert re.search(r'note: 8 concurrent requests reduced to %d: the open-file limit is 20 '
                     % s['window'], r.err), r.why()
    assert sorted(os.listdir(dest)) == ['f0', 'f1', 'f2']
    with FakeServer.canned(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', close=False) as srv:
        r = with_fd_limit(20, 'ringfetch', '-q', '-m', 8, '-o', rftest.tempdir(), srv.url('/q'))
    assert r.rc == 0 and r.err == '', r.why()


@rftest.test
def at_every_small_limit_the_fitted_window_never_runs_out_of_descriptors():
    # The accounting at its edge: from the smallest limit that runs at all
    # upwards, with everything that holds a descriptor besides the window (a
    # list, -x folders, the result log, the trace, big bodies on the direct
    # path's pipes, connections closed after each reply), no EMFILE ever.
    body = b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(BIG) + BIG
    ran = 0
    with FakeServer.canned(body, close=True) as srv:
        d = rftest.tempdir()
        lst = os.path.join(d, 'list')
        with open(lst, 'w') as f:
            f.write(''.join(srv.url('/d%d/f%d' % (i % 3, i)) + '\n' for i in range(12)))
        for n in range(8, 28):
            dest = os.path.join(d, 'out%d' % n)
            r = with_fd_limit(n, 'ringfetch', '-m', 8, '-x', '-o', dest, '-i', lst, '--stats', '--retry', '0',
                              '--log-json', os.path.join(d, 'log%d' % n), '--trace', os.path.join(d, 't%d' % n))
            assert 'Too many open files' not in r.out + r.err, r.why()
            if r.rc == 2:
                assert not ran and 'too low for even one request' in r.err, r.why()
                continue
            assert r.rc == 0, r.why()
            ran += 1
            assert r.stats()['ok'] == 12, r.why()
    assert ran >= 6, 'only %d of the limits 8..27 ran' % ran


@rftest.test
def flags2_limit_too_low_for_one_request_says_so_once_and_exits_2():
    with FakeServer.canned(ONE, close=False) as srv:
        r = with_fd_limit(5, 'flags2', '-a', '--url', srv.url('/flags'), '--dest', rftest.tempdir())
        accepted = srv.accepted
    assert r.rc == 2, r.why()
    assert len(r.err.splitlines()) == 1 and 'open-file limit is 5' in r.err, r.why()
    assert 'Too many open files' not in r.out + r.err and accepted == 0, r.why()


@rftest.test
def ringfetch_quiet_prints_no_note_about_a_reduced_window():
    with FakeServer.canned(ONE) as srv:
        r = with_fd_limit(64, 'ringfetch', '-q', '-m', 200, '-o', rftest.tempdir(), srv.url('/a'))
    assert r.rc == 0 and r.err == '', r.why()


@rftest.test
def window_from_the_limit_is_what_the_readme_says():
    # README: window = min(-m, (limit - held - 5 - later) / 6): here 3 held
    # (stdin, stdout, stderr) and 1 later (the output folder), so (n - 9) / 6;
    # below 15 no request fits.
    for limit, window in ((15, 1), (36, 4), (64, 9), (100, 15)):
        with FakeServer.canned(ONE) as srv:
            r = with_fd_limit(limit, 'ringfetch', '-m', 200, '--stats', '-o', rftest.tempdir(),
                              srv.url('/a'))
        assert r.rc == 0 and r.stats()['window'] == window, (limit, window, r.why())
    with FakeServer.canned(ONE) as srv:
        r = with_fd_limit(14, 'ringfetch', '-o', rftest.tempdir(), srv.url('/a'))
    assert r.rc == 2 and 'which needs 15 descriptors here' in r.err, r.why()


# ------------------------------------------------ destinations that refuse

ONE = b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'


@rftest.test
def ringfetch_read_only_destination_is_named_once_before_any_request():
    with FakeServer.canned(ONE, close=False) as srv, rftest.tmpfs('1m', ro=True) as dest:
        r = ringfetch('-o', dest, '--stats', *[srv.url('/f%d' % i) for i in range(100)])
        left = rftest.leftovers(dest)
        accepted = srv.accepted
    assert r.rc == 2, r.why()
    assert r.err.splitlines() == ['ringfetch: cannot write in folder %s: Read-only file system'
                                  % dest], r.why()
    assert accepted == 0 and left == [] and r.out == '', r.why()


@rftest.test
def flags2_read_only_destination_is_named_once_before_any_request():
    with FakeServer.canned(ONE, close=False) as srv, rftest.tmpfs('1m', ro=True) as dest:
        r = flags2('-v', 'BR', 'CA', '--url', srv.url('/flags'), '--dest', dest)
        accepted = srv.accepted
    assert r.rc == 2, r.why()
    assert r.err.splitlines() == ['flags2: cannot write in folder %s: Read-only file system'
                                  % dest], r.why()
    assert accepted == 0, r.why()


def as_nobody(cmd):
    """cmd run as user and group 65534 (no supplementary groups): root
    writes anywhere, so permissions can only be tested as someone else."""
    if os.geteuid() != 0:
        rftest.skip('needs root to switch to another user')
    setpriv = shutil.which('setpriv')
    if not setpriv:
        rftest.skip('setpriv (util-linux) not installed')
    return [setpriv, '--reuid=65534', '--regid=65534', '--clear-groups'] + cmd


@rftest.test
def ringfetch_destination_without_write_permission_is_named_once_before_any_request():
    d = tempfile.mkdtemp(prefix='rftest-perm-')
    try:
        os.chmod(d, 0o755)           # the parent: searchable by anyone
        dest = os.path.join(d, 'out')
        os.mkdir(dest, 0o755)        # ours (root's): nobody may write in it
        with FakeServer.canned(ONE, close=False) as srv:
            r = rftest.run(as_nobody([rftest.bin('ringfetch'), '-o', dest]
                                     + [srv.url('/f%d' % i) for i in range(100)]), timeout=30)
            accepted = srv.accepted
        assert r.rc == 2, r.why()
        assert r.err.splitlines() == ['ringfetch: cannot write in folder %s: Permission denied'
                                      % dest], r.why()
        assert accepted == 0 and os.listdir(dest) == [], r.why()
    finally:
        shutil.rmtree(d, ignore_errors=True)


@rftest.test
def flags2_destination_without_search_permission_is_named_once_before_any_request():
    d = tempfile.mkdtemp(prefix='rftest-perm-')
    try:
        os.chmod(d, 0o755)
        dest = os.path.join(d, 'out')
        os.mkdir(dest, 0o777)
        os.chmod(dest, 0o666)        # writable but not searchable: no file can be made in it
        with FakeServer.canned(ONE, close=False) as srv:
            r = rftest.run(as_nobody([rftest.bin('flags2'), 'BR', 'CA', '--url',
                                      srv.url('/flags'), '--dest', dest]), timeout=30)
            accepted = srv.accepted
        assert r.rc == 2, r.why()
        assert r.err.splitlines() == ['flags2: cannot write in folder %s: Permission denied'
                                      % dest], r.why()
        assert accepted == 0, r.why()
    finally:
        shutil.rmtree(d, ignore_errors=True)


@rftest.test
def ringfetch_destination_under_a_file_is_reported_and_nothing_is_fetched():
    d = rftest.tempdir()
    plain = os.path.join(d, 'plain')
    with open(plain, 'w') as f:
        f.write('keep me')
    with FakeServer.canned(ONE) as srv:
        r = ringfetch('-o', os.path.join(plain, 'sub'), srv.url('/a'))
        accepted = srv.accepted
    assert r.rc == 2 and 'cannot create folder' in r.err and 'Not a directory' in r.err, r.why()
    assert accepted == 0, 'fetched although the destination cannot exist'
    assert open(plain).read() == 'keep me'


@rftest.test
def ringfetch_destination_that_is_a_file_is_reported_and_left_alone():
    d = rftest.tempdir()
    plain = os.path.join(d, 'plain')
    with open(plain, 'w') as f:
        f.write('keep me')
    with FakeServer.canned(ONE) as srv:
        r = ringfetch('-o', plain, srv.url('/a'))
    assert r.rc == 2 and 'cannot create folder %s: Not a directory' % plain in r.err, r.why()
    assert open(plain).read() == 'keep me'


@rftest.test
def flags2_destination_that_is_a_file_is_reported_and_left_alone():
    d = rftest.tempdir()
    plain = os.path.join(d, 'plain')
    with open(plain, 'w') as f:
        f.write('keep me')
    with FakeServer.canned(ONE) as srv:
        r = flags2('BR', '--url', srv.url('/flags'), '--dest', plain)
    assert r.rc == 2 and 'cannot create folder %s: Not a directory' % plain in r.err, r.why()
    assert open(plain).read() == 'keep me'


# ------------------------------------------------ output that cannot be written

def run_into(cmd, stdout_path='/dev/null', stderr_path=None):
    """Run cmd with stdout (and stderr, when given) opened on a path such as
    /dev/full; returns (rc, the text of the stream that stayed readable)."""
    if not os.path.exists('/dev/full'):
        rftest.skip('no /dev/full here')
    with open(stdout_path, 'wb') as out, tempfile.TemporaryFile() as cap:
        err = open(stderr_path, 'wb') if stderr_path else cap
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, timeout=60)
        finally:
            if stderr_path:
                err.close()
        cap.seek(0)
        return p.returncode, cap.read().decode()


@rftest.test
def ringfetch_stats_into_a_full_stdout_fail_the_run_with_a_message():
    with FakeServer.canned(ONE) as srv:
        rc, err = run_into([rftest.bin('ringfetch'), '--stats', '-o', rftest.tempdir(), srv.url('/a')],
                           '/dev/full')
    assert rc == 1, 'exit %d; stderr %s' % (rc, err)
    assert 'ringfetch: writing to standard output failed: No space left on device' in err, err


@rftest.test
def ringfetch_verbose_lines_into_a_full_stdout_fail_the_run_with_a_message():
    with FakeServer.canned(ONE, close=False) as srv:
        rc, err = run_into([rftest.bin('ringfetch'), '-v', '-o', rftest.tempdir()]
                           + [srv.url('/f%04d' % i) for i in range(300)], '/dev/full')
    assert rc == 1, 'exit %d; stderr %s' % (rc, err[-300:])
    assert err.count('writing to standard output failed: No space left on device') == 1, err[-300:]
    assert summary_counts(err)['files'] == 300, err[-300:]


@rftest.test
def ringfetch_quiet_into_a_full_stdout_loses_nothing_and_succeeds():
    with FakeServer.canned(ONE) as srv:
        rc, err = run_into([rftest.bin('ringfetch'), '-q', '-o', rftest.tempdir(), srv.url('/a')],
                           '/dev/full')
    assert rc == 0 and err == '', 'exit %d; stderr %s' % (rc, err)


@rftest.test
def flags2_report_into_a_full_stdout_fails_the_run_with_a_message():
    with FakeServer.canned(ONE) as srv:
        rc, err = run_into([rftest.bin('flags2'), 'BR', '--url', srv.url('/flags'),
                            '--dest', rftest.tempdir()], '/dev/full')
    assert rc == 1, 'exit %d; stderr %s' % (rc, err)
    assert 'flags2: writing to standard output failed: No space left on device' in err, err


@rftest.test
def flags2_stats_into_a_full_stderr_fail_the_run():
    # The JSON of flags2 --stats goes to stderr: nowhere left to say it was
    # lost, but the exit status does.
    with FakeServer.canned(ONE) as srv:
        rc, _ = run_into([rftest.bin('flags2'), '--stats', 'BR', '--url', srv.url('/flags'),
                          '--dest', rftest.tempdir()], '/dev/null', '/dev/full')
    assert rc == 1, 'exit %d' % rc


# ----------------------------------------------------------- name collisions
# Decision (documented in tests/corpus/README.md and ringfetch --help): a file
# already in the destination is overwritten, atomically, once the new body is
# complete; within one run, a second URL with the same output name is an error.

@rftest.test
def existing_file_is_replaced_only_by_a_complete_body():
    dest = rftest.tempdir()
    with open(os.path.join(dest, 'a'), 'wb') as f:
        f.write(b'OLD CONTENT')
    with FakeServer.canned(ONE) as srv:
        r = ringfetch('-o', dest, srv.url('/a'))
    assert r.rc == 0, r.why()
    assert open(os.path.join(dest, 'a'), 'rb').read() == b'hello'


@rftest.test
def existing_file_survives_a_failed_download():
    dest = rftest.tempdir()
    with open(os.path.join(dest, 'a'), 'wb') as f:
        f.write(b'OLD CONTENT')
    with FakeServer.truncating(1000) as srv:
        r = ringfetch('-o', dest, srv.url('/a'))
    assert r.rc == 1, r.why()
    assert open(os.path.join(dest, 'a'), 'rb').read() == b'OLD CONTENT'
    assert rftest.leftovers(dest) == ['a']


@rftest.test
def a_users_own_part_file_is_left_alone():
    # NAME.part is the user's file, not ours: it is neither used, nor
    # overwritten, nor removed (issue 9 item 1).
    dest = rftest.tempdir()
    with open(os.path.join(dest, 'a.part'), 'wb') as f:
        f.write(b'x' * 100000)
    with FakeServer.canned(ONE) as srv:
        r = ringfetch('-o', dest, srv.url('/a'))
    assert r.rc == 0, r.why()
    assert rftest.leftovers(dest) == ['a', 'a.part'], rftest.leftovers(dest)
    assert open(os.path.join(dest, 'a'), 'rb').read() == b'hello'
    assert open(os.path.join(dest, 'a.part'), 'rb').read() == b'x' * 100000


@rftest.test
def directory_in_the_way_of_the_name_is_an_error_and_no_part_is_left():
    dest = rftest.tempdir()
    os.mkdir(os.path.join(dest, 'a'))
    with FakeServer.canned(ONE) as srv:
        r = ringfetch('-o', dest, '--stats', srv.url('/a'))
    assert r.rc == 1 and r.stats()['errors'] == 1, r.why()
    assert 'ERR %s: cannot write %s/a: Is a directory' % (srv.url('/a'), dest) in r.err, r.why()
    assert rftest.leftovers(dest) == [] and os.path.isdir(os.path.join(dest, 'a'))


@rftest.test
def same_output_name_twice_in_one_run_is_an_error_not_an_overwrite():
    dest = rftest.tempdir()
    with FakeServer.canned(ONE) as srv:
        r = ringfetch('-o', dest, '--stats', srv.url('/x/a'), srv.url('/y/a'))
    assert r.rc == 1, r.why()
    s = r.stats()
    assert (s['files'], s['ok'], s['errors']) == (2, 1, 1), s
    assert 'duplicate output name' in r.err, r.why()


# ------------------------------------------------------------------- SIGINT

class SlowServer(FakeServer):
    """Keep-alive; each answer (1000 bytes) comes after `delay` seconds."""

    def __init__(self, delay):
        super().__init__()
        self.delay = delay

    def handle(self, conn):
        for _ in rftest.requests(conn):
            time.sleep(self.delay)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' + b's' * 1000)


def interrupt_after(cmd, seconds, sig=signal.SIGINT, stdin=subprocess.DEVNULL):
    """Run cmd, send it sig (SIGINT) after `seconds`; returns (rc, out, err,
    seconds from the signal to the exit)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err)
        try:
            time.sleep(seconds)
            assert p.poll() is None, 'ended before the interrupt'
            p.send_signal(sig)
            t0 = time.monotonic()
            rc = p.wait(10)
            took = time.monotonic() - t0
        finally:
            if p.poll() is None:
                p.kill()   # our own child, by pid
                p.wait()
        out.seek(0)
        err.seek(0)
        return rc, out.read().decode(), err.read().decode(), took


@rftest.test
def ringfetch_sigint_stops_promptly_with_a_partial_report_and_exit_130():
    dest = rftest.tempdir()
    with SlowServer(0.2) as srv:
        rc, out, err, took = interrupt_after(
            [rftest.bin('ringfetch'), '-m', '4', '-o', dest, '--stats']
            + [srv.url('/f%03d' % i) for i in range(200)], 1.2)
    assert rc == 130, 'exit %d; stderr %s' % (rc, err[-300:])
    assert took < 2, 'took %.1fs to stop' % took
    files = rftest.leftovers(dest)
    no_part_files(dest)
    s = summary_counts(err)
    stats = [l for l in out.splitlines() if l.startswith('{')]
    import json
    j = json.loads(stats[-1])
    assert j['ok'] == len(files), 'ok %d but %d files on disk' % (j['ok'], len(files))
    assert 0 < j['ok'] < 200, j
    assert s['files'] == j['files'] == j['ok'] + j['errors'] + j['not_found'] + s['cancelled'], (s, j)
    assert s['cancelled'] >= 1 and s['errors'] == 0, s


def ringfetch_stops_on(sig, want_rc):
    dest = rftest.tempdir()
    with SlowServer(0.2) as srv:
        rc, out, err, took = interrupt_after(
            [rftest.bin('ringfetch'), '-m', '4', '-o', dest, '--stats']
            + [srv.url('/f%03d' % i) for i in range(200)], 1.2, sig)
    assert rc == want_rc, 'exit %d, expected %d; stderr %s' % (rc, want_rc, err[-300:])
    assert took < 2, 'took %.1fs to stop' % took
    files = rftest.leftovers(dest)
    no_part_files(dest)
    s = summary_counts(err)
    import json
    j = json.loads([l for l in out.splitlines() if l.startswith('{')][-1])
    assert j['ok'] == len(files) and 0 < j['ok'] < 200, (j, len(files))
    assert s['cancelled'] >= 1 and s['errors'] == 0, s


@rftest.test
def ringfetch_sigterm_stops_like_sigint_with_exit_143():
    ringfetch_stops_on(signal.SIGTERM, 143)


@rftest.test
def ringfetch_sighup_stops_like_sigint_with_exit_129():
    ringfetch_stops_on(signal.SIGHUP, 129)


def flags2_stops_on(sig, want_rc, *extra):
    dest = rftest.tempdir()
    with SlowServer(0.2) as srv:
        rc, out, err, took = interrupt_after(
            [rftest.bin('flags2'), '-a', '-m', '4', '--url', srv.url('/flags'), '--dest', dest]
            + list(extra), 1.2, sig)
    assert rc == want_rc, 'exit %d, expected %d; stdout %s' % (rc, want_rc, out[-300:])
    assert took < 2, 'took %.1fs to stop' % took
    files = rftest.leftovers(dest)
    no_part_files(dest)
    lines = out.splitlines()
    assert '%d flags downloaded.' % len(files) in lines, (files, lines[-5:])
    m = [x for x in (re.match(r'\*\*\* Interrupted: (\d+) of 194 codes not done\.$', l)
                     for l in lines) if x]
    assert len(m) == 1 and int(m[0].group(1)) == 194 - len(files), (lines[-5:], len(files))
    assert 0 < len(files) < 194


@rftest.test
def flags2_sigterm_stops_like_sigint_with_exit_143():
    flags2_stops_on(signal.SIGTERM, 143)


@rftest.test
def flags2_sighup_stops_like_sigint_with_exit_129():
    flags2_stops_on(signal.SIGHUP, 129)


@rftest.test
def flags3_sigterm_stops_like_sigint_with_exit_143():
    # SlowServer answers metadata.json with 1000 's' bytes: not JSON, so every
    # code ends in a metadata error; what matters is how the run stops.
    dest = rftest.tempdir()
    with SlowServer(0.2) as srv:
        rc, out, err, took = interrupt_after(
            [rftest.bin('flags2'), '--flags3', '-a', '-m', '4', '--url', srv.url('/flags'),
             '--dest', dest], 1.2, signal.SIGTERM)
    assert rc == 143, 'exit %d; stdout %s' % (rc, out[-300:])
    assert took < 2, 'took %.1fs to stop' % took
    no_part_files(dest)
    assert any(l.startswith('*** Interrupted: ') for l in out.splitlines()), out[-300:]


@rftest.test
def ringfetch_interrupted_while_waiting_for_stdin_is_a_stop_not_a_read_error():
    # The list on stdin is a pipe nobody writes to: ringfetch blocks reading it.
    rd, wr = os.pipe()
    try:
        rc, out, err, took = interrupt_after(
            [rftest.bin('ringfetch'), '-i', '-', '-o', rftest.tempdir()], 0.5, stdin=rd)
    finally:
        os.close(rd)
        os.close(wr)
    assert rc == 130, 'exit %d; stderr %s' % (rc, err[-300:])
    assert 'failed' not in err, err[-300:]
    assert summary_counts(err)['files'] == 0, err[-300:]


@rftest.test
def flags2_sigint_stops_promptly_with_a_partial_report_and_exit_130():
    dest = rftest.tempdir()
    with SlowServer(0.2) as srv:
        rc, out, err, took = interrupt_after(
            [rftest.bin('flags2'), '-a', '-m', '4', '--url', srv.url('/flags'), '--dest', dest], 1.2)
    assert rc == 130, 'exit %d; stdout %s' % (rc, out[-300:])
    assert took < 2, 'took %.1fs to stop' % took
    files = rftest.leftovers(dest)
    no_part_files(dest)
    lines = out.splitlines()
    assert '%d flags downloaded.' % len(files) in lines, (files, lines[-5:])
    m = [re.match(r'\*\*\* Interrupted: (\d+) of 194 codes not done\.$', l) for l in lines]
    m = [x for x in m if x]
    assert len(m) == 1, lines[-5:]
    assert int(m[0].group(1)) == 194 - len(files), (m[0].group(0), len(files))
    assert 0 < len(files) < 194


# ------------------------------------------------------------- usage errors

RINGFETCH_USAGE_ERRORS = [
    ([], 'no URL given'),
    (['-m', '0', 'http://h/a'], '-m N must be a whole number from 1 to 10000'),
    (['-m', '100000', 'http://h/a'], '-m N must be a whole number from 1 to 10000'),
    (['-m', 'x', 'http://h/a'], "not 'x'"),
    (['-m', '', 'http://h/a'], '-m N must be a whole number'),
    (['--timeout', '0', 'http://h/a'], '--timeout S must be a number of seconds > 0'),
    (['--timeout', 'nan', 'http://h/a'], '--timeout S must be a number of seconds > 0'),
    (['-q', '-v', 'http://h/a'], '-q and -v cannot be used together'),
    (['--bogus', 'http://h/a'], "unknown option '--bogus'"),
    (['-Z', 'http://h/a'], "unknown option '-Z'"),
    (['--quiet=1', 'http://h/a'], "option '--quiet' takes no value"),
    (['-o'], '-o needs a value'),
    (['-i'], '-i needs a value'),
    (['-o', '', 'http://h/a'], '-o DIR must not be empty'),
    (['-i', '', 'http://h/a'], '-i FILE must not be empty'),
    # The downloader options (issue 11): each bad value names its option.
    (['--max-redirs', '-1', 'http://h/a'], "--max-redirs N must be a whole number from 0 to 1000, not '-1'"),
    (['--max-redirs', '1001', 'http://h/a'], '--max-redirs N must be a whole number from 0 to 1000'),
    (['--max-redirs', 'ten', 'http://h/a'], "--max-redirs N must be a whole number from 0 to 1000, not 'ten'"),
    (['--retry', '', 'http://h/a'], "--retry N must be a whole number from 0 to 1000, not ''"),
    (['--retry', '3x', 'http://h/a'], "--retry N must be a whole number from 0 to 1000, not '3x'"),
    (['--retry', ' 3', 'http://h/a'], "--retry N must be a whole number from 0 to 1000, not ' 3'"),
    (['--retry-delay', '0', 'http://h/a'], "--retry-delay S must be a number of seconds > 0 and at most 86400, not '0'"),
    (['--retry-delay', '-1', 'http://h/a'], "--retry-delay S must be a number of seconds > 0"),
    (['--retry-delay', 'inf', 'http://h/a'], "--retry-delay S must be a number of seconds > 0"),
    (['--retry-max-delay', '86401', 'http://h/a'], "--retry-max-delay S must be a number of seconds > 0 and at most 86400, not '86401'"),
    (['--retry-delay', '5', '--retry-max-delay', '2', 'http://h/a'], '--retry-max-delay S must not be less than --retry-delay'),
    (['--max-per-host', '0', 'http://h/a'], "--max-per-host N must be a whole number from 1 to 10000, not '0'"),
    (['--max-per-host', 'x', 'http://h/a'], "--max-per-host N must be a whole number from 1 to 10000, not 'x'"),
    (['--pipeline', '0', 'http://h/a'], "--pipeline D must be a whole number from 1 to 256, not '0'"),
    (['--pipeline', '257', 'http://h/a'], "--pipeline D must be a whole number from 1 to 256, not '257'"),
    (['-H', 'NoColon', 'http://h/a'], "-H 'NoColon' must be 'Name: value' (a ':' right after the name)"),
    (['-H', ': v', 'http://h/a'], "-H ': v' must start with a header name"),
    (['-H', 'X-A: a\r\nX-B: b', 'http://h/a'], 'holds a control character (CR, LF...) in its value'),
    (['-H', 'X A: b', 'http://h/a'], "must be 'Name: value'"),
    (['-A', 'ua\nX: y', 'http://h/a'], '-A UA holds a control character'),
    (['-H', 'X: ' + 'v' * 5000, 'http://h/a'], '-H and -A add more than 4096 bytes to every request'),
    (['--user', '', 'http://h/a'], '--user needs a user name before'),
    (['--user', ':pw', 'http://h/a'], '--user needs a user name before'),
    (['--log-json', '', 'http://h/a'], '--log-json FILE must not be empty'),
    (['--shard', '3/3', 'http://h/a'], "--shard K/N needs whole numbers with 0 <= K < N <= 1000000, not '3/3'"),
    (['--shard', '0/0', 'http://h/a'], "not '0/0'"),
    (['--shard', '1', 'http://h/a'], "not '1'"),
    (['--shard', '-1/2', 'http://h/a'], "not '-1/2'"),
    (['--shard', '0/2x', 'http://h/a'], "not '0/2x'"),
    (['--progress=bars', 'http://h/a'], "--progress must be bar, bar:force, dot or none, not 'bars'"),
    (['--progress', 'http://h/a'], "--progress must be bar, bar:force, dot or none, not 'http://h/a'"),
    (['--retry'], '--retry needs a value'),
    (['--max-per-host'], '--max-per-host needs a value'),
    (['-H'], '-H needs a value'),
    (['--user'], '--user needs a value'),
    (['--shard'], '--shard needs a value'),
    (['--allow-downgrade=yes', 'http://h/a'], "option '--allow-downgrade' takes no value"),
    (['--discard', '-x', 'http://h/a'], '--discard saves nothing: -x cannot go with it'),
    (['--discard', '--skip-existing', 'http://h/a'], '--discard saves nothing: --skip-existing cannot go with it'),
]


@rftest.test
def ringfetch_usage_errors_exit_2_with_message_and_usage():
    bad = []
    assert len(RINGFETCH_USAGE_ERRORS) == len({tuple(a) for a, _ in RINGFETCH_USAGE_ERRORS})
    for args, words in RINGFETCH_USAGE_ERRORS:
        r = ringfetch(*args, timeout=10)
        if r.rc != 2 or words not in r.err or RINGFETCH_USAGE not in r.err or r.out:
            bad.append(r.why())
    assert not bad, ' || '.join(bad)


FLAGS2_USAGE_ERRORS = [
    (['-m', '0'], '*** Usage error: --max_req CONCURRENT must be >= 1'),
    (['-m', '-3'], '*** Usage error: --max_req CONCURRENT must be >= 1'),
    (['-l', '0'], '*** Usage error: --limit N must be >= 1'),
    (['-s', 'NOPE'], '*** Usage error: --server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE'),
    (['B1'], '*** Usage error: each CC argument must be A to Z or AA to ZZ.'),
    (['ABC'], '*** Usage error: each CC argument must be A to Z or AA to ZZ.'),
    (['-m', 'x'], "argument -m/--max_req: invalid int value: 'x'"),
    (['--bogus'], 'unrecognized arguments: --bogus'),
    (['-m'], 'argument -m/--max_req: expected one argument'),
]


@rftest.test
def flags2_usage_errors_exit_2_with_message_and_usage():
    bad = []
    for args, words in FLAGS2_USAGE_ERRORS:
        r = flags2('--dest', rftest.tempdir(), *args, timeout=10)
        both = r.out + r.err
        if r.rc != 2 or words not in both or FLAGS2_USAGE not in both:
            bad.append(r.why())
    assert not bad, ' || '.join(bad)


@rftest.test
def flags2_m_100000_is_accepted_and_capped_by_the_codes():
    # Not an error in the spec: connections = min(-m, 1000, number of codes).
    r = flags2('-m', '100000', '-e', '--url', 'http://127.0.0.1:%d/flags' % rftest.free_port(),
               '--dest', rftest.tempdir(), timeout=60)
    assert '676 concurrent connections will be used.' in r.out.splitlines(), r.why()
    assert r.rc == 1 and '676 errors.' in r.out.splitlines(), r.why()


# ------------------------------------------------------------ URL lists

@rftest.test
def malformed_urls_in_a_list_are_reported_by_line_and_the_rest_proceeds():
    dest = rftest.tempdir()
    with FakeServer.canned(ONE, close=False) as srv:
        lines = [
            '# a comment',                        # 1
            srv.url('/good1'),                    # 2
            'ftp://example.com/x',                # 3
            'not a url',                          # 4
            '',                                   # 5
            srv.url('/a%2fb'),                    # 6
            'http://[::1/x',                      # 7
            'http://127.0.0.1:99999/x',           # 8
            'http://127.0.0.1:/x',                # 9
            'http://h/' + 'a' * 5000,             # 10
            '   ' + srv.url('/good2') + '   ',    # 11
        ]
        lst = os.path.join(rftest.tempdir(), 'list')
        with open(lst, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        r = ringfetch('-o', dest, '-i', lst, '--stats')
    assert r.rc == 1, r.why()
    errs = [l for l in r.err.splitlines() if l.startswith('ERR ')]
    got = sorted(int(m.group(1)) for m in (re.match(r'ERR line (\d+): bad URL', l) for l in errs) if m)
    assert got == [3, 4, 6, 7, 8, 9, 10], errs
    assert sorted(rftest.leftovers(dest)) == ['good1', 'good2'], rftest.leftovers(dest)
    s = r.stats()
    assert (s['files'], s['ok'], s['errors']) == (9, 2, 7), s


@rftest.test
def missing_list_file_is_a_usage_error():
    r = ringfetch('-i', '/nonexistent/list.txt', '-o', rftest.tempdir())
    assert r.rc == 2 and 'cannot read list /nonexistent/list.txt: No such file or directory' in r.err, r.why()


@rftest.test
def list_that_is_a_directory_is_a_usage_error_with_the_reason_before_any_request():
    d = rftest.tempdir()
    with FakeServer.canned(ONE) as srv:
        r = ringfetch('-i', d, '-o', os.path.join(d, 'out'), srv.url('/a'))
        accepted = srv.accepted
    assert r.rc == 2 and 'ringfetch: cannot read list %s: Is a directory' % d in r.err, r.why()
    assert accepted == 0, 'a request went out before the list was found unreadable'


@rftest.test
def stdin_that_is_a_directory_is_a_usage_error_with_the_reason():
    d = rftest.tempdir()
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        p = subprocess.run([rftest.bin('ringfetch'), '-i', '-', '-o', os.path.join(d, 'out')],
                           stdin=fd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    finally:
        os.close(fd)
    err = p.stderr.decode()
    assert p.returncode == 2 and 'cannot read list -: Is a directory' in err, (p.returncode, err)


@rftest.test
def list_without_read_permission_is_a_usage_error_with_the_reason():
    d = tempfile.mkdtemp(prefix='rftest-perm-')
    try:
        os.chmod(d, 0o755)
        lst = os.path.join(d, 'list')
        with open(lst, 'w') as f:
            f.write('http://127.0.0.1:9/a\n')
        os.chmod(lst, 0o600)         # root's own: user 65534 may not read it
        r = rftest.run(as_nobody([rftest.bin('ringfetch'), '-i', lst, '-o', os.path.join(d, 'out')]),
                       timeout=30)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert r.rc == 2 and 'cannot read list %s: Permission denied' % lst in r.err, r.why()


@rftest.test
def list_that_opens_but_cannot_be_read_is_a_usage_error_with_the_reason():
    # /proc/self/mem opens as a regular file, and reading its offset 0 fails (EIO).
    with FakeServer.canned(ONE) as srv:
        r = ringfetch('-i', '/proc/self/mem', '-o', rftest.tempdir(), srv.url('/a'))
        accepted = srv.accepted
    assert r.rc == 2, r.why()
    assert 'cannot read list /proc/self/mem: Input/output error' in r.err, r.why()
    assert accepted == 0, 'a request went out before the list was found unreadable'


class LoggingServer(FakeServer):
    """Keep-alive; answers every request with ONE and records its path."""

    def __init__(self):
        super().__init__()
        self.paths = []

    def handle(self, conn):
        for head in rftest.requests(conn):
            self.paths.append(head.split(b' ')[1].decode())
            conn.sendall(ONE)


@rftest.test
def two_lists_are_both_read_in_order():
    d = rftest.tempdir()
    with LoggingServer() as srv:
        a, b = os.path.join(d, 'a.txt'), os.path.join(d, 'b.txt')
        with open(a, 'w') as f:
            f.write(srv.url('/a1') + '\n' + srv.url('/a2') + '\n')
        with open(b, 'w') as f:
            f.write(srv.url('/b1') + '\nftp://x/y\n' + srv.url('/b2') + '\n')
        r = ringfetch('-m', 1, '-i', a, '-i', b, '-o', os.path.join(d, 'out'), '--stats')
        paths = list(srv.paths)
    assert r.rc == 1, r.why()
    assert paths == ['/a1', '/a2', '/b1', '/b2'], paths
    assert sorted(rftest.leftovers(os.path.join(d, 'out'))) == ['a1', 'a2', 'b1', 'b2']
    s = r.stats()
    assert (s['files'], s['ok'], s['errors']) == (5, 4, 1), s
    # With several lists, an error names the list as well as the line.
    assert 'ERR line 2 of %s: bad URL' % b in r.err, r.why()


@rftest.test
def second_list_unreadable_stops_the_run_before_any_request():
    d = rftest.tempdir()
    with FakeServer.canned(ONE) as srv:
        a = os.path.join(d, 'a.txt')
        with open(a, 'w') as f:
            f.write(srv.url('/a1') + '\n')
        r = ringfetch('-i', a, '-i', os.path.join(d, 'missing.txt'), '-o', os.path.join(d, 'out'))
        accepted = srv.accepted
    assert r.rc == 2 and 'cannot read list %s/missing.txt: No such file' % d in r.err, r.why()
    assert accepted == 0


@rftest.test
def empty_list_fetches_nothing_and_succeeds():
    d = rftest.tempdir()
    lst = os.path.join(d, 'empty')
    open(lst, 'w').close()
    r = ringfetch('-i', lst, '-o', os.path.join(d, 'out'), '--stats')
    assert r.rc == 0 and r.stats()['files'] == 0, r.why()
    r = ringfetch('-i', '-', '-o', os.path.join(d, 'out'), '--stats')
    assert r.rc == 0 and r.stats()['files'] == 0, r.why()


@rftest.test
def ringfetch_unresolvable_host_is_an_error_naming_the_host():
    dest = rftest.tempdir()
    r = ringfetch('-o', dest, '--stats', 'http://no-such-host.invalid/a', timeout=60)
    assert r.rc == 1 and r.stats()['errors'] == 1, r.why()
    assert 'could not resolve host no-such-host.invalid' in r.err, r.why()
    assert rftest.leftovers(dest) == []


@rftest.test
def flags2_unresolvable_host_counts_every_code_as_error():
    dest = rftest.tempdir()
    r = flags2('-v', 'BR', 'CA', 'DE', '--url', 'http://no-such-host.invalid/flags', '--dest', dest, timeout=60)
    out = r.out.splitlines()
    assert r.rc == 1 and '3 errors.' in out, r.why()
    # the resolver's reason follows in parentheses
    assert any(l.startswith('*** Error for BR: could not resolve host no-such-host.invalid (') for l in out), \
        r.why()


@rftest.test
def refused_port_fails_its_items_and_the_rest_proceeds():
    dest = rftest.tempdir()
    dead = 'http://127.0.0.1:%d' % rftest.free_port()
    with FakeServer.canned(ONE, close=False) as srv:
        r = ringfetch('-o', dest, '--stats', dead + '/a', srv.url('/b'), dead + '/c', srv.url('/d'))
    s = r.stats()
    assert r.rc == 1 and (s['files'], s['ok'], s['errors']) == (4, 2, 2), r.why()
    assert sorted(rftest.leftovers(dest)) == ['b', 'd']
    assert r.err.count('Connection refused') == 2, r.why()


if __name__ == '__main__':
    rftest.main()
