#!/usr/bin/env python3
"""Names resolved off the loop (issue 11 item 3): c-ares asking a real DNS
server started by the test (dnsmasq on a loopback port, --dns-servers),
--resolve, /etc/hosts, NXDOMAIN, and a name server that never answers,
which must cost the other hosts nothing."""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import rftest
from rftest import FakeServer

BODY = b'0123456789'
REPLY = b'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n' + BODY


def ringfetch(*args, timeout=60):
    return rftest.run([rftest.bin('ringfetch')] + list(args), timeout=timeout)


class Dnsmasq:
    """dnsmasq on 127.0.0.1:PORT answering NAME -> ADDR for the names given,
    forwarding the names of `forward` to the server given for each
    ('127.0.0.1:PORT'), NXDOMAIN for anything else (no other upstream, no
    /etc/hosts)."""

    def __init__(self, names, forward=None):
        self.names = names
        self.forward = forward or {}
        self.proc = None

    def __enter__(self):
        exe = shutil.which('dnsmasq') or '/usr/sbin/dnsmasq'
        if not os.access(exe, os.X_OK):
            rftest.skip_missing('dnsmasq (Debian dnsmasq-base) is not installed')
        self.port = rftest.free_port()
        args = [exe, '-k', '--port=%d' % self.port, '--listen-address=127.0.0.1', '--bind-interfaces',
                '--no-resolv', '--no-hosts', '--pid-file=', '--log-facility=-']
        if os.geteuid() == 0:
            args.append('--user=root')
        for name, addr in self.names.items():
            args.append('--address=/%s/%s' % (name, addr))
        for name, server in self.forward.items():
            args.append('--server=/%s/%s' % (name, server.replace(':', '#')))
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Ready when it answers a query for one of its names.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError('dnsmasq exited: %s' % self.proc.stderr.read().decode())
            try:
                socket.getaddrinfo('127.0.0.1', self.port)
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.settimeout(0.2)
                    s.sendto(b'\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01',
                             ('127.0.0.1', self.port))
                    s.recvfrom(512)
                    return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError('dnsmasq did not start')

    def server(self):
        return '127.0.0.1:%d' % self.port

    def __exit__(self, *exc):
        self.proc.terminate()   # our own child, by pid
        self.proc.wait(5)
        self.proc.stderr.close()


class SilentDns:
    """A name server that reads every query and never answers."""

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        self.port = self.sock.getsockname()[1]
        self.queries = 0
        self.stop = False
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                self.sock.recvfrom(512)
                self.queries += 1
            except OSError:
                pass

    def server(self):
        return '127.0.0.1:%d' % self.port

    def __exit__(self, *exc):
        self.stop = True
        self.sock.close()


def host_server(addr):
    """A server bound to one loopback address (127.0.0.2, ...)."""
    def handle(conn):
        for _ in rftest.requests(conn):
            conn.sendall(REPLY)
    return FakeServer(handle, host=addr)


@rftest.test
def names_resolve_through_the_dns_server_given():
    with host_server('127.0.0.2') as a, host_server('127.0.0.3') as b:
        with Dnsmasq({'a.test': '127.0.0.2', 'b.test': '127.0.0.3'}) as dns:
            out = rftest.tempdir()
            r = ringfetch('--dns-servers', dns.server(), '-o', out, '--stats',
                          'http://a.test:%d/one' % a.port, 'http://b.test:%d/two' % b.port)
    assert r.rc == 0, r.why()
    assert sorted(os.listdir(out)) == ['one', 'two']
    assert r.stats()['dns_lookups'] == 2, r.out


@rftest.test
def a_name_is_looked_up_once_for_all_its_items():
    with host_server('127.0.0.2') as a:
        with Dnsmasq({'a.test': '127.0.0.2'}) as dns:
            out = rftest.tempdir()
            r = ringfetch('--dns-servers', dns.server(), '-o', out, '--stats', '-m', '4',
                          *['http://a.test:%d/f%d' % (a.port, i) for i in range(20)])
    assert r.rc == 0, r.why()
    assert r.stats()['dns_lookups'] == 1, r.out


