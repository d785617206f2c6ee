#!/usr/bin/env python3
"""ringload: counts, durations, the constant rate and its correction,
pipelining, bad input. Servers: flagserver, and small loopback servers
written here that record what they see (arrival times, requests in flight
per connection) or misbehave once (a stall, a close in mid-pipeline)."""

import json
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402


# ------------------------------------------------------------------ servers

FlagServer = rftest.FlagServerProc


class Recorder(rftest.FakeServer):
    """Answers every request on a kept-alive connection with a small body,
    recording each arrival (time.monotonic()). stall_at=N: before answering
    the N-th request of the run, the whole server stops for stall_s."""

    def __init__(self, stall_at=0, stall_s=0.5):
        super().__init__()
        self.arrivals = []
        self.stall_at = stall_at
        self.stall_s = stall_s
        self.stall_until = 0.0
        self.count_lock = threading.Lock()

    def handle(self, conn):
        for head in rftest.requests(conn):
            now = time.monotonic()
            with self.count_lock:
                self.arrivals.append(now)
                if self.stall_at and len(self.arrivals) == self.stall_at:
                    self.stall_until = now + self.stall_s
            while time.monotonic() < self.stall_until:
                time.sleep(0.005)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')


class Pipeliner(rftest.FakeServer):
    """Answers the requests of a connection in order, each with its own path
    as the body, but only once `depth` of them are waiting (or 300 ms
    passed), and records the most it ever saw waiting on one connection.
    cut=k: the first time `depth` requests are waiting, answer k of them and
    close the connection (once in the whole run)."""

    def __init__(self, depth, cut=None):
        super().__init__()
        self.depth = depth
        self.cut = cut
        self.max_waiting = 0
        self.answered = 0
        self.lock = threading.Lock()

    def handle(self, conn):
        buf = b''
        waiting = []
        conn.settimeout(0.3)
        while True:
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                chunk = None
            if chunk == b'':
                return
            if chunk:
                buf += chunk
                while b'\r\n\r\n' in buf:
                    head, buf = buf.split(b'\r\n\r\n', 1)
                    waiting.append(head.split(b' ')[1])
            with self.lock:
                self.max_waiting = max(self.max_waiting, len(waiting))
            if not waiting or (chunk is not None and len(waiting) < self.depth):
                continue
            cut_now = False
            with self.lock:
                if self.cut is not None and len(waiting) >= self.depth:
                    cut_now, self.cut = True, None
            todo = waiting[:self.k_of(cut_now)]
            for path in todo:
                conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s' % (len(path), path))
            with self.lock:
                self.answered += len(todo)
            if cut_now:
                conn.close()
                return
            waiting = waiting[len(todo):]

    def k_of(self, cut_now):
        return self.cut_k if cut_now else None

    def with_cut(self, k):
        self.cut = self.cut_k = k
        return self


def ringload(*args, timeout=60, env=None):
    r = rftest.run([rftest.bin('ringload')] + list(args), timeout=timeout, env=env)
    return r


def ringload_json(*args, timeout=60):
    r = ringload('--json', *args, timeout=timeout)
    assert r.rc == 0, r.why()
    return r, r.stats()


# -------------------------------------------------------------------- tests

@rftest.test
def n_requests_are_counted_exactly_by_status_class_on_both_backends():
    with FlagServer('--preset', 'ERROR', '--delay-rate', '0') as fs:
        for backend in ('uring', 'epoll'):
            r, s = ringload_json('-n', '10000', '-c', '50', '--backend', backend, fs.url())
            st, errs = s['status'], s['errors']
            assert s['results'] == 10000, r.why()
            assert sum(st.values()) + errs['total'] == 10000, s
            assert s['requests'] == st['2xx'] + st['5xx'], s
            # The ERROR preset answers 25% of requests with 500..503.
            share = st['5xx'] / 10000.0
            assert 0.20 <= share <= 0.30, '%s: 5xx share %.3f' % (backend, share)
            assert errs['total'] == 0, s
            assert s['syscalls']['backend'] == backend, s
            assert s['latency_us']['count'] == s['requests'], s


@rftest.test
def a_duration_run_stops_within_100_ms_of_it():
    srv = Recorder().start()
    try:
        r, s = ringload_json('-d', '2s', '-c', '4', '-t', '1', srv.url('/d'), timeout=30)
    finally:
        srv.stop()
    # What the server saw: requests for 2 s, none after.
    span = srv.arrivals[-1] - srv.arrivals[0]
    assert 1.9 <= span <= 2.1, 'requests arrived over %.3f s' % span
    assert 2.0 <= s['duration_s'] <= 2.1, s['duration_s']
    assert s['requests'] > 0 and s['errors']['total'] == 0, s
    # The process itself: set-up and teardown are small.
    assert r.elapsed < 3.0, 'ringload -d 2s took %.2fs' % r.elapsed


