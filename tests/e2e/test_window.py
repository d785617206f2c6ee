"""The window, counted by the server (issue 9, item 20): with -m M and more
than M items, the server sees exactly M requests in progress at its busiest,
never more, for ringfetch and flags2.

The server holds every request for DELAY_S before answering, so the client's
requests overlap. A request counts as in progress from the moment its head
has arrived until just before its answer is sent: that span lies inside the
client's own (sent .. answered), so the server can never see more than the
client really had in flight.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer  # noqa: E402

DELAY_S = 0.2
WINDOWS = (1, 3, 8)


class CountingServer(FakeServer):
    """Keep-alive server answering each request with its own path, after
    DELAY_S; .peak is the most requests it ever held at once."""

    def __init__(self):
        super().__init__()
        self.in_progress = self.peak = self.requests = 0

    def handle(self, conn):
        for head in rftest.requests(conn):
            path = head.split(b' ')[1]
            with self.lock:
                self.in_progress += 1
                self.requests += 1
                self.peak = max(self.peak, self.in_progress)
            time.sleep(DELAY_S)
            with self.lock:
                self.in_progress -= 1
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s' % (len(path), path))


def items_for(window):
    return 3 * window + 1


def check_ringfetch(window):
    dest = rftest.tempdir()
    n = items_for(window)
    with CountingServer() as srv:
        r = rftest.run([rftest.bin('ringfetch'), '-m', str(window), '-o', dest, '--stats']
                       + [srv.url('/f%02d' % i) for i in range(n)], timeout=60)
    assert r.rc == 0, r.why()
    assert srv.requests == n, 'server saw %d requests for %d URLs' % (srv.requests, n)
    assert srv.peak == window, 'server saw at most %d requests at once with -m %d' % (
        srv.peak, window)
    assert rftest.leftovers(dest) == ['f%02d' % i for i in range(n)], rftest.leftovers(dest)


def check_flags2(window):
    dest = rftest.tempdir()
    n = items_for(window)
    with CountingServer() as srv:
        r = rftest.run([rftest.bin('flags2'), '-a', '-l', str(n), '-m', str(window),
                        '--url', srv.url('/flags'), '--dest', dest], timeout=60)
    assert r.rc == 0 and '%d flags downloaded.' % n in r.out.splitlines(), r.why()
    assert srv.requests == n, 'server saw %d requests for %d codes' % (srv.requests, n)
    assert srv.peak == window, 'server saw at most %d requests at once with -m %d' % (
        srv.peak, window)


def register(front, window):
    check = check_ringfetch if front == 'ringfetch' else check_flags2

    def t():
        check(window)
    t.__name__ = '%s_m_%d_keeps_%d_requests_in_progress_at_the_server' % (front, window, window)
    rftest.test(t)


for _front in ('ringfetch', 'flags2'):
    for _w in WINDOWS:
        register(_front, _w)


if __name__ == '__main__':
    rftest.main()
