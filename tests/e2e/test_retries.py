#!/usr/bin/env python3
"""ringfetch retries transient failures (issue 11, item 2): --retry N
(default 3, 0 off), an exponential backoff from --retry-delay S capped at
--retry-max-delay S, and the server's Retry-After (seconds or an HTTP-date)
honoured up to that cap. 404 and the other 4xx are never retried. Every item
ends with one result, with its number of attempts (--log-json, the ERR line,
the summary and --stats). Timings are the server's own timestamps, with
generous bounds."""

import email.utils
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import RouteServer, reply  # noqa: E402

BODY = bytes(range(256)) * 64   # 16 KiB


def ringfetch(*args, timeout=120):
    return rftest.run([rftest.bin('ringfetch')] + [str(a) for a in args], timeout=timeout)


def log_of(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def gaps(times):
    return [b - a for a, b in zip(times, times[1:])]


def fails_then(n_fail, failure, success=None):
    """A route that answers `failure` n_fail times, then `success`."""
    success = success or reply(200, BODY)

    def route(req):
        return failure if req.nth <= n_fail else success
    return route


@rftest.test
def a_503_with_retry_after_1_is_tried_again_a_second_later():
    out, tmp = rftest.tempdir(), rftest.tempdir()
    log = os.path.join(tmp, 'log.json')
    srv = RouteServer({'/f.bin': fails_then(1, reply(503, b'busy', [('Retry-After', '1')]))})
    with srv:
        # --retry-delay 0.1: without Retry-After the retry would come at once.
        r = ringfetch('-o', out, '--retry-delay', 0.1, '--log-json', log, '--stats', srv.url('/f.bin'))
        times = srv.times('/f.bin')
    assert r.rc == 0, r.why()
    assert len(times) == 2, times
    assert 0.95 <= times[1] - times[0] < 5, 'Retry-After: 1 gave a gap of %.3f s' % (times[1] - times[0])
    with open(os.path.join(out, 'f.bin'), 'rb') as f:
        assert f.read() == BODY
    entry, = log_of(log)
    assert (entry['outcome'], entry['attempts'], entry['http_status']) == ('ok', 2, 200), entry
    st = r.stats()
    assert (st['retries'], st['attempts']) == (1, 2), st
    assert ', 1 retry' in r.err, r.err


@rftest.test
def a_429_with_an_http_date_waits_until_that_date():
    out = rftest.tempdir()
    # A date two seconds ahead (HTTP-dates have whole seconds: the wait is
    # between 1 and 2 s).
    def route(req):
        if req.nth == 1:
            when = email.utils.formatdate(time.time() + 2, usegmt=True)
            return reply(429, b'slow down', [('Retry-After', when)])
        return reply(200, BODY)
    srv = RouteServer({'/d.bin': route})
    with srv:
        r = ringfetch('-o', out, '--retry-delay', 0.1, srv.url('/d.bin'))
        times = srv.times('/d.bin')
    assert r.rc == 0, r.why()
    assert len(times) == 2 and 0.9 <= times[1] - times[0] < 6, gaps(times)


@rftest.test
def retry_after_is_capped_by_retry_max_delay():
    out = rftest.tempdir()
    srv = RouteServer({'/c.bin': fails_then(1, reply(503, b'', [('Retry-After', '3600')]))})
    with srv:
        r = ringfetch('-o', out, '--retry-delay', 0.1, '--retry-max-delay', 0.5, srv.url('/c.bin'))
        times = srv.times('/c.bin')
    assert r.rc == 0, r.why()
    assert len(times) == 2 and 0.3 <= times[1] - times[0] < 3, gaps(times)


@rftest.test
def a_reset_mid_body_is_retried_and_the_file_is_whole():
    out = rftest.tempdir()

    def route(req, conn):
        if req.nth == 1:
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(BODY) + BODY[:5000])
            time.sleep(0.05)
            rftest.reset(conn)
            return False
        conn.sendall(reply(200, BODY))
        return True
    srv = RouteServer({'/r.bin': route})
    with srv:
        r = ringfetch('-o', out, '--retry-delay', 0.1, srv.url('/r.bin'))
    assert r.rc == 0, r.why()
    assert srv.count('/r.bin') == 2
    with open(os.path.join(out, 'r.bin'), 'rb') as f:
        assert f.read() == BODY, 'the saved file is not the whole body'
    assert rftest.leftovers(out) == ['r.bin']