@rftest.test
def a_constant_rate_sends_the_right_count_evenly_spread():
    srv = Recorder().start()
    try:
        r, s = ringload_json('-R', '2000', '-d', '3s', '-c', '10', '-t', '2', srv.url('/r'),
                             timeout=30)
    finally:
        srv.stop()
    arrivals = sorted(srv.arrivals)
    assert abs(len(arrivals) - 6000) <= 120, 'the server saw %d requests, not 6000 +- 2%%' % len(arrivals)
    t0 = arrivals[0]
    buckets = [0] * 30
    for t in arrivals:
        i = int((t - t0) / 0.1)
        if i < 30:
            buckets[i] += 1
    # 200 per 100 ms; a loaded machine may shift a few between neighbours.
    inner = buckets[1:29]
    assert all(120 <= b <= 280 for b in inner), 'per-100-ms counts: %s' % inner
    assert s['latency_corrected'] is True, s


@rftest.test
def a_stall_shows_in_the_corrected_p99_and_not_in_the_uncorrected():
    srv = Recorder(stall_at=1000, stall_s=0.5).start()
    try:
        r, s = ringload_json('-R', '1000', '-d', '3s', '-c', '10', '-t', '1', '-U', srv.url('/s'),
                             timeout=30)
    finally:
        srv.stop()
    corrected = s['latency_us']['p99'] / 1000.0
    uncorrected = s['latency_uncorrected_us']['p99'] / 1000.0
    assert corrected >= 250, 'corrected p99 %.1f ms does not show the 500 ms stall' % corrected
    assert uncorrected < 150, 'uncorrected p99 %.1f ms shows the stall' % uncorrected
    # Only the requests caught in the stall itself waited that long from their send.
    assert s['latency_uncorrected_us']['max'] / 1000.0 >= 400, s['latency_uncorrected_us']


@rftest.test
def pipelining_keeps_d_requests_in_flight_per_connection():
    srv = Pipeliner(4).start()
    try:
        r, s = ringload_json('-n', '200', '-c', '2', '-t', '1', '--pipeline', '4', srv.url('/p'),
                             timeout=60)
    finally:
        srv.stop()
    assert s['results'] == 200 and s['status']['2xx'] == 200, s
    assert srv.max_waiting == 4, 'the server saw at most %d requests waiting' % srv.max_waiting
    assert s['pipelined'] > 0, s


@rftest.test
def pipelined_downloads_match_their_requests_in_order():
    srv = Pipeliner(4).start()
    out = rftest.tempdir()
    try:
        urls = [srv.url('/f%03d' % i) for i in range(60)]
        r = rftest.run([rftest.bin('ringfetch'), '-m', '8', '--pipeline', '4', '--stats', '-o', out]
                       + urls, timeout=60)
    finally:
        srv.stop()
    assert r.rc == 0, r.why()
    for i in range(60):
        with open(os.path.join(out, 'f%03d' % i), 'rb') as f:
            assert f.read() == b'/f%03d' % i, 'f%03d holds another answer' % i
    assert r.stats()['pipelined'] > 0, r.why()
    assert srv.max_waiting == 4, srv.max_waiting


class SlowThenSilent(rftest.FakeServer):
    """Answers a first request at once (so the client knows the connection
    takes pipelined requests), waits for two more on it, answers the first
    of those a byte every 0.1 s for 2.5 s, then is silent for 0.6 s before
    it answers the last at once."""

    def __init__(self):
        super().__init__()
        self.seen = 0

    def handle(self, conn):
        buf = b''
        conn.settimeout(2.0)
        while b'\r\n\r\n' not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
        buf = buf.split(b'\r\n\r\n', 1)[1]
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1')
        while buf.count(b'\r\n\r\n') < 2:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
        self.seen = buf.count(b'\r\n\r\n')
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\nx')
        for _ in range(25):
            time.sleep(0.1)
            conn.sendall(b'x')
        time.sleep(0.6)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
        conn.recv(1)


@rftest.test
def a_pipelined_answers_silence_counts_from_when_it_became_due():
    # --read-timeout 1: the second answer waits 2.5 s behind the first, whose
    # bytes keep coming, then 0.6 s of silence of its own: within its limit.
    srv = SlowThenSilent().start()
    out = rftest.tempdir()
    try:
        r = rftest.run([rftest.bin('ringfetch'), '-m', '2', '--max-per-host', '1', '--pipeline', '2',
                        '--read-timeout', '1', '--retry', '0', '--stats', '-o', out,
                        srv.url('/first'), srv.url('/slow'), srv.url('/next')], timeout=30)
    finally:
        srv.stop()
    assert srv.seen == 2, 'the two requests were not pipelined: %s' % r.why()
    assert r.rc == 0, r.why()
    assert srv.accepted == 1, r.why()
    with open(os.path.join(out, 'next'), 'rb') as f:
        assert f.read() == b'ok'
    assert os.path.getsize(os.path.join(out, 'slow')) == 26
    assert r.stats()['pipelined'] > 0, r.why()


