#!/usr/bin/env python3
"""The direct path (issue 13, item 2): a plain-HTTP body of known length
with at least 256 KiB still to come after its first buffer goes socket ->
pipe -> file by splice on the ring, never through user space, and its file
is preallocated from 1 MiB on (fallocate, FALLOC_FL_KEEP_SIZE). These tests hold it to
everything the buffer path promises: byte-identical files, a failure in
the middle (a close, a reset, a stall, a full disk) leaves no file and is
one error naming the item, a kept-alive or pipelined connection goes on
after a spliced body, a resumed part is completed. The fallbacks are
forced by the environment switches (RINGFETCH_RING_DISABLE=splice,
RINGFETCH_SINK_DISABLE=fallocate) and must give the same files.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer, RouteServer, reply  # noqa: E402

MIB = 1 << 20
SIZE = 4 * MIB + 12345           # a few pipes' worth, not a round number
SPLICES = rftest.BACKEND != 'epoll'  # the epoll backend has no splice: buffers all the way

_corpus = {}


def corpus():
    """Three SIZE files and a small one, made once (build/mkcorpus)."""
    if 'root' not in _corpus:
        root = rftest.make_bulk_corpus(rftest.session_dir('rftest-direct-'), 3, SIZE)
        with open(os.path.join(root, 'small.bin'), 'wb') as f:
            f.write(b'small\n' * 100)
        _corpus['root'] = root
    return _corpus['root']


def body(n):
    """n bytes that are not all alike (a misplaced block shows)."""
    return (bytes(range(256)) * (n // 256 + 1))[:n]


def ringfetch(*args, env=None, timeout=60):
    return rftest.run([rftest.bin('ringfetch')] + [str(a) for a in args], env=env, timeout=timeout)


def same(path, data):
    with open(path, 'rb') as f:
        got = f.read()
    assert got == data, '%s: %d bytes, differ from byte %d' % (
        path, len(got), next((i for i, (a, b) in enumerate(zip(got, data)) if a != b), min(len(got), len(data))))


def fetch_corpus(env=None, extra=()):
    root = corpus()
    dest = rftest.tempdir()
    names = [rftest.bulk_name(i) for i in range(3)] + ['small.bin']
    with rftest.Nginx(root) as ng:
        r = ringfetch('-m', 2, '-o', dest, '--stats', *extra, *[ng.url('/' + n) for n in names], env=env)
    assert r.rc == 0, r.why()
    rftest.assert_same_files((os.path.join(root, n), os.path.join(dest, n)) for n in names)
    assert rftest.leftovers(dest) == sorted(names), rftest.leftovers(dest)
    return r.stats()


@rftest.test
def big_bodies_are_spliced_into_identical_files():
    s = fetch_corpus()
    if SPLICES:
        assert 'splice' in s['features'].split(), s['features']
        assert s['direct_bodies'] == 3, s
        # All but what came with the headers, in each of the three.
        assert 3 * (SIZE - 65536) <= s['spliced_bytes'] <= 3 * SIZE, s
    else:
        assert s['direct_bodies'] == 0 and s['spliced_bytes'] == 0, s
    assert s['preallocated'] == 3, s  # the small one is not


@rftest.test
def with_splice_disabled_the_same_files_come_through_buffers():
    s = fetch_corpus(env={'RINGFETCH_RING_DISABLE': 'splice'})
    assert 'splice' not in s['features'].split(), s['features']
    assert s['direct_bodies'] == 0 and s['spliced_bytes'] == 0, s
    assert s['preallocated'] == 3, s


@rftest.test
def with_fallocate_disabled_nothing_is_preallocated():
    s = fetch_corpus(env={'RINGFETCH_SINK_DISABLE': 'fallocate'})
    assert s['preallocated'] == 0, s
    assert s['direct_bodies'] == (3 if SPLICES else 0), s


@rftest.test
def a_close_in_the_middle_is_a_truncated_body_and_leaves_no_file():
    dest = rftest.tempdir()
    with FakeServer.truncating(SIZE, 2 * MIB + 7) as srv:
        url = srv.url('/cut.bin')
        r = ringfetch('--retry', 0, '-o', dest, '--stats', url)
    assert r.rc == 1, r.why()
    errs = [l for l in r.err.splitlines() if l.startswith('ERR ')]
    assert errs == ['ERR %s: truncated body: connection closed after %d body bytes' % (url, 2 * MIB + 7)], r.why()
    s = r.stats()
    assert (s['files'], s['ok'], s['errors']) == (1, 0, 1), s
    assert s['direct_bodies'] == (1 if SPLICES else 0), s
    assert rftest.leftovers(dest) == [], rftest.leftovers(dest)


@rftest.test
def a_stall_in_the_middle_times_out_and_leaves_no_file():
    # The splice from the socket is blocked in the kernel when the deadline
    # passes: cancelling it must end the item, and the run, at once.
    dest = rftest.tempdir()
    with FakeServer.truncating(SIZE, 2 * MIB, hold=True) as srv:
        url = srv.url('/stall.bin')
        r = ringfetch('--retry', 0, '--timeout', 1, '-o', dest, '--stats', url, timeout=30)
    assert not r.timed_out and r.rc == 1, r.why()
    assert r.elapsed < 10, 'took %.1f s' % r.elapsed
    errs = [l for l in r.err.splitlines() if l.startswith('ERR ')]
    assert len(errs) == 1 and errs[0].startswith('ERR %s: ' % url) and 'timed out' in errs[0], r.why()
    assert r.stats()['direct_bodies'] == (1 if SPLICES else 0), r.stats()
    assert rftest.leftovers(dest) == [], rftest.leftovers(dest)


@rftest.test
def a_reset_in_the_middle_is_retried_and_the_file_is_whole():
    data = body(SIZE)

    def flaky(req, conn):
        head = b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % SIZE
        if req.nth == 1:
            conn.sendall(head + data[:3 * MIB])
            rftest.reset(conn)
            return False
        conn.sendall(head + data)
        return True
    dest = rftest.tempdir()
    with RouteServer({'/flaky.bin': flaky}) as srv:
        r = ringfetch('--retry', 2, '--retry-delay', '0.05', '-o', dest, '--stats', srv.url('/flaky.bin'))
    assert r.rc == 0, r.why()
    same(os.path.join(dest, 'flaky.bin'), data)
    s = r.stats()
    assert s['attempts'] == 2 and s['retries'] == 1, s
    assert s['direct_bodies'] == (2 if SPLICES else 0), s
    assert rftest.leftovers(dest) == ['flaky.bin']


def keepalive_run(*extra):
    a, c = body(SIZE), body(2 * MIB + 3)[::-1]
    routes = {'/a.bin': reply(200, a), '/b.bin': reply(200, b'bee' * 10), '/c.bin': reply(200, c)}
    dest = rftest.tempdir()
    with RouteServer(routes) as srv:
        r = ringfetch('-m', 1, '-o', dest, '--stats', *extra, *[srv.url(p) for p in ('/a.bin', '/b.bin', '/c.bin')])
        conns = srv.accepted
    assert r.rc == 0, r.why()
    same(os.path.join(dest, 'a.bin'), a)
    same(os.path.join(dest, 'b.bin'), b'bee' * 10)
    same(os.path.join(dest, 'c.bin'), c)
    s = r.stats()
    assert s['direct_bodies'] == (2 if SPLICES else 0), s
    return s, conns


@rftest.test
def the_connection_is_kept_alive_after_a_spliced_body():
    s, conns = keepalive_run()
    assert conns == 1 and s['connects'] == 1 and s['reused'] == 2, (conns, s)


@rftest.test
def a_pipelined_answer_right_after_a_spliced_body_is_read_whole():
    # The answers behind a spliced one sit in the socket: the splice must
    # take exactly its body's bytes and leave the next answer to the parser.
    s, conns = keepalive_run('--pipeline', 3)
    assert conns == 1 and s['connects'] == 1, (conns, s)


@rftest.test
def a_full_disk_in_the_middle_names_the_file_and_leaves_nothing():
    root = corpus()
    with rftest.Nginx(root) as ng, rftest.tmpfs('1m') as dest:
        url = ng.url('/' + rftest.bulk_name(0))
        r = ringfetch('--retry', 0, '-o', dest, '--stats', url)
        left = os.listdir(dest)
    assert r.rc == 1, r.why()
    errs = [l for l in r.err.splitlines() if l.startswith('ERR ')]
    assert len(errs) == 1 and re.match(r'ERR %s: cannot write %s/%s: No space left on device$' % (
        re.escape(url), re.escape(dest), rftest.bulk_name(0)), errs[0]), r.why()
    assert left == [], left


@rftest.test
def a_resumed_part_is_appended_to_through_the_pipe():
    import urllib.request
    root = corpus()
    name = rftest.bulk_name(1)
    with open(os.path.join(root, name), 'rb') as f:
        data = f.read()
    dest = rftest.tempdir()
    have = MIB + 99
    part = os.path.join(dest, name + '.part')
    with rftest.Nginx(root) as ng:
        url = ng.url('/' + name)
        etag = urllib.request.urlopen(urllib.request.Request(url, method='HEAD')).headers['ETag']
        # A part as an interrupted -c run leaves it: the first bytes, and the
        # validator they came with.
        with open(part, 'wb') as f:
            f.write(data[:have])
        try:
            os.setxattr(part, 'user.ringfetch.validator', etag.encode())
        except OSError as e:
            rftest.skip('no user xattrs on %s (%s)' % (dest, e))
        r = ringfetch('-c', '-o', dest, '--stats', url)
    assert r.rc == 0, r.why()
    same(os.path.join(dest, name), data)
    assert rftest.leftovers(dest) == [name], rftest.leftovers(dest)
    s = r.stats()
    # Appended (a 206 for the rest), not started over: never more than the rest came.
    assert s['bytes'] <= SIZE - have, s
    assert s['direct_bodies'] == (1 if SPLICES else 0), s
    if SPLICES:
        assert SIZE - have - 65536 <= s['spliced_bytes'] <= SIZE - have, s


if __name__ == '__main__':
    rftest.main()