def silent_first(n_silent, hold):
    """A route that reads the request and says nothing for `hold` seconds
    (then hangs up) its first n_silent times, then answers BODY."""
    def route(req, conn):
        if req.nth <= n_silent:
            time.sleep(hold)
            return False
        conn.sendall(reply(200, BODY))
        return True
    return route


@rftest.test
def a_silent_server_is_tried_again_after_read_timeout():
    # Nothing for --read-timeout 0.5 s: the try fails and --retry repeats
    # it (curl's --retry and wget's --tries do the same for a read timeout).
    out, tmp = rftest.tempdir(), rftest.tempdir()
    log = os.path.join(tmp, 'log.json')
    srv = RouteServer({'/s.bin': silent_first(1, 3.0)})
    with srv:
        r = ringfetch('-o', out, '--read-timeout', 0.5, '--retry-delay', 0.05, '--log-json', log, '--stats',
                      srv.url('/s.bin'))
    assert r.rc == 0, r.why()
    assert srv.count('/s.bin') == 2
    t = srv.times('/s.bin')
    assert 0.4 <= t[1] - t[0] < 2.5, 'second try %.2f s after the first' % (t[1] - t[0])
    with open(os.path.join(out, 's.bin'), 'rb') as f:
        assert f.read() == BODY, 'the saved file is not the whole body'
    assert rftest.leftovers(out) == ['s.bin']
    (entry,) = log_of(log)
    assert (entry['outcome'], entry['attempts']) == ('ok', 2), entry
    assert r.stats()['retries'] == 1, r.stats()


@rftest.test
def silence_mid_body_is_retried_and_the_file_is_whole():
    out = rftest.tempdir()

    def route(req, conn):
        if req.nth == 1:
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(BODY) + BODY[:5000])
            time.sleep(3.0)
            return False
        conn.sendall(reply(200, BODY))
        return True
    srv = RouteServer({'/m.bin': route})
    with srv:
        r = ringfetch('-o', out, '--read-timeout', 0.5, '--retry-delay', 0.05, srv.url('/m.bin'))
    assert r.rc == 0, r.why()
    assert srv.count('/m.bin') == 2
    with open(os.path.join(out, 'm.bin'), 'rb') as f:
        assert f.read() == BODY, 'the saved file is not the whole body'
    assert rftest.leftovers(out) == ['m.bin']


@rftest.test
def a_server_silent_every_time_ends_as_one_timeout_naming_the_silence():
    out = rftest.tempdir()
    srv = RouteServer({'/q.bin': silent_first(99, 2.0)})
    with srv:
        r = ringfetch('-o', out, '--read-timeout', 0.3, '--retry', 2, '--retry-delay', 0.05, '--stats',
                      srv.url('/q.bin'))
    assert r.rc == 1, r.why()
    assert srv.count('/q.bin') == 3
    errs = [line for line in r.err.splitlines() if line.startswith('ERR ')]
    assert errs == ['ERR %s: timed out: nothing received for 0.3 s (3 attempts)' % srv.url('/q.bin')], r.err
    st = r.stats()
    assert (st['files'], st['errors'], st['retries']) == (1, 1, 2), st
    assert rftest.leftovers(out) == []


def whole_request_limit_run(*extra):
    out = rftest.tempdir()
    srv = RouteServer({'/w.bin': silent_first(99, 3.0)})
    with srv:
        r = ringfetch('-o', out, '--timeout', 0.5, '--retry', 3, '--retry-delay', 0.05, '--stats',
                      *(list(extra) + [srv.url('/w.bin')]))
    assert r.rc == 1, r.why()
    assert srv.count('/w.bin') == 1
    assert r.elapsed < 2.5, 'took %.2f s' % r.elapsed
    errs = [line for line in r.err.splitlines() if line.startswith('ERR ')]
    assert errs == ['ERR %s: timed out' % srv.url('/w.bin')], r.err
    assert r.stats()['retries'] == 0, r.stats()
    assert rftest.leftovers(out) == []


