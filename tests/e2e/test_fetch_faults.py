"""ringfetch and flags2 against small scripted servers: truncated bodies,
silent servers, refused connections, and the framings nginx does not use
(chunked, close-delimited). Issue 2."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer  # noqa: E402


def ringfetch(dest, *args, timeout=30):
    # Each failure as one answer gives it: no retry (test_retries.py has those).
    return rftest.run([rftest.bin('ringfetch'), '--retry', '0', '-o', dest, '--stats'] + list(args),
                      timeout=timeout)


def assert_one_error(r):
    assert r.rc == 1, r.why()
    s = r.stats()
    assert (s['files'], s['ok'], s['errors']) == (1, 0, 1), 'stats %s' % s


@rftest.test
def ringfetch_body_cut_short_is_an_error_and_leaves_no_file():
    dest = rftest.tempdir()
    with FakeServer.truncating(200000) as srv:
        r = ringfetch(dest, srv.url('/cut.bin'))
    assert_one_error(r)
    assert rftest.leftovers(dest) == [], 'left behind: %s' % rftest.leftovers(dest)


def headers_cut_server(head):
    """Answers every request with the bytes `head` (part of a header
    section), then closes."""
    def handle(conn):
        rftest.read_request(conn)
        conn.sendall(head)
        conn.close()
    return FakeServer(handle)


HEADERS_CUT = 'truncated response: connection closed before the headers were complete'


@rftest.test
def ringfetch_reply_cut_in_its_headers_says_the_headers_were_incomplete():
    for head in (b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n', b'HTTP/1.1 20'):
        dest = rftest.tempdir()
        with headers_cut_server(head) as srv:
            r = ringfetch(dest, srv.url('/a'))
        assert_one_error(r)
        errs = [l for l in r.err.splitlines() if l.startswith('ERR ')]
        assert errs == ['ERR %s: %s' % (srv.url('/a'), HEADERS_CUT)], (head, r.why())


@rftest.test
def flags2_reply_cut_in_its_headers_says_the_headers_were_incomplete():
    with headers_cut_server(b'HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\n') as srv:
        r = rftest.run([rftest.bin('flags2'), '-v', 'BR', '--url', srv.url('/flags'),
                        '--dest', rftest.tempdir()], timeout=30)
    assert r.rc == 1 and '*** Error for BR: ' + HEADERS_CUT in r.out.splitlines(), r.why()


@rftest.test
def ringfetch_body_cut_short_says_how_many_body_bytes_came():
    dest = rftest.tempdir()
    with FakeServer.truncating(1000, send=300) as srv:
        r = ringfetch(dest, srv.url('/cut.bin'))
    assert_one_error(r)
    assert 'truncated body: connection closed after 300 body bytes' in r.err, r.why()


@rftest.test
def ringfetch_silent_server_times_out_and_leaves_no_file():
    dest = rftest.tempdir()
    with FakeServer.silent() as srv:
        r = ringfetch(dest, '--timeout', '2', srv.url('/never.bin'))
    assert not r.timed_out and r.elapsed < 8, 'took %.1fs: %s' % (r.elapsed, r.why())
    assert_one_error(r)
    assert srv.accepted == 1, 'server saw %d connections' % srv.accepted
    assert rftest.leftovers(dest) == [], 'left behind: %s' % rftest.leftovers(dest)


@rftest.test
def ringfetch_refused_connection_is_an_error():
    dest = rftest.tempdir()
    r = ringfetch(dest, 'http://127.0.0.1:%d/x.bin' % rftest.free_port())
    assert r.elapsed < 5, r.why()
    assert_one_error(r)
    assert rftest.leftovers(dest) == []


@rftest.test
def ringfetch_server_error_status_is_an_error_and_leaves_no_file():
    body = b'<html>busy</html>'
    with FakeServer.canned(b'HTTP/1.1 503 Service Unavailable\r\nContent-Length: %d\r\n\r\n%s'
                           % (len(body), body)) as srv:
        dest = rftest.tempdir()
        r = ringfetch(dest, srv.url('/busy.bin'))
    assert_one_error(r)
    assert rftest.leftovers(dest) == [], 'left behind: %s' % rftest.leftovers(dest)


@rftest.test
def ringfetch_chunked_body_is_reassembled():
    resp = (b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
            b'5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n')
    dest = rftest.tempdir()
    with FakeServer.canned(resp) as srv:
        r = ringfetch(dest, srv.url('/chunked.txt'))
    assert r.rc == 0, r.why()
    with open(os.path.join(dest, 'chunked.txt'), 'rb') as f:
        assert f.read() == b'hello world'


@rftest.test
def ringfetch_http10_body_ends_at_close():
    dest = rftest.tempdir()
    body = bytes(range(256)) * 300
    with FakeServer.canned(b'HTTP/1.0 200 OK\r\nContent-Type: x/y\r\n\r\n' + body) as srv:
        r = ringfetch(dest, srv.url('/close.bin'))
    assert r.rc == 0, r.why()
    with open(os.path.join(dest, 'close.bin'), 'rb') as f:
        assert f.read() == body, 'body differs'


@rftest.test
def ringfetch_connection_close_server_serves_every_file():
    # Each response closes its connection: the engine must open a new one per file.
    body = b'x' * 5000
    resp = b'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5000\r\n\r\n' + body
    dest = rftest.tempdir()
    with FakeServer.canned(resp) as srv:
        r = ringfetch(dest, '-m', '4', *[srv.url('/f%d.bin' % i) for i in range(12)])
        accepted = srv.accepted
    assert r.rc == 0, r.why()
    assert rftest.leftovers(dest) == sorted('f%d.bin' % i for i in range(12)), rftest.leftovers(dest)
    assert accepted == 12, 'server accepted %d connections for 12 files' % accepted


@rftest.test
def flags2_unreachable_server_counts_every_code_as_error():
    dest = rftest.tempdir()
    url = 'http://127.0.0.1:%d/flags' % rftest.free_port()
    r = rftest.run([rftest.bin('flags2'), '-v', '--url', url, '--dest', dest, 'BR', 'CN'], timeout=30)
    out = r.out.splitlines()
    assert r.rc == 1, r.why()
    assert '0 flags downloaded.' in out and '2 errors.' in out, r.why()
    assert '*** Error for BR: Connection refused' in out, r.why()
    assert rftest.leftovers(dest) == []


@rftest.test
def flags2_silent_server_times_out_per_item():
    dest = rftest.tempdir()
    with FakeServer.silent() as srv:
        r = rftest.run([rftest.bin('flags2'), '--url', srv.url('/flags'), '--dest', dest,
                        '--timeout', '2', 'BR'], timeout=30)
    assert r.elapsed < 8, 'took %.1fs' % r.elapsed
    assert r.rc == 1 and '1 error.' in r.out.splitlines(), r.why()
    assert rftest.leftovers(dest) == []


if __name__ == '__main__':
    rftest.main()
