"""Bodies one byte short (issue 9, item 18): the cut an off-by-one in a
length check lets through. For Content-Length and chunked framing, the
server sends all but one byte, then closes or holds the connection open;
both front ends must report the item as an error (truncated, or timed out
under --timeout), count it once, exit 1, and leave no file.

tests/corpus has the same cases on 11-byte bodies (`*-one-short-*`); here
the bodies span many receive buffers.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer  # noqa: E402

N = 300000                       # bytes of body: many receive buffers
BODY = bytes(range(256)) * (N // 256) + bytes(N % 256)
CHUNK = 10000
TIMEOUT_S = 1                    # --timeout for the hold cases
# The tail of a chunked message after the last data byte: CRLF ending the
# chunk, then the last chunk "0\r\n" and the empty line.
CHUNKED_TAIL = len(b'\r\n0\r\n\r\n')

# name -> (server factory, expected message after "URL: " / "BR: ")
CASES = {
    'content_length_one_short_close': (
        lambda: FakeServer.truncating(N, N - 1),
        'truncated body: connection closed after %d body bytes' % (N - 1)),
    'content_length_one_short_hold': (
        lambda: FakeServer.truncating(N, N - 1, hold=True), 'timed out'),
    'chunked_data_one_short_close': (
        lambda: FakeServer.chunked(BODY, CHUNK, cut=CHUNKED_TAIL + 1),
        'truncated body: connection closed after %d body bytes' % (N - 1)),
    'chunked_data_one_short_hold': (
        lambda: FakeServer.chunked(BODY, CHUNK, cut=CHUNKED_TAIL + 1, hold=True), 'timed out'),
    'chunked_message_one_short_close': (
        lambda: FakeServer.chunked(BODY, CHUNK, cut=1),
        'truncated body: connection closed after %d body bytes' % N),
    'chunked_message_one_short_hold': (
        lambda: FakeServer.chunked(BODY, CHUNK, cut=1, hold=True), 'timed out'),
}


def check_ringfetch(server, message):
    dest = rftest.tempdir()
    with server() as srv:
        url = srv.url('/short.bin')
        r = rftest.run([rftest.bin('ringfetch'), '--retry', '0', '-o', dest, '--stats', '--timeout', str(TIMEOUT_S),
                        url], timeout=30)
    assert r.rc == 1, r.why()
    errs = [l for l in r.err.splitlines() if l.startswith('ERR ')]
    assert errs == ['ERR %s: %s' % (url, message)], r.why()
    s = r.stats()
    got = {k: s[k] for k in ('files', 'ok', 'not_found', 'errors')}
    assert got == {'files': 1, 'ok': 0, 'not_found': 0, 'errors': 1}, s
    assert rftest.leftovers(dest) == [], 'left behind: %s' % rftest.leftovers(dest)


def check_flags2(server, message):
    dest = rftest.tempdir()
    with server() as srv:
        r = rftest.run([rftest.bin('flags2'), '-v', 'BR', '--url', srv.url('/flags'), '--dest', dest,
                        '--timeout', str(TIMEOUT_S)], timeout=30)
    out = r.out.splitlines()
    assert r.rc == 1, r.why()
    assert '*** Error for BR: %s' % message in out, r.why()
    assert '0 flags downloaded.' in out and '1 error.' in out, r.why()
    assert rftest.leftovers(dest) == [], 'left behind: %s' % rftest.leftovers(dest)


def register(name, server, message):
    def t_ringfetch():
        check_ringfetch(server, message)

    def t_flags2():
        check_flags2(server, message)
    t_ringfetch.__name__ = 'ringfetch_' + name
    t_flags2.__name__ = 'flags2_' + name
    rftest.test(t_ringfetch)
    rftest.test(t_flags2)


for _name, (_server, _message) in CASES.items():
    register(_name, _server, _message)


@rftest.test
def the_same_servers_without_the_cut_deliver_the_body():
    # The servers above differ from good ones only by the missing byte.
    dest = rftest.tempdir()
    with FakeServer.chunked(BODY, CHUNK) as a, FakeServer.canned(
            b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % N + BODY) as b:
        r = rftest.run([rftest.bin('ringfetch'), '-o', dest, a.url('/a.bin'), b.url('/b.bin')],
                       timeout=30)
    assert r.rc == 0, r.why()
    for name in ('a.bin', 'b.bin'):
        with open(os.path.join(dest, name), 'rb') as f:
            assert f.read() == BODY, '%s differs' % name


if __name__ == '__main__':
    rftest.main()