@rftest.test
def a_close_after_k_of_d_resends_the_rest_when_downloading():
    srv = Pipeliner(4).with_cut(1).start()
    out = rftest.tempdir()
    try:
        urls = [srv.url('/g%03d' % i) for i in range(40)]
        r = rftest.run([rftest.bin('ringfetch'), '-m', '4', '--pipeline', '4', '--stats', '-o', out]
                       + urls, timeout=60)
    finally:
        srv.stop()
    assert r.rc == 0, r.why()
    assert srv.cut is None, 'the server never cut a pipeline'
    for i in range(40):
        with open(os.path.join(out, 'g%03d' % i), 'rb') as f:
            assert f.read() == b'/g%03d' % i
    assert r.stats()['ok'] == 40, r.why()


@rftest.test
def a_close_after_k_of_d_is_counted_by_ringload():
    srv = Pipeliner(4).with_cut(1).start()
    try:
        r, s = ringload_json('-n', '40', '-c', '1', '-t', '1', '--pipeline', '4', srv.url('/h'),
                             timeout=60)
    finally:
        srv.stop()
    assert srv.cut is None, 'the server never cut a pipeline'
    # 1 of the 4 answered, 3 never (4 when the client had sent the next
    # one before it saw the close): counted as read errors, not sent again.
    assert s['results'] == 40, s
    assert s['status']['2xx'] == srv.answered, (s['status'], srv.answered)
    assert s['errors']['read'] == 40 - srv.answered and 3 <= s['errors']['read'] <= 4, s


@rftest.test
def the_batch_window_is_reported_and_zero_still_counts_every_response():
    with FlagServer('--delay-rate', '0') as fs:
        r, s = ringload_json('-n', '2000', '-c', '50', '-t', '1', fs.url())
        assert s['batch_us'] == 250 and s['results'] == 2000, s
        r, s = ringload_json('-n', '2000', '-c', '50', '-t', '1', '--batch-us', '0', fs.url())
        assert s['batch_us'] == 0 and s['results'] == 2000, s
        assert s['status']['2xx'] == 2000 and s['errors']['total'] == 0, s


@rftest.test
def a_refusing_url_is_counted_as_connect_errors():
    port = rftest.free_port()
    r, s = ringload_json('-n', '50', '-c', '5', 'http://127.0.0.1:%d/' % port)
    assert s['errors']['connect'] == 50 and s['results'] == 50, s
    assert s['requests'] == 0, s


@rftest.test
def every_bad_value_is_a_usage_error_naming_its_option():
    url = 'http://127.0.0.1:9/'
    cases = [
        (['-c', '0'], '-c'), (['-c', 'many'], '-c'), (['-d', '0'], '-d'), (['-d', '3x'], '-d'),
        (['-t', '0'], '-t'), (['-c', '2', '-t', '3'], '-t'), (['-n', '0'], '-n'),
        (['-n', '-5'], '-n'), (['-R', '0'], '-R'), (['-R', 'fast'], '-R'),
        (['--pipeline', '0'], '--pipeline'), (['--pipeline', '100000'], '--pipeline'),
        (['--timeout', 'soon'], '--timeout'), (['--warmup', '-1'], '--warmup'),
        (['--backend', 'kqueue'], '--backend'), (['-H', 'NoColon'], '-H'),
        (['-H', 'Bad Name: x'], '-H'), (['-U'], '-U'), (['--trace', ''], '--trace'),
        (['-i', ''], '-i'), (['--bogus'], '--bogus'), (['-c'], '-c'),
        (['--batch-us', '-1'], '--batch-us'), (['--batch-us', '1000001'], '--batch-us'),
        (['--batch-us', '2.5'], '--batch-us'),
    ]
    for args, name in cases:
        r = ringload(*(args + [url]))
        assert r.rc == 2, r.why()
        first = r.err.splitlines()[0] if r.err else ''
        assert first.startswith('ringload: ') and name in first, '%s: %s' % (args, r.why())
        assert 'usage: ringload' in r.err, r.why()
    r = ringload('-n', '5', 'ftp://example/')
    assert r.rc == 2 and "bad URL 'ftp://example/'" in r.err, r.why()
    r = ringload('-n', '5')
    assert r.rc == 2 and 'no URL' in r.err, r.why()


