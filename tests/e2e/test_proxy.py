#!/usr/bin/env python3
"""Proxies (issue 11 item 9): http_proxy, https_proxy, no_proxy from the
environment as curl reads them (never HTTP_PROXY), --proxy and --noproxy.
http:// URLs go to the proxy in absolute form on connections keyed by the
proxy; https:// ones through a CONNECT tunnel, TLS verified against the
ORIGIN's name. A small forward proxy written for the test records what it
saw, and can refuse (403 to CONNECT, 407 without credentials, a close)."""

import base64
import json
import os
import socket
import struct
import threading
import time
import urllib.parse

import rftest
import rftls
from rftest import FakeServer

N = 12
SIZE = 5000
_corpus = None


def corpus():
    """A directory with bulk/f000000.bin ... (N files of SIZE bytes), made once."""
    global _corpus
    if _corpus is None:
        root = rftest.session_dir('rftest-proxy-')
        rftest.make_bulk_corpus(os.path.join(root, 'bulk'), N, SIZE)
        _corpus = root
    return _corpus


def names():
    return [rftest.bulk_name(i) for i in range(N)]


def ringfetch(*args, env=None, timeout=60):
    return rftest.run([rftest.bin('ringfetch')] + list(args), env=env, timeout=timeout)


def same_files(dest, which):
    rftest.assert_same_files((os.path.join(corpus(), 'bulk', n), os.path.join(dest, n)) for n in which)


def read_head(sock, buf):
    """(head, rest) of the next message on sock after buf; (None, b'') at EOF."""
    while b'\r\n\r\n' not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b''
        buf += chunk
    head, rest = buf.split(b'\r\n\r\n', 1)
    return head, rest


def parse_head(head):
    lines = head.decode('latin-1').split('\r\n')
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(':')
        headers.setdefault(k.strip().lower(), v.strip())
    return lines[0], headers


def relay(a, b, first=b''):
    """Copy bytes both ways until either side closes."""
    import select
    if first:
        b.sendall(first)
    socks = [a, b]
    try:
        while True:
            ready, _, _ = select.select(socks, [], [], 30)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        return
    finally:
        for s in socks:
            try:
                s.close()
            except OSError:
                pass