@rftest.test
def a_redirect_to_a_name_is_looked_up_then_followed():
    # Issue 11: a redirect chain whose next hop needs DNS. The list's URL is
    # an address; its 302 names a.test, which only the test's server knows.
    with host_server('127.0.0.2') as a, Dnsmasq({'a.test': '127.0.0.2'}) as dns:
        target = 'http://a.test:%d/moved' % a.port
        hop = (b'HTTP/1.1 302 Found\r\nLocation: ' + target.encode() +
               b'\r\nContent-Length: 0\r\n\r\n')
        with FakeServer.canned(hop, close=False) as first:
            out = rftest.tempdir()
            log = os.path.join(out, '..', os.path.basename(out) + '.log')
            r = ringfetch('--dns-servers', dns.server(), '-o', out, '--stats', '--log-json', log,
                          'http://127.0.0.1:%d/start' % first.port)
    assert r.rc == 0, r.why()
    st = r.stats()
    assert (st['ok'], st['redirects'], st['dns_lookups']) == (1, 1, 1), st
    assert os.listdir(out) == ['start'], os.listdir(out)
    assert open(os.path.join(out, 'start'), 'rb').read() == BODY
    import json
    with open(log) as f:
        entry = json.loads(f.readline())
    os.unlink(log)
    assert entry['final_url'] == target, entry


@rftest.test
def nxdomain_is_an_error_naming_the_host():
    with Dnsmasq({'a.test': '127.0.0.2'}) as dns:
        r = ringfetch('--dns-servers', dns.server(), '-o', rftest.tempdir(), 'http://nope.test/x')
    assert r.rc == 1, r.why()
    assert 'could not resolve host nope.test' in r.err, r.why()


@rftest.test
def resolve_option_answers_without_asking():
    with host_server('127.0.0.2') as a:
        with SilentDns() as dns:
            out = rftest.tempdir()
            r = ringfetch('--dns-servers', dns.server(), '--resolve', 'fake.example:%d:127.0.0.2' % a.port,
                          '-o', out, 'http://fake.example:%d/x' % a.port, timeout=20)
            queries = dns.queries
    assert r.rc == 0, r.why()
    assert os.listdir(out) == ['x']
    assert queries == 0


@rftest.test
def etc_hosts_is_honoured():
    # localhost comes from /etc/hosts, never from a name server (this one
    # would never answer).
    with FakeServer.canned(REPLY, close=False) as srv:
        with SilentDns() as dns:
            out = rftest.tempdir()
            r = ringfetch('--dns-servers', dns.server(), '-o', out, 'http://localhost:%d/x' % srv.port,
                          timeout=20)
    assert r.rc == 0, r.why()


