"""What the front ends print in each mode, byte for byte (issue 9, item 19).

ringfetch: `-v` adds one `OK URL -> PATH (N bytes)` line per saved file on
stdout; the default prints errors and the summary on stderr; `-q` prints only
the errors (no summary, no note). flags2: `-v` adds one line per code
(`CC OK`, `CC not found`, `*** Error for CC: ...`) between its header and its
report; without it, none. Item lines come in the order the items complete
(at -m 1 too: a file's close and rename overlap the next request), so each
line is checked byte for byte, their order is not.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer  # noqa: E402

BODIES = {
    '/a.bin': b'hello',
    '/sub/b.bin': bytes(range(256)) * 40,
    '/empty.bin': b'',
    '/flags/br/br.gif': b'GIF89a-br' * 100,
    '/flags/cn/cn.gif': b'GIF89a-cn' * 77,
}
BUSY = {'/busy.bin', '/flags/zz/zz.gif'}          # 503
SUMMARY = re.compile(r'^\d+ files?, .* in \d+\.\d\ds \(.*\)$')


class PathServer(FakeServer):
    """Keep-alive server: 200 with BODIES[path], 503 for BUSY, else 404."""

    def handle(self, conn):
        for head in rftest.requests(conn):
            path = head.split(b' ')[1].decode()
            if path in BODIES:
                status, body = b'200 OK', BODIES[path]
            elif path in BUSY:
                status, body = b'503 Service Unavailable', b'busy'
            else:
                status, body = b'404 Not Found', b'no'
            conn.sendall(b'HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s' % (status, len(body), body))


def ringfetch(srv, *args, cwd=None, env=None):
    urls = [srv.url(p) for p in ('/a.bin', '/missing.bin', '/sub/b.bin', '/busy.bin', '/empty.bin')]
    cmd = [rftest.bin('ringfetch'), '-m', '1', '--retry', '0', '-o', 'out'] + list(args) + urls + ['htp://bad']
    return rftest.run(cmd, cwd=cwd, env=env, timeout=30), urls


def error_lines(urls):
    """The ERR lines of ringfetch(), sorted: the bad argument is settled
    whenever the window asks for a job, so its line may come anywhere."""
    return ['ERR argument 6: bad URL \'htp://bad\': unknown scheme: only http:// and https:// URLs are supported',
            'ERR %s: HTTP error 404 - Not Found' % urls[1],
            'ERR %s: HTTP error 503 - Service Unavailable' % urls[3]]


@rftest.test
def ringfetch_verbose_prints_one_ok_line_per_file_byte_for_byte():
    cwd = rftest.tempdir()
    with PathServer() as srv:
        r, urls = ringfetch(srv, '-v', cwd=cwd)
    assert r.rc == 1, r.why()
    assert sorted(r.out.splitlines(keepends=True)) == sorted([
        'OK %s -> out/a.bin (5 bytes)\n' % urls[0],
        'OK %s -> out/b.bin (10240 bytes)\n' % urls[2],
        'OK %s -> out/empty.bin (0 bytes)\n' % urls[4]]), r.why()
    err = r.err.splitlines()
    assert sorted(err[:-1]) == sorted(error_lines(urls)), r.why()
    assert err[-1].startswith('6 files, 10.2 kB, 1 not found, 2 errors in '), r.why()
    assert rftest.leftovers(os.path.join(cwd, 'out')) == ['a.bin', 'b.bin', 'empty.bin']


@rftest.test
def ringfetch_default_prints_errors_and_the_summary_only():
    cwd = rftest.tempdir()
    with PathServer() as srv:
        r, urls = ringfetch(srv, cwd=cwd)
    assert r.rc == 1, r.why()
    assert r.out == '', r.why()
    err = r.err.splitlines()
    assert sorted(err[:-1]) == sorted(error_lines(urls)), r.why()
    assert SUMMARY.match(err[-1]) and err[-1].startswith('6 files, 10.2 kB, 1 not found, 2 errors in '), \
        r.why()


@rftest.test
def ringfetch_quiet_prints_only_the_errors():
    cwd = rftest.tempdir()
    with PathServer() as srv:
        r, urls = ringfetch(srv, '-q', cwd=cwd)
    assert r.rc == 1, r.why()
    assert r.out == '', r.why()
    assert sorted(r.err.splitlines()) == sorted(error_lines(urls)), r.why()
    assert r.err.endswith('\n'), r.why()
    assert rftest.leftovers(os.path.join(cwd, 'out')) == ['a.bin', 'b.bin', 'empty.bin']


@rftest.test
def ringfetch_quiet_prints_nothing_when_all_is_well():
    dest = rftest.tempdir()
    with PathServer() as srv:
        r = rftest.run([rftest.bin('ringfetch'), '-q', '-o', dest, srv.url('/a.bin'),
                        srv.url('/sub/b.bin')], timeout=30)
    assert (r.rc, r.out, r.err) == (0, '', ''), r.why()
    assert rftest.leftovers(dest) == ['a.bin', 'b.bin']


@rftest.test
def ringfetch_quiet_prints_no_note_when_the_fd_limit_shrinks_the_window():
    # Issue 9 item 13: -q prints only errors, not the open-file note.
    dest = rftest.tempdir()
    with PathServer() as srv:
        r = rftest.run(['sh', '-c', 'ulimit -n 64 && exec "$@"', 'sh', rftest.bin('ringfetch'), '-q',
                        '-m', '100', '-o', dest, srv.url('/a.bin')], timeout=30)
    assert (r.rc, r.out, r.err) == (0, '', ''), r.why()


def flags2(srv, *args):
    return rftest.run([rftest.bin('flags2'), '-m', '1', '--url', srv.url('/flags'),
                       '--dest', rftest.tempdir()] + list(args) + ['BR', 'CN', 'XX', 'ZZ'], timeout=30)


FLAGS2_HEAD = ('LOCAL site: %s\n'
               'Searching for 4 flags: BR, CN, XX, ZZ\n'
               '1 concurrent connection will be used.\n')
FLAGS2_TAIL = ('--------------------\n'
               '2 flags downloaded.\n'
               '1 not found.\n'
               '1 error.\n')
ELAPSED = re.compile(r'Elapsed time: \d+\.\d\ds\n\Z')


@rftest.test
def flags2_verbose_prints_one_line_per_code_byte_for_byte():
    with PathServer() as srv:
        r = flags2(srv, '-v')
    assert r.rc == 1, r.why()
    head, tail = FLAGS2_HEAD % srv.url('/flags'), FLAGS2_TAIL
    assert r.out.startswith(head), r.why()
    items, _, rest = r.out[len(head):].partition(tail)
    assert sorted(items.splitlines(keepends=True)) == sorted([
        'BR OK\n',
        'CN OK\n',
        'XX not found\n',
        '*** Error for ZZ: HTTP error 503 - Service Unavailable\n']), r.why()
    assert ELAPSED.fullmatch(rest), r.why()
    assert r.err == '', r.why()


@rftest.test
def flags2_without_verbose_prints_no_item_lines():
    with PathServer() as srv:
        r = flags2(srv)
    assert r.rc == 1, r.why()
    want = FLAGS2_HEAD % srv.url('/flags') + FLAGS2_TAIL
    assert r.out.startswith(want) and ELAPSED.fullmatch(r.out[len(want):]), r.why()
    assert r.err == '', r.why()


if __name__ == '__main__':
    rftest.main()