class ForwardProxy(FakeServer):
    """A forward HTTP proxy on 127.0.0.1: absolute-form GET (kept-alive,
    each request forwarded on a fresh origin connection, Proxy-* headers
    removed as a proxy must) and CONNECT tunnels. Records every request:
    seen = [(connection number, request line, headers)].

    mode: 'ok'; 'refuse' (403 to CONNECT); 'close' (closes every connection
    once it has read the request); 'dribble' (answers CONNECT one byte at a time, with headers).
    auth: 'user:password' the proxy wants, else 407."""

    def __init__(self, mode='ok', auth=None):
        super().__init__()
        self.mode = mode
        self.want = 'Basic ' + base64.b64encode(auth.encode()).decode() if auth else None
        self.seen = []

    def addr(self, creds=''):
        return 'http://%s127.0.0.1:%d' % (creds + '@' if creds else '', self.port)

    def name(self):
        return 'http://127.0.0.1:%d' % self.port

    def lines(self):
        with self.lock:
            return [line for _, line, _ in self.seen]

    def handle(self, conn):
        with self.lock:
            number = self.accepted
        if self.mode == 'close':
            # After the request, so that the close is a FIN, not a reset for unread bytes.
            read_head(conn, b'')
            conn.close()
            return
        buf = b''
        while True:
            head, buf = read_head(conn, buf)
            if head is None:
                return
            line, headers = parse_head(head)
            with self.lock:
                self.seen.append((number, line, headers))
            method, target, _ = line.split(' ', 2)
            if self.want and headers.get('proxy-authorization') != self.want:
                conn.sendall(b'HTTP/1.1 407 Proxy Authentication Required\r\n'
                             b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n')
                if method == 'CONNECT':
                    conn.close()
                    return
                continue
            if method == 'CONNECT':
                self.tunnel(conn, target, buf)
                return
            self.forward(conn, target, head)

    def tunnel(self, conn, target, early):
        if self.mode == 'refuse':
            conn.sendall(b'HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden')
            conn.close()
            return
        host, _, port = target.rpartition(':')
        origin = socket.create_connection((host.strip('[]'), int(port)), timeout=10)
        origin.settimeout(None)
        answer = b'HTTP/1.1 200 Connection established\r\n\r\n'
        if self.mode == 'dribble':
            answer = b'HTTP/1.0 200 OK\r\nProxy-Agent: ringfetch-test\r\n\r\n'
            for i in range(len(answer)):
                conn.sendall(answer[i:i + 1])
                time.sleep(0.002)
        else:
            conn.sendall(answer)
        relay(conn, origin, early)

    def forward(self, conn, target, head):
        u = urllib.parse.urlsplit(target)
        assert u.scheme == 'http', target
        lines = head.split(b'\r\n')
        path = (u.path or '/') + ('?' + u.query if u.query else '')
        keep = [h for h in lines[1:] if not h.lower().startswith((b'proxy-', b'connection:'))]
        with socket.create_connection((u.hostname, u.port or 80), timeout=10) as origin:
            origin.sendall(b'\r\n'.join([('GET %s HTTP/1.1' % path).encode()] + keep) +
                           b'\r\nConnection: close\r\n\r\n')
            rhead, body = read_head(origin, b'')
            _, rheaders = parse_head(rhead)
            length = int(rheaders.get('content-length', '0'))
            while len(body) < length:
                chunk = origin.recv(65536)
                if not chunk:
                    break
                body += chunk
        out = [h for h in rhead.split(b'\r\n') if not h.lower().startswith(b'connection:')]
        conn.sendall(b'\r\n'.join(out) + b'\r\n\r\n' + body)


class Origin(FakeServer):
    """An http origin answering every request with BODY, kept alive,
    recording each request head (heads)."""

    BODY = b'hello'

    def __init__(self):
        super().__init__()
        self.heads = []

    def handle(self, conn):
        for head in rftest.requests(conn):
            with self.lock:
                self.heads.append(head)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n' + self.BODY)


class TLSOrigin(rftls.TLSServer):
    """The same over TLS (the good certificate: localhost and 127.0.0.1)."""

    def __init__(self):
        super().__init__(self.serve)
        self.heads = []

    def serve(self, conn):
        for head in rftest.requests(conn):
            with self.lock:
                self.heads.append(head)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n' + Origin.BODY)


class Dns:
    """A name server on 127.0.0.1 (UDP) answering A for the names given,
    nothing for other types of them, NXDOMAIN for every other name; counts
    the queries per name."""

    def __init__(self, names):
        self.names = names
        self.queries = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        self.port = self.sock.getsockname()[1]

    def __enter__(self):
        threading.Thread(target=self.serve, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def server(self):
        return '127.0.0.1:%d' % self.port

    def serve(self):
        while True:
            try:
                q, peer = self.sock.recvfrom(512)
            except OSError:
                return
            labels, i = [], 12
            while q[i]:
                labels.append(q[i + 1:i + 1 + q[i]].decode().lower())
                i += 1 + q[i]
            name = '.'.join(labels)
            qtype = struct.unpack('>H', q[i + 1:i + 3])[0]
            question = q[12:i + 5]
            self.queries[name] = self.queries.get(name, 0) + 1
            addr = self.names.get(name)
            if addr is None:
                flags, answers = 0x8183, b''                      # NXDOMAIN
            elif qtype == 1:
                flags = 0x8180
                answers = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + socket.inet_aton(addr)
            else:
                flags, answers = 0x8180, b''                      # no record of that type
            reply = q[:2] + struct.pack('>HHHHH', flags, 1, 1 if answers else 0, 0, 0) + question + answers
            self.sock.sendto(reply, peer)


def env(**kv):
    """A run's proxy variables: exactly these (rftest.run drops the machine's)."""
    return kv


# ------------------------------------------------------------------------ http


@rftest.test
def http_items_go_through_the_proxy_in_absolute_form():
    dest = rftest.tempdir()
    with rftls.NginxTLS(corpus()) as ng, ForwardProxy() as px:
        urls = [ng.http_url('/bulk/' + n) for n in names()]
        r = ringfetch('-m', '4', '--proxy', px.addr(), '-o', dest, '--stats', *urls, env=env())
        lines = px.lines()
        hosts = [h.get('host') for _, _, h in px.seen]
    assert r.rc == 0, r.why()
    same_files(dest, names())
    assert sorted(lines) == sorted('GET %s HTTP/1.1' % u for u in urls), lines
    assert hosts == ['127.0.0.1:%d' % ng.http_port] * N, hosts
    s = r.stats()
    assert (s['files'], s['ok'], s['errors']) == (N, N, 0), s
    assert s['connects'] == px.accepted <= 4, (s, px.accepted)


@rftest.test
def http_origins_share_kept_alive_connections_to_the_proxy():
    """Two origins (127.0.0.1 and localhost, one nginx) one after the other
    at -m 1: one connection to the proxy carries them all, and the origins'
    names are the proxy's to resolve, not ours."""
    dest = rftest.tempdir()
    with rftls.NginxTLS(corpus()) as ng, ForwardProxy() as px:
        urls = [ng.http_url('/bulk/' + n, host='localhost' if i % 2 else '127.0.0.1')
                for i, n in enumerate(names())]
        r = ringfetch('-m', '1', '--proxy', px.addr(), '-o', dest, '--stats', *urls, env=env())
        seen = list(px.seen)
    assert r.rc == 0, r.why()
    same_files(dest, names())
    assert px.accepted == 1, px.accepted
    assert {number for number, _, _ in seen} == {1}
    assert {h['host'] for _, _, h in seen} == {'127.0.0.1:%d' % ng.http_port, 'localhost:%d' % ng.http_port}
    s = r.stats()
    assert (s['connects'], s['reused'], s['dns_lookups']) == (1, N - 1, 0), s


# ----------------------------------------------------------------------- https


@rftest.test
def https_items_go_through_a_connect_tunnel_verified_for_the_origin():
    """CONNECT to the origin, then TLS with the origin's name (SNI and the
    certificate check): 127.0.0.1 against the certificate's IP, localhost
    against its DNS name."""
    dest = rftest.tempdir()
    with rftls.NginxTLS(corpus()) as ng, ForwardProxy() as px:
        urls = [ng.url('/bulk/' + n, host='localhost' if i % 2 else '127.0.0.1')
                for i, n in enumerate(names())]
        r = ringfetch('-m', '4', '--proxy', px.addr(), '--cacert', rftls.pki().ca, '-o', dest, '--stats',
                      *urls, env=env())
        lines = px.lines()
    assert r.rc == 0, r.why()
    same_files(dest, names())
    assert set(lines) == {'CONNECT 127.0.0.1:%d HTTP/1.1' % ng.port, 'CONNECT localhost:%d HTTP/1.1' % ng.port}, \
        lines
    s = r.stats()
    assert (s['ok'], s['errors']) == (N, 0), s
    # One tunnel per connection, one handshake per tunnel; no GET reached the proxy.
    assert s['connects'] == len(lines) == s['tls_handshakes'], (s, lines)


@rftest.test
def a_connect_answer_in_pieces_still_opens_the_tunnel():
    dest = rftest.tempdir()
    with rftls.NginxTLS(corpus()) as ng, ForwardProxy('dribble') as px:
        urls = [ng.url('/bulk/' + n) for n in names()[:3]]
        r = ringfetch('--proxy', px.addr(), '--cacert', rftls.pki().ca, '-o', dest, *urls, env=env())
    assert r.rc == 0, r.why()
    same_files(dest, names()[:3])


@rftest.test
def a_wrong_origin_name_fails_verification_through_the_tunnel():
    """The certificate checked is the origin's, for the origin's name, even
    though the connection is to the proxy."""
    dest = rftest.tempdir()
    with rftls.NginxTLS(corpus(), cert='other') as ng, ForwardProxy() as px:
        url = ng.url('/bulk/' + names()[0])
        r = ringfetch('--proxy', px.addr(), '--cacert', rftls.pki().ca, '-o', dest, url, env=env())
        lines = px.lines()
    assert r.rc == 1, r.why()
    assert lines == ['CONNECT 127.0.0.1:%d HTTP/1.1' % ng.port], lines
    assert 'ERR %s: certificate is for other.example, not 127.0.0.1 (through proxy %s)' % (url, px.name()) \
        in r.err, r.why()
    assert rftest.leftovers(dest) == []


# -------------------------------------------------------------- no_proxy, env


def fetch_four(ng, px, extra, environ):
    """http and https, to localhost and to 127.0.0.1; returns (result, what
    the proxy saw: 'http 127.0.0.1', 'https localhost', ...)."""
    dest = rftest.tempdir()
    urls = []
    for i, (scheme, host) in enumerate((('http', 'localhost'), ('http', '127.0.0.1'),
                                        ('https', 'localhost'), ('https', '127.0.0.1'))):
        make = ng.url if scheme == 'https' else ng.http_url
        urls.append(make('/bulk/' + names()[i], host=host))
    before = len(px.seen)
    r = ringfetch('--cacert', rftls.pki().ca, '-o', dest, *(extra + urls), env=environ)
    assert r.rc == 0, r.why()
    same_files(dest, names()[:4])
    saw = set()
    for _, line, h in px.seen[before:]:
        method, target, _ = line.split(' ', 2)
        if method == 'CONNECT':
            saw.add('https ' + target.rsplit(':', 1)[0])
        else:
            saw.add('http ' + urllib.parse.urlsplit(target).hostname)
    return r, saw


ALL4 = {'http localhost', 'http 127.0.0.1', 'https localhost', 'https 127.0.0.1'}


@rftest.test
def no_proxy_hosts_bypass_the_proxy():
    with rftls.NginxTLS(corpus()) as ng, ForwardProxy() as px:
        both = dict(http_proxy=px.addr(), https_proxy=px.addr())
        cases = [
            (dict(no_proxy='localhost'), [], {'http 127.0.0.1', 'https 127.0.0.1'}),
            (dict(NO_PROXY='127.0.0.0/8'), [], {'http localhost', 'https localhost'}),
            (dict(no_proxy=' example.org , .localhost '), [], {'http 127.0.0.1', 'https 127.0.0.1'}),
            (dict(no_proxy='127.0.0.1:9999'), [], {'http localhost', 'https localhost'}),  # ports ignored
            (dict(no_proxy='*'), [], set()),
            (dict(no_proxy='localhost'), ['--noproxy', ''], ALL4),       # --noproxy '' overrides
            (dict(), ['--noproxy', '127.0.0.1'], {'http localhost', 'https localhost'}),
        ]
        for extra_env, opts, want in cases:
            r, saw = fetch_four(ng, px, opts, env(**both, **extra_env))
            assert saw == want, (extra_env, opts, saw)


@rftest.test
def environment_and_option_precedence_follow_curl():
    dead = 'http://127.0.0.1:%d' % rftest.free_port()
    with rftls.NginxTLS(corpus()) as ng, ForwardProxy() as px:
        cases = [
            # http_proxy for http, https_proxy / HTTPS_PROXY for https
            ([], dict(http_proxy=px.addr()), {'http localhost', 'http 127.0.0.1'}),
            ([], dict(https_proxy=px.addr()), {'https localhost', 'https 127.0.0.1'}),
            ([], dict(HTTPS_PROXY=px.addr()), {'https localhost', 'https 127.0.0.1'}),
            # HTTP_PROXY is never read (httpoxy): everything goes direct
            ([], dict(HTTP_PROXY=px.addr()), set()),
            # --proxy: every scheme, instead of the environment (which points nowhere)
            (['--proxy', px.addr()], dict(http_proxy=dead, https_proxy=dead), ALL4),
            # --proxy '': none at all
            (['--proxy', ''], dict(http_proxy=px.addr(), https_proxy=px.addr()), set()),
            # no_proxy still applies to --proxy, as in curl
            (['--proxy', px.addr()], dict(no_proxy='localhost'), {'http 127.0.0.1', 'https 127.0.0.1'}),
        ]
        for opts, extra_env, want in cases:
            r, saw = fetch_four(ng, px, opts, env(**extra_env))
            assert saw == want, (opts, extra_env, saw)


# ------------------------------------------------------------------- refusals


@rftest.test
def a_refused_connect_is_an_item_error_naming_the_proxy():
    """403 to CONNECT: each https item is an error naming the proxy, not
    retried; the http items through the same proxy and a direct one
    succeed; every item is counted once."""
    dest = rftest.tempdir()
    with rftls.NginxTLS(corpus()) as ng, ForwardProxy('refuse') as px:
        https = [ng.url('/bulk/' + n) for n in names()[:3]]
        http = [ng.http_url('/bulk/' + n) for n in names()[3:6]]
        direct = ng.http_url('/bulk/' + names()[6], host='localhost')
        r = ringfetch('-m', '4', '--proxy', px.addr(), '--noproxy', 'localhost', '--cacert', rftls.pki().ca,
                      '--retry', '2', '--retry-delay', '0.01', '-o', dest, '--stats', *(https + http + [direct]),
                      env=env())
        connects = [line for line in px.lines() if line.startswith('CONNECT')]
    assert r.rc == 1, r.why()
    # A refusal is not transient: asked once each, not retried.
    assert len(connects) == 3, connects
    for u in https:
        assert 'ERR %s: proxy %s refused CONNECT: 403 Forbidden\n' % (u, px.name()) in r.err, r.why()
    assert r.err.count('ERR ') == 3, r.why()
    same_files(dest, names()[3:7])
    assert sorted(rftest.leftovers(dest)) == names()[3:7]
    s = r.stats()
    assert (s['files'], s['ok'], s['errors'], s['retries']) == (7, 4, 3, 0), s


@rftest.test
def a_proxy_that_closes_or_is_not_there_is_named():
    with rftls.NginxTLS(corpus()) as ng, ForwardProxy('close') as px:
        https, http = ng.url('/bulk/' + names()[0]), ng.http_url('/bulk/' + names()[1])
        dest = rftest.tempdir()
        r = ringfetch('--proxy', px.addr(), '--retry', '0', '--cacert', rftls.pki().ca, '-o', dest, '--stats',
                      https, http, env=env())
        assert r.rc == 1, r.why()
        assert 'ERR %s: proxy %s closed the connection before answering CONNECT' % (https, px.name()) in r.err, \
            r.why()
        # (The close races the request: an empty reply, or a reset.)
        line = [x for x in r.err.splitlines() if x.startswith('ERR %s: ' % http)]
        assert len(line) == 1 and line[0].endswith('(through proxy %s)' % px.name()) and (
            'empty reply from server' in line[0] or 'connection reset by peer' in line[0]), r.why()
        assert r.stats()['errors'] == 2
        # Nothing listens there: connection refused, for both schemes, each counted once with its attempts.
        nobody = 'http://127.0.0.1:%d' % rftest.free_port()
        r = ringfetch('--proxy', nobody, '--retry', '1', '--retry-delay', '0.01', '-o', dest, '--stats', https,
                      http, env=env())
        assert r.rc == 1, r.why()
        for u in (https, http):
            assert 'ERR %s: proxy %s: Connection refused (2 attempts)' % (u, nobody) in r.err, r.why()
        s = r.stats()
        assert (s['files'], s['errors'], s['retries']) == (2, 2, 2), s
    assert rftest.leftovers(dest) == []


@rftest.test
def the_proxys_name_is_resolved_once_and_a_failure_names_it():
    """proxy.test through a name server started here: one lookup for every
    item, http and https alike, and none for the origins' names; a proxy
    name that does not resolve is an error for each item, naming it."""
    dest = rftest.tempdir()
    with rftls.NginxTLS(corpus()) as ng, ForwardProxy() as px, Dns({'proxy.test': '127.0.0.1'}) as dns:
        urls = [(ng.url if i % 2 else ng.http_url)('/bulk/' + n, host='localhost') for i, n in enumerate(names())]
        r = ringfetch('-m', '4', '--proxy', 'http://proxy.test:%d' % px.port, '--dns-servers', dns.server(),
                      '--cacert', rftls.pki().ca, '-o', dest, '--stats', *urls, env=env())
        assert r.rc == 0, r.why()
        same_files(dest, names())
        assert r.stats()['dns_lookups'] == 1, r.stats()
        assert set(dns.queries) == {'proxy.test'}, dns.queries
        assert len(px.seen) >= 2
        bad = 'http://nowhere.test:3128'
        dest2 = rftest.tempdir()
        r = ringfetch('--proxy', bad, '--dns-servers', dns.server(), '--cacert', rftls.pki().ca, '-o', dest2,
                      '--stats', *urls[:4], env=env())
    assert r.rc == 1, r.why()
    for u in urls[:4]:
        assert 'ERR %s: could not resolve proxy %s (' % (u, bad) in r.err, r.why()
    s = r.stats()
    assert (s['files'], s['errors'], s['dns_lookups']) == (4, 4, 1), s


# ---------------------------------------------------------------- credentials

USER, PASSWORD = 'user', 's3cret'
TOKEN = base64.b64encode(('%s:%s' % (USER, PASSWORD)).encode()).decode()


@rftest.test
def proxy_credentials_reach_the_proxy_only_and_are_never_shown():
    with ForwardProxy(auth='%s:%s' % (USER, PASSWORD)) as px, Origin() as plain, TLSOrigin() as tls:
        proxied = [plain.url('/a.txt'), tls.url('/b.txt')]
        direct = 'http://localhost:%d/c.txt' % plain.port
        # Without them: a 407 for each, in words that name the proxy.
        dest = rftest.tempdir()
        log407 = os.path.join(rftest.tempdir(), 'log407.json')
        r = ringfetch('--proxy', px.addr(), '--cacert', rftls.pki().ca, '-o', dest, '--log-json', log407,
                      *proxied, env=env())
        assert r.rc == 1, r.why()
        assert 'ERR %s: proxy %s refused the request: 407 Proxy Authentication Required' % (
            proxied[0], px.name()) in r.err, r.why()
        assert 'ERR %s: proxy %s refused CONNECT: 407 Proxy Authentication Required' % (
            proxied[1], px.name()) in r.err, r.why()
        # With them (one percent-encoded byte too): every item, -v and --stats, nothing shown.
        dest = rftest.tempdir()
        log = os.path.join(rftest.tempdir(), 'log.json')
        before = len(px.seen)
        r = ringfetch('-v', '--stats', '--proxy', px.addr('%s:%s' % (USER, PASSWORD)), '--noproxy', 'localhost',
                      '--cacert', rftls.pki().ca, '-o', dest, '--log-json', log, *(proxied + [direct]), env=env())
        assert r.rc == 0, r.why()
        with_creds = px.seen[before:]
        heads = plain.heads + tls.heads
    assert {line.split()[0] for _, line, _ in with_creds} == {'GET', 'CONNECT'}, with_creds
    assert all(h.get('proxy-authorization') == 'Basic ' + TOKEN for _, _, h in with_creds), with_creds
    for f, body in (('a.txt', b'hello'), ('b.txt', b'hello'), ('c.txt', b'hello')):
        with open(os.path.join(dest, f), 'rb') as fh:
            assert fh.read() == body
    # The origins (through the tunnel, direct, and behind the proxy) never saw them.
    assert len(heads) >= 3 and not any(b'proxy-authorization' in h.lower() for h in heads), heads
    assert any(h.startswith(b'GET /c.txt HTTP/1.1') for h in plain.heads), plain.heads
    for text in (r.out, r.err):
        assert PASSWORD not in text and TOKEN not in text, r.why()
    # The result log names the proxy each item went through (never its
    # credentials), null for the one that went direct, the refused ones too.
    for path, want in ((log, {proxied[0]: ('ok', px.name()), proxied[1]: ('ok', px.name()),
                              direct: ('ok', None)}),
                       (log407, {proxied[0]: ('error', px.name()), proxied[1]: ('error', px.name())})):
        with open(path) as f:
            text = f.read()
        assert PASSWORD not in text and TOKEN not in text, text
        got = {e['url']: (e['outcome'], e['proxy']) for e in map(json.loads, text.splitlines())}
        assert got == want, (got, want)


# ------------------------------------------------------------------ bad values


@rftest.test
def bad_proxy_values_are_usage_errors_naming_the_option_or_variable():
    with Origin() as origin:
        url = origin.url('/a.txt')
        cases = [
            (['--proxy', 'socks5://u:%s@h:1080' % PASSWORD], {},
             "ringfetch: --proxy 'socks5://u:***@h:1080': only http:// proxies are supported"),
            (['--proxy', 'https://h:3128'], {}, "ringfetch: --proxy 'https://h:3128': https:// proxies"),
            (['--proxy', 'http://h:0'], {}, "ringfetch: --proxy 'http://h:0': port out of range"),
            (['--proxy', 'http://h:3128/path'], {}, "ringfetch: --proxy 'http://h:3128/path': a proxy URL has"),
            (['--noproxy', 'a.com,b c'], {}, "ringfetch: --noproxy 'b c': not a host name"),
            (['--proxy'], {}, 'ringfetch: --proxy needs a value'),
            ([], dict(http_proxy='ftp://h'), "ringfetch: http_proxy 'ftp://h': only http:// proxies"),
            ([], dict(HTTPS_PROXY='http://u:%s@h:99999' % PASSWORD),
             "ringfetch: HTTPS_PROXY 'http://u:***@h:99999': port out of range (1 to 65535)"),
            ([], dict(no_proxy='10.0.0.0/99'), "ringfetch: no_proxy '10.0.0.0/99': not a host name"),
            ([], dict(NO_PROXY='x,http://y'), "ringfetch: NO_PROXY 'http://y': not a host name"),
        ]
        for opts, extra_env, words in cases:
            args = [url] + opts if opts == ['--proxy'] else opts + [url]
            r = ringfetch('-o', rftest.tempdir(), *args, env=env(**extra_env))
            assert r.rc == 2, (opts, extra_env, r.why())
            assert r.err.startswith(words), (words, r.why())
            assert PASSWORD not in r.err, r.why()
        # An unusable variable that an option overrides is never read.
        r = ringfetch('-o', rftest.tempdir(), '--proxy', '', url, env=env(http_proxy='ftp://h'))
        assert r.rc == 0, r.why()
        # Nothing was fetched by the runs that were refused.
        assert origin.accepted == 1, origin.accepted


if __name__ == '__main__':
    rftest.main()
