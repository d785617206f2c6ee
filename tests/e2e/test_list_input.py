#!/usr/bin/env python3
"""A URL list read through the engine like every other read (issue 9 item 3):
a line is fetched as soon as it ends, transfers in flight never wait for the
list, and a slow list never turns into a timeout of a healthy transfer."""

import os
import signal
import subprocess
import time

import rftest
from rftest import FakeServer

BODY = b'0123456789'
REPLY = b'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n' + BODY


def start(args, out):
    return subprocess.Popen([rftest.bin('ringfetch'), '-i', '-', '-o', out] + args,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(path, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return False


@rftest.test
def a_typed_url_is_fetched_when_its_line_ends():
    out = rftest.tempdir()
    with FakeServer.canned(REPLY, close=False) as srv:
        p = start([], out)
        try:
            p.stdin.write((srv.url('/one') + '\n').encode())
            p.stdin.flush()
            # The list stays open: the first file must not wait for the next line.
            assert wait_for(os.path.join(out, 'one'), 3.0), 'the first URL waited for the next line'
            assert p.poll() is None
            p.stdin.write((srv.url('/two') + '\n').encode())
            p.stdin.close()
            rc = p.wait(10)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert rc == 0, p.stderr.read()
    assert sorted(os.listdir(out)) == ['one', 'two']


@rftest.test
def a_slow_list_never_times_out_a_healthy_transfer():
    # With a whole-request limit of 1 s and 2.5 s between two lines, both
    # items must succeed: a list that blocked the loop made them time out.
    out = rftest.tempdir()
    with FakeServer.canned(REPLY, close=False) as srv:
        p = start(['--timeout', '1'], out)
        try:
            p.stdin.write((srv.url('/one') + '\n').encode())
            p.stdin.flush()
            time.sleep(2.5)
            p.stdin.write((srv.url('/two') + '\n').encode())
            p.stdin.close()
            rc = p.wait(10)
            err = p.stderr.read().decode()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert rc == 0, err
    assert sorted(os.listdir(out)) == ['one', 'two'], err


@rftest.test
def transfers_in_flight_do_not_wait_for_the_list():
    # A long body is received while the list sits silent: its bytes keep
    # arriving (the file completes) before the list says anything more.
    out = rftest.tempdir()

    def handle(conn):
        rftest.read_request(conn)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n')
        for _ in range(4):
            time.sleep(0.25)
            conn.sendall(b'x' * 5)
    with FakeServer(handle) as srv:
        p = start([], out)
        try:
            p.stdin.write((srv.url('/slow') + '\n').encode())
            p.stdin.flush()
            assert wait_for(os.path.join(out, 'slow'), 4.0), 'the transfer waited for the list'
            p.stdin.close()
            rc = p.wait(10)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert rc == 0


@rftest.test
def ctrl_c_while_the_list_is_silent_stops_at_once():
    out = rftest.tempdir()
    p = start([], out)
    try:
        time.sleep(0.3)
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        rc = p.wait(5)
        took = time.monotonic() - t0
        err = p.stderr.read().decode()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdin.close()
    assert rc == 130, err
    assert took < 1.0, took
    assert 'failed' not in err, err


@rftest.test
def several_lists_are_read_in_order_through_one_input():
    d = rftest.tempdir()
    out = os.path.join(d, 'out')
    seen = []

    def handle(conn):
        for head in rftest.requests(conn):
            seen.append(head.split(b' ')[1].decode().rsplit('/', 1)[1])
            conn.sendall(REPLY)
    with FakeServer(handle) as srv:
        names = []
        for k in range(3):
            names.append(os.path.join(d, 'list%d' % k))
            with open(names[-1], 'w') as f:
                f.write(''.join(srv.url('/l%d-%d' % (k, i)) + '\n' for i in range(200)))
        args = [rftest.bin('ringfetch'), '-m', '1', '-o', out]
        for n in names:
            args += ['-i', n]
        r = rftest.run(args, timeout=60)
    assert r.rc == 0, r.why()
    assert seen == ['l%d-%d' % (k, i) for k in range(3) for i in range(200)], seen[:5]
    assert len(os.listdir(out)) == 600


if __name__ == '__main__':
    rftest.main()