@rftest.test
def the_whole_request_limit_is_not_retried():
    # --timeout covers every try: when it passes, the URL ends there, even
    # with retries left.
    whole_request_limit_run('--read-timeout', 5)


@rftest.test
def the_whole_request_limit_wins_when_the_silence_limit_falls_due_with_it():
    # --timeout caps the silence limit: both fall due in the same pass, in
    # either order on the timer heap (the bar's tick reorders it); the
    # whole-request limit speaks, and nothing is retried.
    whole_request_limit_run()
    whole_request_limit_run('--read-timeout', 0.5, '--progress', 'bar:force')


@rftest.test
def silence_while_connecting_is_the_connect_limits_to_judge():
    # SYNs unanswered: the connect limit (capped by --timeout) ends it, with
    # its own words, however short --read-timeout is.
    out = rftest.tempdir()
    with rftest.Unanswered() as srv:
        r = ringfetch('-o', out, '--read-timeout', 0.2, '--timeout', 1.0, '--retry', 0, srv.url('/u.bin'))
    assert r.rc == 1, r.why()
    errs = [line for line in r.err.splitlines() if line.startswith('ERR ')]
    assert errs == ['ERR %s: timed out connecting to 127.0.0.1' % srv.url('/u.bin')], r.err
    assert 0.8 < r.elapsed < 3.0, 'took %.2f s' % r.elapsed


@rftest.test
def a_connect_limit_due_with_the_deadline_is_not_retried():
    # --timeout caps the connect limit, so both fall due in one pass; with
    # default retries, no --read-timeout and a bar, which speaks first must
    # not matter: one error in the connect limit's words, no retry.
    out = rftest.tempdir()
    with rftest.Unanswered() as srv:
        r = ringfetch('-o', out, '--timeout', 0.5, '--stats', '--progress', 'bar:force', srv.url('/u.bin'))
    assert r.rc == 1, r.why()
    errs = [line.split('\r')[-1] for line in r.err.splitlines() if 'ERR ' in line]
    assert [e[e.index('ERR '):] for e in errs] == ['ERR %s: timed out connecting to 127.0.0.1' % srv.url('/u.bin')], r.err
    st = r.stats()
    assert (st['errors'], st['retries'], st['attempts']) == (1, 0, 1), st
    assert 0.4 < r.elapsed < 3.0, 'took %.2f s' % r.elapsed
    assert rftest.leftovers(out) == []


@rftest.test
def a_server_that_always_fails_gets_retries_plus_one_attempts_and_one_error():
    out, tmp = rftest.tempdir(), rftest.tempdir()
    log = os.path.join(tmp, 'log.json')
    srv = RouteServer({'/bad.bin': reply(500, b'oops'), '/ok.bin': reply(200, b'ok')})
    with srv:
        r = ringfetch('-o', out, '--retry', 2, '--retry-delay', 0.05, '--log-json', log, '--stats',
                      srv.url('/bad.bin'), srv.url('/ok.bin'))
    assert r.rc == 1, r.why()
    assert srv.count('/bad.bin') == 3
    assert ('ERR %s: HTTP error 500 - Internal Server Error (3 attempts)' % srv.url('/bad.bin')) in r.err, r.err
    assert r.err.count('ERR ') == 1, r.err
    entries = {e['url']: e for e in log_of(log)}
    assert len(entries) == 2
    bad = entries[srv.url('/bad.bin')]
    assert (bad['outcome'], bad['attempts'], bad['http_status']) == ('error', 3, 500), bad
    st = r.stats()
    assert (st['files'], st['errors'], st['ok'], st['retries']) == (2, 1, 1, 2), st
    assert rftest.leftovers(out) == ['ok.bin']