@rftest.test
def a_list_that_cannot_be_used_is_a_usage_error_naming_i_and_the_file():
    d = rftest.tempdir()
    missing = os.path.join(d, 'nonexistent')
    r = ringload('-n', '1', '-i', missing)
    assert r.rc == 2, r.why()
    assert r.err.startswith('ringload: -i %s: cannot open: No such file or directory' % missing), r.why()
    r = ringload('-n', '1', '-i', d)
    assert r.rc == 2 and ('ringload: -i %s: reading failed: Is a directory' % d) in r.err, r.why()
    empty = os.path.join(d, 'empty')
    open(empty, 'w').close()
    r = ringload('-n', '1', '-i', empty)
    assert r.rc == 2 and 'ringload: -i %s holds no URL' % empty in r.err, r.why()
    bad = os.path.join(d, 'bad')
    with open(bad, 'w') as f:
        f.write('# ok\nftp://example/\n')
    r = ringload('-n', '1', '-i', bad)
    assert r.rc == 2 and "ringload: -i %s line 2: bad URL 'ftp://example/'" % bad in r.err, r.why()


@rftest.test
def connections_above_the_fd_limit_say_what_could_be_opened():
    r = rftest.run(['sh', '-c', 'ulimit -n 256 && exec "$0" "$@"', rftest.bin('ringload'),
                    '-c', '1000', '-n', '10', 'http://127.0.0.1:9/'])
    assert r.rc == 1, r.why()
    assert 'could open at most 192 connections' in r.err and '-c 1000' in r.err, r.why()


@rftest.test
def the_text_report_has_wrks_layout_then_ours():
    with FlagServer() as fs:
        r = ringload('-n', '2000', '-c', '10', '--latency', fs.url())
    assert r.rc == 0, r.why()
    lines = r.out.splitlines()
    assert lines[0].startswith('Running 2000 requests @ ' + fs.url()), r.out
    assert re.match(r'  2 threads and 10 connections, uring backend$', lines[1]), r.out
    assert lines[2].split() == ['Thread', 'Stats', 'Avg', 'Stdev', 'Max', '+/-', 'Stdev'], r.out
    assert lines[3].split()[0] == 'Latency' and lines[4].split()[0] == 'Req/Sec', r.out
    assert lines[5] == '  Latency Distribution', r.out
    assert [l.split()[0] for l in lines[6:13]] == ['50%', '75%', '90%', '99%', '99.9%', '99.99%', 'max']
    assert re.match(r'  2000 requests in \d+\.\d\ds, [\d.]+[KMG]?B read$', lines[13]), r.out
    assert re.match(r'Requests/sec: +[\d.]+$', lines[14]) and lines[15].startswith('Transfer/sec:')
    assert lines[16] == '  Status: 1xx 0, 2xx 2000, 3xx 0, 4xx 0, 5xx 0, other 0', r.out
    assert lines[17] == '  Errors: connect 0, read 0, write 0, timeout 0, protocol 0, other 0', r.out
    assert lines[18].startswith('  Syscalls: ') and 'io_uring_enter/request' in lines[18], r.out


@rftest.test
def headers_and_a_url_list_reach_the_server():
    seen = []

    def handle(conn):
        for head in rftest.requests(conn):
            seen.append(head)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
    srv = rftest.FakeServer(handle).start()
    d = rftest.tempdir()
    lst = os.path.join(d, 'urls')
    with open(lst, 'w') as f:
        f.write('# two more\n%s\n\n  %s  \n' % (srv.url('/b'), srv.url('/c')))
    try:
        r, s = ringload_json('-n', '30', '-c', '1', '-t', '1', '-H', 'X-Test: yes', '-H',
                             'user-agent: probe/1', '-i', lst, srv.url('/a'))
    finally:
        srv.stop()
    assert s['results'] == 30 and s['status']['2xx'] == 30, s
    paths = [h.split(b' ')[1] for h in seen]
    assert paths[:6] == [b'/a', b'/b', b'/c', b'/a', b'/b', b'/c'], paths[:6]
    assert all(b'\r\nX-Test: yes' in h for h in seen), seen[0]
    assert all(b'\r\nuser-agent: probe/1' in h and b'ringload/' not in h for h in seen), seen[0]


@rftest.test
def a_warmup_is_not_counted():
    srv = Recorder().start()
    try:
        r, s = ringload_json('-R', '500', '--warmup', '1s', '-d', '1s', '-c', '4', '-t', '1',
                             srv.url('/w'), timeout=30)
    finally:
        srv.stop()
    # 1000 requests reach the server, the first 500 before the figures start.
    assert 950 <= len(srv.arrivals) <= 1050, len(srv.arrivals)
    assert 470 <= s['results'] <= 510, s
    assert 0.95 <= s['duration_s'] <= 1.1, s


if __name__ == '__main__':
    rftest.main()
