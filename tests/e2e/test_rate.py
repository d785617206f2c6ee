#!/usr/bin/env python3
"""--rate R: requests to one host start at most R a second (issue 11 item 4),
seen from the server's own clock; other hosts are not slowed by it."""

import time

import rftest
from rftest import FakeServer

REPLY = b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'


def stamping_server(host='127.0.0.1'):
    seen = []

    def handle(conn):
        for _ in rftest.requests(conn):
            seen.append(time.monotonic())
            conn.sendall(REPLY)
    srv = FakeServer(handle, host=host)
    srv.seen = seen
    return srv


@rftest.test
def starts_to_one_host_are_spaced_by_the_rate():
    with stamping_server() as srv:
        r = rftest.run([rftest.bin('ringfetch'), '--rate', '10', '-m', '8', '-o', rftest.tempdir()] +
                       [srv.url('/f%d' % i) for i in range(6)], timeout=30)
        seen = sorted(srv.seen)
    assert r.rc == 0, r.why()
    assert len(seen) == 6
    gaps = [b - a for a, b in zip(seen, seen[1:])]
    assert min(gaps) > 0.08, gaps          # 100 ms apart, with room for scheduling
    assert seen[-1] - seen[0] < 2.0, gaps


@rftest.test
def one_host_s_rate_does_not_slow_another():
    with stamping_server('127.0.0.1') as slow, stamping_server('127.0.0.2') as fast:
        urls = [slow.url('/s%d' % i) for i in range(4)] + [fast.url('/f%d' % i) for i in range(4)]
        t0 = time.monotonic()
        r = rftest.run([rftest.bin('ringfetch'), '--rate', '4', '-m', '8', '-o', rftest.tempdir()] + urls,
                       timeout=30)
    assert r.rc == 0, r.why()
    # the second host starts at once, at its own pace (4 a second, from its first)
    assert fast.seen and fast.seen[0] - t0 < 0.5
    assert slow.seen[-1] - slow.seen[0] > 0.6


if __name__ == '__main__':
    rftest.main()
