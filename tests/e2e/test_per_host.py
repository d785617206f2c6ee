#!/usr/bin/env python3
"""--max-per-host N (issue 11, item 4): at most N connections to one host at
once, as the server counts them, under the window -m; and fair turns: a slow
host with many items listed first does not hold up the items of fast hosts
listed after it. Different hosts are different loopback addresses
(127.0.0.2, 127.0.0.3, ...)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import RouteServer, reply  # noqa: E402


def slow(seconds, body=b'x' * 1000):
    def route(req):
        time.sleep(seconds)
        return reply(200, body)
    return route


def ringfetch(*args):
    return rftest.run([rftest.bin('ringfetch')] + [str(a) for a in args], timeout=120)


@rftest.test
def the_server_never_sees_more_connections_than_the_cap():
    srv = RouteServer({'/f%d' % i: slow(0.15) for i in range(12)})
    with srv:
        r = ringfetch('-m', 10, '--max-per-host', 3, '-o', rftest.tempdir(),
                      *[srv.url('/f%d' % i) for i in range(12)])
        assert r.rc == 0, r.why()
        assert srv.max_open == 3, 'the server saw %d connections at once, cap 3' % srv.max_open
        # Without the cap the same run opens more: the count above means something.
        srv.max_open = 0
        r = ringfetch('-m', 10, '-o', rftest.tempdir(), *[srv.url('/f%d' % i) for i in range(12)])
        assert r.rc == 0, r.why()
        assert srv.max_open > 3, 'without a cap the server saw only %d connections' % srv.max_open


@rftest.test
def a_cap_of_one_fetches_one_at_a_time_on_one_connection():
    srv = RouteServer({'/f%d' % i: slow(0.05) for i in range(6)})
    with srv:
        r = ringfetch('-m', 6, '--max-per-host', 1, '-o', rftest.tempdir(),
                      *[srv.url('/f%d' % i) for i in range(6)])
    assert r.rc == 0, r.why()
    assert srv.max_open == 1, srv.max_open
    assert len({q.conn_no for q in srv.log}) == 1, 'one kept-alive connection for all six'


@rftest.test
def a_slow_host_listed_first_does_not_hold_up_fast_hosts():
    # 40 items of a slow host (0.25 s each, 2 at a time: about 5 s) come
    # first in the list; then 5 items each of two fast hosts. The fast
    # hosts' items must be served at once, not after the slow host's.
    n_slow = 40
    slow_srv = RouteServer({'/s%d' % i: slow(0.25) for i in range(n_slow)}, host='127.0.0.2')
    fast = [RouteServer({'/%s%d' % (h[-1], i): reply(200, b'fast') for i in range(5)}, host=h)
            for h in ('127.0.0.3', '127.0.0.4')]
    lst = os.path.join(rftest.tempdir(), 'list.txt')
    with open(lst, 'w') as f:
        f.writelines(slow_srv.url('/s%d\n' % i) for i in range(n_slow))
        for srv in fast:
            f.writelines(srv.url('/%s%d\n' % (srv.host[-1], i)) for i in range(5))
    with slow_srv, fast[0], fast[1]:
        start = time.monotonic()
        r = ringfetch('-m', 8, '--max-per-host', 2, '-i', lst, '-o', rftest.tempdir())
        assert r.rc == 0, r.why()
        assert slow_srv.max_open == 2, slow_srv.max_open
        slow_last = max(slow_srv.times('/s%d' % (n_slow - 1))) - start
        fast_last = max(t for srv in fast for q in srv.log for t in [q.time]) - start
        assert len(fast[0].log) == len(fast[1].log) == 5
    # Generous bounds: the slow host needs about 5 s, the fast items well
    # under 2 s (at once, on a loaded machine).
    assert slow_last > 4.0, 'the slow host finished at %.2f s: was it slow?' % slow_last
    assert fast_last < 2.0, 'the fast hosts were served only at %.2f s (the slow host ' \
                            'finished at %.2f s)' % (fast_last, slow_last)


if __name__ == '__main__':
    rftest.main()