@rftest.test
def a_silent_name_server_costs_the_other_hosts_nothing():
    # Two names whose lookups never end come first; a 127.0.0.1 URL after
    # them finishes at once, and the two end with a timeout that --timeout
    # bounds.
    with FakeServer.canned(REPLY, close=False) as srv, SilentDns() as dns:
        out = rftest.tempdir()
        p = subprocess.Popen([rftest.bin('ringfetch'), '--dns-servers', dns.server(), '--timeout', '2',
                              '-o', out, 'http://dead1.test/a', 'http://dead2.test/b',
                              'http://127.0.0.1:%d/c' % srv.port],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t0 = time.monotonic()
        got = None
        while time.monotonic() - t0 < 5 and got is None and p.poll() is None:
            if os.path.exists(os.path.join(out, 'c')):
                got = time.monotonic() - t0
            time.sleep(0.01)
        _, err = p.communicate(timeout=15)
        rc = p.returncode
        took = time.monotonic() - t0
        err = err.decode()
    assert got is not None and got < 1.0, (got, err)
    assert rc == 1, err
    assert err.count('timed out') + err.count('could not resolve') == 2, err
    assert took < 6, (took, err)


@rftest.test
def a_thousand_items_of_a_dead_host_do_not_delay_the_next_host():
    with FakeServer.canned(REPLY, close=False) as srv, SilentDns() as dns:
        d = rftest.tempdir()
        lst = os.path.join(d, 'list')
        with open(lst, 'w') as f:
            f.write(''.join('http://dead.test/%d\n' % i for i in range(1000)))
            f.write('http://127.0.0.1:%d/alive\n' % srv.port)
        out = os.path.join(d, 'out')
        p = subprocess.Popen([rftest.bin('ringfetch'), '--dns-servers', dns.server(), '--timeout', '2',
                              '-i', lst, '-o', out], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t0 = time.monotonic()
        got = None
        while time.monotonic() - t0 < 5 and got is None and p.poll() is None:
            if os.path.exists(os.path.join(out, 'alive')):
                got = time.monotonic() - t0
            time.sleep(0.005)
        # (1000 error lines: read them while it runs, or its stderr fills)
        _, err = p.communicate(timeout=20)
        rc = p.returncode
        err = err.decode()
    assert got is not None and got < 1.0, (got, err[-300:])
    assert rc == 1
    assert err.count('ERR http://dead.test/') == 1000, err[-300:]


@rftest.test
def an_answer_beside_a_lookup_that_never_ends_is_read_at_once():
    """One name server answers a.test and never answers dead.test (dnsmasq
    forwards it to a silent server): a.test's answer arrives on the socket
    where dead.test's query still waits, and reading it must not wait for
    more (c-ares wants its sockets non-blocking). a.test's item finishes at
    once; dead.test's ends when --timeout says."""
    with host_server('127.0.0.2') as a, SilentDns() as silent:
        with Dnsmasq({'a.test': '127.0.0.2'}, forward={'dead.test': silent.server()}) as dns:
            out = rftest.tempdir()
            p = subprocess.Popen([rftest.bin('ringfetch'), '--dns-servers', dns.server(), '--timeout', '2',
                                  '-o', out, 'http://dead.test/x', 'http://a.test:%d/alive' % a.port],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            t0 = time.monotonic()
            got = None
            while time.monotonic() - t0 < 5 and got is None and p.poll() is None:
                if os.path.exists(os.path.join(out, 'alive')):
                    got = time.monotonic() - t0
                time.sleep(0.01)
            try:
                _, err = p.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()   # our own child, by pid
                _, err = p.communicate()
                raise AssertionError('ringfetch hung (alive after %s s)' % got)
            took = time.monotonic() - t0
            err = err.decode()
    assert got is not None and got < 1.0, (got, err)
    assert p.returncode == 1, err
    assert 'ERR http://dead.test/x: ' in err and 'alive' not in err, err
    assert took < 6, (took, err)


@rftest.test
def ctrl_c_during_lookups_stops_at_once_and_counts_them_cancelled():
    with SilentDns() as dns:
        out = rftest.tempdir()
        p = subprocess.Popen([rftest.bin('ringfetch'), '--dns-servers', dns.server(), '-o', out, '--stats',
                              'http://dead1.test/a', 'http://dead2.test/b'],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.5)
        # A blocking wait (Popen.wait with a timeout polls, adding up to 50
        # ms), with a timer that kills a child that does not stop.
        killer = threading.Timer(5, p.kill)
        killer.start()
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        rc = p.wait()
        took = time.monotonic() - t0
        killer.cancel()
        out_text = p.stdout.read().decode()
        p.stdout.close()
        p.stderr.close()
    assert rc == 130, rc
    # Issue 11 asks for 100 ms; 0.25 s holds on a loaded 2-core machine.
    assert took < 0.25, took
    import json
    st = json.loads(out_text)
    assert st['errors'] == 0 and st['ok'] == 0, st
    assert st['cancelled'] == 2 and st['files'] == 2, st


@rftest.test
def bad_resolve_and_dns_server_values_are_usage_errors():
    for args in (['--resolve', 'nocolon'], ['--resolve', 'h:0:127.0.0.1'], ['--resolve', 'h:80:not-an-ip'],
                 ['--dns-servers', 'not an address']):
        r = ringfetch(*args, '-o', rftest.tempdir(), 'http://127.0.0.1:1/x')
        assert r.rc == 2, (args, r.why())
        assert args[0] in r.err, (args, r.err)


if __name__ == '__main__':
    rftest.main()
