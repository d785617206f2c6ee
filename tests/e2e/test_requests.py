#!/usr/bin/env python3
"""Requests as users shape them (issue 11, item 9): -H 'Name: value'
(repeatable; curl's rules: one of ours replaced, 'Name:' removes ours),
-A/--user-agent, and --user USER:PASSWORD as Basic authorization for URLs
without credentials of their own. The password is never echoed: not in any
message, not in --log-json, and not in what ps shows of the command line;
--user USER asks for it on the terminal."""

import base64
import os
import pty
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import RouteServer, reply  # noqa: E402

PASSWORD = 'pw-Z9q!x'


def ringfetch(*args):
    return rftest.run([rftest.bin('ringfetch')] + [str(a) for a in args], timeout=60)


def basic(user, password):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


@rftest.test
def headers_and_user_agent_reach_every_request():
    srv = RouteServer({'/a': reply(200, b'a'), '/b': reply(200, b'b')})
    with srv:
        r = ringfetch('-o', rftest.tempdir(), '-H', 'X-One: 1', '--header', 'X-Two: two words',
                      '-H', 'Accept: text/plain', '-A', 'agent/9.9', srv.url('/a'), srv.url('/b'))
    assert r.rc == 0, r.why()
    assert len(srv.log) == 2
    for q in srv.log:
        h = q.headers
        assert (h['x-one'], h['x-two'], h['accept'], h['user-agent']) == (
            '1', 'two words', 'text/plain', 'agent/9.9'), h


@rftest.test
def an_empty_header_or_user_agent_removes_ours():
    srv = RouteServer({'/a': reply(200, b'a')})
    with srv:
        r = ringfetch('-o', rftest.tempdir(), '-H', 'Accept:', '-A', '', srv.url('/a'))
    assert r.rc == 0, r.why()
    h = srv.log[0].headers
    assert 'accept' not in h and 'user-agent' not in h, h
    # and by default both are there
    srv2 = RouteServer({'/a': reply(200, b'a')})
    with srv2:
        r = ringfetch('-o', rftest.tempdir(), srv2.url('/a'))
    assert srv2.log[0].headers['user-agent'].startswith('ringfetch/'), srv2.log[0].headers


@rftest.test
def user_sends_basic_authorization_unless_the_url_has_its_own():
    srv = RouteServer({'/a': reply(200, b'a'), '/b': reply(200, b'b')})
    with srv:
        own = srv.url('/b').replace('http://', 'http://carol:c%40rol@')
        r = ringfetch('-o', rftest.tempdir(), '--user', 'alice:' + PASSWORD, srv.url('/a'), own)
    assert r.rc == 0, r.why()
    auth = {q.path: q.headers.get('authorization') for q in srv.log}
    assert auth == {'/a': basic('alice', PASSWORD), '/b': basic('carol', 'c@rol')}, auth


@rftest.test
def the_password_is_never_echoed():
    tmp = rftest.tempdir()
    log = os.path.join(tmp, 'log.json')
    srv = RouteServer({'/401': reply(401, b'who?'), '/ok': reply(200, b'ok')})
    with srv:
        r = ringfetch('-o', rftest.tempdir(), '-v', '--stats', '--log-json', log, '--user', 'alice:' + PASSWORD,
                      srv.url('/401'), srv.url('/ok'), 'http://h:0/bad')
    assert r.rc == 1, r.why()
    with open(log) as f:
        logged = f.read()
    for text in (r.out, r.err, logged):
        assert PASSWORD not in text, text
    # nor in a usage error about it
    r = ringfetch('--user', 'alice:' + PASSWORD + 'x' * 2000, 'http://h/a')
    assert r.rc == 2 and PASSWORD not in r.err, r.why()


@rftest.test
def the_password_is_hidden_from_ps():
    def hang(req, conn):
        time.sleep(20)
        return False
    srv = RouteServer({'/hang': hang})
    with srv:
        p = subprocess.Popen([rftest.bin('ringfetch'), '-o', rftest.tempdir(), '--timeout', '20',
                              '--user', 'alice:' + PASSWORD, srv.url('/hang')],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 5
            while not srv.log and time.monotonic() < deadline:
                time.sleep(0.02)
            with open('/proc/%d/cmdline' % p.pid, 'rb') as f:
                cmdline = f.read().split(b'\0')
        finally:
            p.kill()   # our own child, by pid
            p.wait()
    assert srv.log and srv.log[0].headers['authorization'] == basic('alice', PASSWORD)
    assert PASSWORD.encode() not in b' '.join(cmdline), cmdline
    assert b'alice:' + b'*' * len(PASSWORD) in cmdline, cmdline


@rftest.test
def user_without_a_password_asks_on_the_terminal():
    srv = RouteServer({'/a': reply(200, b'a')})
    with srv:
        master, slave = pty.openpty()
        p = subprocess.Popen([rftest.bin('ringfetch'), '-o', rftest.tempdir(), '--user', 'alice', srv.url('/a')],
                             stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                             preexec_fn=lambda: __import__('fcntl').ioctl(0, __import__('termios').TIOCSCTTY, 0))
        os.close(slave)
        screen = b''
        try:
            deadline = time.monotonic() + 10
            while b'password' not in screen and time.monotonic() < deadline:
                if select.select([master], [], [], 0.1)[0]:
                    screen += os.read(master, 4096)
            os.write(master, (PASSWORD + '\n').encode())
            while p.poll() is None and time.monotonic() < deadline:
                if select.select([master], [], [], 0.1)[0]:
                    try:
                        screen += os.read(master, 4096)
                    except OSError:
                        break
            rc = p.wait(10)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            os.close(master)
    assert b"Enter password for user 'alice': " in screen, screen
    assert PASSWORD.encode() not in screen, 'the password was echoed: %r' % screen
    assert rc == 0, screen
    assert srv.log[0].headers['authorization'] == basic('alice', PASSWORD)


@rftest.test
def user_without_a_password_and_no_terminal_is_a_usage_error():
    r = rftest.run(['setsid', rftest.bin('ringfetch'), '-o', rftest.tempdir(), '--user', 'alice',
                    'http://127.0.0.1:9/a'], timeout=30)
    assert r.rc == 2, r.why()
    assert '--user without \':PASSWORD\' asks for the password on the terminal, and there is none' in r.err, r.err


if __name__ == '__main__':
    rftest.main()