@rftest.test
def the_backoff_doubles_from_retry_delay():
    # --retry-delay 0.3: the k-th wait is d = 0.3 * 2^k with "equal jitter",
    # somewhere in [d/2, d]: [0.15, 0.3], [0.3, 0.6], [0.6, 1.2] s. The
    # bounds below add generous room for a loaded machine, above only.
    out = rftest.tempdir()
    srv = RouteServer({'/b.bin': reply(502, b'')})
    with srv:
        r = ringfetch('-o', out, '--retry', 3, '--retry-delay', 0.3, srv.url('/b.bin'))
        g = gaps(srv.times('/b.bin'))
    assert r.rc == 1, r.why()
    assert len(g) == 3, g
    for k, wait in enumerate(g):
        d = 0.3 * 2 ** k
        assert d / 2 - 0.02 <= wait < d + 0.8, 'wait %d was %.3f s, not in [%.2f, %.2f]: %s' % (
            k, wait, d / 2, d, g)
    assert g[2] > g[0], 'no growth: %s' % g


@rftest.test
def the_backoff_stops_growing_at_retry_max_delay():
    out = rftest.tempdir()
    srv = RouteServer({'/m.bin': reply(503, b'')})
    with srv:
        r = ringfetch('-o', out, '--retry', 4, '--retry-delay', 0.2, '--retry-max-delay', 0.3,
                      srv.url('/m.bin'))
        g = gaps(srv.times('/m.bin'))
    assert r.rc == 1, r.why()
    assert len(g) == 4 and max(g) < 1.5, g


@rftest.test
def a_404_and_other_4xx_are_never_retried():
    out = rftest.tempdir()
    srv = RouteServer({'/gone': reply(404, b''), '/no': reply(403, b''), '/bad': reply(400, b''),
                       '/tea': reply(418, b'')})
    with srv:
        r = ringfetch('-o', out, '--retry-delay', 0.05,
                      *[srv.url(p) for p in ('/gone', '/no', '/bad', '/tea')])
    assert r.rc == 1, r.why()
    assert [srv.count(p) for p in ('/gone', '/no', '/bad', '/tea')] == [1, 1, 1, 1]
    assert 'attempts' not in r.err, r.err


@rftest.test
def retry_0_never_retries_and_the_default_is_3():
    out = rftest.tempdir()
    srv = RouteServer({'/z.bin': reply(503, b''), '/d.bin': reply(503, b'')})
    with srv:
        r = ringfetch('-o', out, '--retry', 0, srv.url('/z.bin'))
        assert r.rc == 1 and srv.count('/z.bin') == 1, r.why()
        r = ringfetch('-o', out, '--retry-delay', 0.02, '--retry-max-delay', 0.05, srv.url('/d.bin'))
        assert r.rc == 1 and srv.count('/d.bin') == 4, r.why()


@rftest.test
def a_refused_connection_is_retried():
    out = rftest.tempdir()
    port = rftest.free_port()
    r = ringfetch('-o', out, '--retry', 2, '--retry-delay', 0.05, '--stats',
                  'http://127.0.0.1:%d/x' % port)
    assert r.rc == 1, r.why()
    assert 'Connection refused (3 attempts)' in r.err, r.err
    assert r.stats()['retries'] == 2


@rftest.test
def a_waiting_retry_does_not_hold_up_other_items():
    # -m 1: while /slow waits 2 s for its retry, the other items go through.
    out = rftest.tempdir()
    srv = RouteServer({'/slow': fails_then(1, reply(503, b'', [('Retry-After', '2')]))})
    for i in range(5):
        srv.routes['/o%d' % i] = reply(200, b'o')
    with srv:
        start = time.monotonic()
        r = ringfetch('-m', 1, '-o', out, srv.url('/slow'), *[srv.url('/o%d' % i) for i in range(5)])
        others = [srv.times('/o%d' % i)[0] - start for i in range(5)]
        slow = srv.times('/slow')
    assert r.rc == 0, r.why()
    assert max(others) < slow[1] - start, 'the others waited for the retry: %s, retry at %.2f' % (
        others, slow[1] - start)


if __name__ == '__main__':
    rftest.main()
