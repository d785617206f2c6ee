"""build/flagserver on its own, driven over raw loopback sockets: content,
HTTP framing, limits, 1,000 keep-alive connections, presets, injected errors
and every fault mode as a client sees it at the socket level. Issue 3.

Every socket has a timeout and every server is stopped by its pid."""

import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

CODES_SAMPLE = ['ad', 'br', 'ci', 'cn', 'fm', 'gb', 'kr', 'us', 'zw']


# ------------------------------------------------------------------ helpers

class FlagServer:
    """build/flagserver ARGS on free ports; .ports lists its listeners.

        with FlagServer('--preset', 'ERROR', '--seed', '7') as fs:
            fs.port
    """

    def __init__(self, *args, listeners=1, port0=True, env=None):
        self.args = list(args) + (['--port', '0'] if port0 else [])
        self.listeners = listeners
        self.env = dict(os.environ, **env) if env else None
        self.proc = None
        self.ports = []
        self.addrs = []

    def start(self):
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([rftest.bin('flagserver')] + self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self.err, env=self.env)
        deadline = time.monotonic() + 20
        buf = b''
        while buf.count(b'\n') < self.listeners:
            left = deadline - time.monotonic()
            ready = select.select([self.proc.stdout], [], [], max(left, 0))[0]
            chunk = os.read(self.proc.stdout.fileno(), 4096) if ready else b''
            if not chunk:
                self.stop()
                raise AssertionError('flagserver %s did not start: stdout %r, stderr %s'
                                     % (' '.join(self.args), buf, self.stderr()))
            buf += chunk
        for line in buf.decode().splitlines():
            m = re.fullmatch(r'listening on (\S+):(\d+)', line)
            assert m, 'unexpected startup line %r' % line
            self.addrs.append(m.group(1))
            self.ports.append(int(m.group(2)))
        return self

    @property
    def port(self):
        return self.ports[0]

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode('utf-8', 'replace')

    def stop(self, sig=signal.SIGTERM):
        """Signal our own child by pid; return its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc.stdout.close()
        rc, self.proc = self.proc.returncode, None
        return rc

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, *exc):
        rc = self.stop()
        # Every test also checks a clean stop: exit 0 on SIGTERM and no
        # sanitizer report (RF_BUILD may point at an ASan build).
        if exc_type is None:
            err = self.stderr()
            assert rc == 0, 'flagserver exited %s on SIGTERM: %s' % (rc, err[-2000:])
            assert 'Sanitizer' not in err and 'runtime error' not in err, err[-3000:]


class Conn:
    """One client connection with a read buffer; every wait is bounded."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=timeout)
        self.buf = b''

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def request(self, path, method='GET', version='HTTP/1.1', headers=()):
        lines = ['%s %s %s' % (method, path, version), 'Host: 127.0.0.1'] + list(headers)
        self.send(('\r\n'.join(lines) + '\r\n\r\n').encode())

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError('connection closed after %d buffered bytes' % len(self.buf))
        self.buf += chunk

    def read_head(self):
        """(status, status_line, headers with lower-case names)."""
        while b'\r\n\r\n' not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b'\r\n\r\n', 1)
        lines = head.decode('latin-1').split('\r\n')
        m = re.match(r'HTTP/1\.[01] (\d{3}) ', lines[0])
        assert m, 'bad status line %r' % lines[0]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            headers[name.strip().lower()] = value.strip()
        return int(m.group(1)), lines[0], headers

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def response(self, head_only=False):
        """(status, headers, body) of the next response (Content-Length framed)."""
        status, _, headers = self.read_head()
        body = b'' if head_only else self.read_exact(int(headers['content-length']))
        return status, headers, body

    def get(self, path, **kw):
        self.request(path, **kw)
        return self.response(head_only=kw.get('method') == 'HEAD')

    def rest(self, wait=3.0):
        """Everything until the peer stops: (bytes, 'eof' | 'reset' | 'open')."""
        self.sock.settimeout(wait)
        data, self.buf = self.buf, b''
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return data, 'eof'
                data += chunk
        except ConnectionResetError:
            return data, 'reset'
        except socket.timeout:
            return data, 'open'


def fetch(port, path, method='GET'):
    c = Conn(port)
    try:
        return c.get(path, method=method)
    finally:
        c.close()


def synthetic_root():
    """mkcorpus's tree: the bytes the in-memory server must serve."""
    if not hasattr(synthetic_root, 'dir'):
        synthetic_root.dir = rftest.make_flags_corpus(rftest.session_dir('rftest-fs-'))
    return synthetic_root.dir


def read_file(*parts):
    with open(os.path.join(*parts), 'rb') as f:
        return f.read()


def one_response_then_close(port, path='/flags/br/br.gif'):
    """Send one GET asking for close; return (status, headers, body_bytes, how_it_ended)."""
    c = Conn(port)
    try:
        c.request(path, headers=['Connection: close'])
        status, _, headers = c.read_head()
        body, how = c.rest()
        return status, headers, body, how
    finally:
        c.close()


# --------------------------------------------------------------- content

@rftest.test
def serves_synthetic_flags_identical_to_mkcorpus():
    root = synthetic_root()
    with FlagServer() as fs:
        for cc in CODES_SAMPLE:
            status, headers, body = fetch(fs.port, '/flags/%s/%s.gif' % (cc, cc))
            assert status == 200, '%s: %d' % (cc, status)
            assert headers['content-type'] == 'image/gif', headers
            assert body == read_file(root, 'flags', cc, cc + '.gif'), '%s.gif differs from mkcorpus' % cc
            status, headers, body = fetch(fs.port, '/flags/%s/metadata.json' % cc)
            assert status == 200 and headers['content-type'] == 'application/json', (status, headers)
            assert body == read_file(root, 'flags', cc, 'metadata.json'), cc


@rftest.test
def serves_files_under_root_byte_for_byte():
    root = rftest.flags_root()
    with FlagServer('--root', root) as fs:
        c = Conn(fs.port)
        for cc in rftest.flag_codes(root)[::10]:
            status, headers, body = c.get('/flags/%s/%s.gif' % (cc, cc))
            assert status == 200, '%s: %d' % (cc, status)
            assert body == read_file(root, 'flags', cc, cc + '.gif'), cc
            assert int(headers['content-length']) == len(body)
        c.close()


@rftest.test
def serves_a_large_file_from_root_in_pieces():
    root = rftest.tempdir()
    rftest.make_bulk_corpus(root, 1, 3 * 65536 + 123)
    with FlagServer('--root', root) as fs:
        status, headers, body = fetch(fs.port, '/f000000.bin')
    assert status == 200 and headers['content-type'] == 'application/octet-stream', (status, headers)
    assert body == read_file(root, 'f000000.bin')


@rftest.test
def missing_file_is_404_and_keeps_the_connection():
    with FlagServer() as fs:
        c = Conn(fs.port)
        status, headers, body = c.get('/flags/xx/xx.gif')
        assert status == 404 and b'404' in body, (status, body)
        assert headers['connection'] == 'keep-alive', headers
        status, _, _ = c.get('/flags/br/br.gif')
        assert status == 200
        c.close()


@rftest.test
def head_gives_the_length_and_no_body():
    with FlagServer() as fs:
        c = Conn(fs.port)
        status, headers, body = c.get('/flags/br/br.gif', method='HEAD')
        assert status == 200 and body == b''
        length = int(headers['content-length'])
        # Had a body followed the head, the next response would not parse.
        status, _, body = c.get('/flags/br/br.gif')
        assert status == 200 and len(body) == length
        c.close()


@rftest.test
def dot_dot_paths_are_rejected():
    root = rftest.tempdir()
    os.makedirs(os.path.join(root, 'pub'))
    with open(os.path.join(root, 'secret.txt'), 'w') as f:
        f.write('secret')
    with FlagServer('--root', os.path.join(root, 'pub')) as fs:
        for path in ['/../secret.txt', '/a/../../secret.txt', '/%2e%2e/secret.txt', '/x/%2E%2E/../secret.txt']:
            status, _, body = fetch(fs.port, path)
            assert status == 400 and b'secret' not in body, '%s -> %d' % (path, status)


@rftest.test
def other_methods_get_405():
    with FlagServer() as fs:
        status, headers, _ = fetch(fs.port, '/flags/br/br.gif', method='DELETE')
    assert status == 405 and 'GET' in headers.get('allow', ''), (status, headers)


# ------------------------------------------------------- framing and limits

@rftest.test
def malformed_requests_get_400_then_close():
    with FlagServer() as fs:
        for raw in [b'BLAH\r\n\r\n', b'GET /flags/br/br.gif HTTP/9.9\r\n\r\n',
                    b'GET /flags/br/br.gif HTTP/1.1\r\nNo colon here\r\n\r\n',
                    b'GET flags/br/br.gif HTTP/1.1\r\n\r\n', b'GET /%zz HTTP/1.1\r\n\r\n']:
            c = Conn(fs.port)
            c.send(raw)
            status, _, headers = c.read_head()
            assert status == 400, '%r -> %d' % (raw, status)
            assert headers['connection'] == 'close'
            _, how = c.rest()
            assert how == 'eof', '%r: connection %s after 400' % (raw, how)
            c.close()


@rftest.test
def oversized_request_is_refused_and_the_server_lives_on():
    with FlagServer() as fs:
        c = Conn(fs.port)
        try:
            c.send(b'GET /flags/br/br.gif HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 200000 + b'\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before we finish: fine
        try:
            status, _, _ = c.read_head()
            assert status == 431, status
        except (EOFError, ConnectionResetError):
            pass
        c.close()
        long_url = '/' + 'x' * 5000
        status, _, _ = fetch(fs.port, long_url)
        assert status in (414, 431), status
        assert fetch(fs.port, '/flags/br/br.gif')[0] == 200
        assert fs.proc.poll() is None, 'server died'


@rftest.test
def pipelined_requests_are_answered_in_order():
    with FlagServer() as fs:
        c = Conn(fs.port)
        c.send(b''.join(b'GET /flags/%s/%s.gif HTTP/1.1\r\nHost: x\r\n\r\n' % (cc.encode(), cc.encode())
                        for cc in CODES_SAMPLE))
        root = synthetic_root()
        for cc in CODES_SAMPLE:
            status, _, body = c.response()
            assert status == 200 and body == read_file(root, 'flags', cc, cc + '.gif'), cc
        c.close()


@rftest.test
def serves_1000_concurrent_keepalive_connections():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        if hard != resource.RLIM_INFINITY and hard < 1200:
            rftest.skip('fd limit %d too low for 1000 connections' % hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    with FlagServer() as fs:
        conns = [Conn(fs.port, timeout=20) for _ in range(1000)]
        try:
            for rnd in range(2):  # the second round proves every connection stayed open
                for i, c in enumerate(conns):
                    c.request('/flags/%s/%s.gif' % ('br' if i % 2 else 'us', 'br' if i % 2 else 'us'))
                for i, c in enumerate(conns):
                    status, headers, body = c.response()
                    assert status == 200 and len(body) > 1000, 'round %d conn %d: %d' % (rnd, i, status)
                    assert headers['connection'] == 'keep-alive'
        finally:
            for c in conns:
                c.close()
        assert fs.proc.poll() is None, 'server died'


@rftest.test
def http10_mode_closes_after_every_response():
    with FlagServer('--http10') as fs:
        c = Conn(fs.port)
        c.request('/flags/br/br.gif')
        status, line, headers = c.read_head()
        assert line.startswith('HTTP/1.0 200'), line
        assert headers['connection'] == 'close', headers
        body, how = c.rest()
        assert how == 'eof' and len(body) == int(headers['content-length']), (how, len(body))
        c.close()


@rftest.test
def http10_client_without_keepalive_is_closed():
    with FlagServer() as fs:
        c = Conn(fs.port)
        c.request('/flags/br/br.gif', version='HTTP/1.0')
        status, _, headers = c.read_head()
        body, how = c.rest()
        assert status == 200 and headers['connection'] == 'close' and how == 'eof', (headers, how)
        c.close()


# ----------------------------------------------------------------- presets

@rftest.test
def error_preset_fails_about_a_quarter_with_500_to_503_then_closes():
    # --delay 0 keeps the run short; the 50% delay is checked separately.
    with FlagServer('--preset', 'ERROR', '--seed', '7', '--delay', '0') as fs:
        statuses = {}
        for cc in rftest.flag_codes(synthetic_root()):
            c = Conn(fs.port)
            c.request('/flags/%s/%s.gif' % (cc, cc))
            status, _, headers = c.read_head()
            statuses[cc] = status
            if status != 200:
                assert headers['connection'] == 'close', headers
                body, how = c.rest()
                assert b'<html>' in body and how == 'eof', (cc, how)
            c.close()
    errors = [s for s in statuses.values() if s != 200]
    assert set(errors) <= {500, 501, 502, 503}, set(errors)
    assert 0.15 * 194 <= len(errors) <= 0.35 * 194, '%d errors of 194' % len(errors)
    assert len(set(errors)) == 4, 'statuses seen: %s' % sorted(set(errors))


@rftest.test
def same_seed_gives_the_same_errors_other_seeds_differ():
    with FlagServer('--preset', 'ERROR', '--seed', '7', '--delay', '0') as fs:
        first = [fetch(fs.port, '/flags/%s/%s.gif' % (cc, cc))[0] for cc in rftest.flag_codes(synthetic_root())]
    with FlagServer('--preset', 'ERROR', '--seed', '7', '--delay', '0') as fs:
        # Another order: outcomes belong to (seed, path, n), not to arrival order.
        second = [fetch(fs.port, '/flags/%s/%s.gif' % (cc, cc))[0] for cc in reversed(rftest.flag_codes(synthetic_root()))]
    assert first == list(reversed(second)), 'same seed, different outcomes'
    with FlagServer('--preset', 'ERROR', '--seed', '8', '--delay', '0') as fs:
        third = [fetch(fs.port, '/flags/%s/%s.gif' % (cc, cc))[0] for cc in rftest.flag_codes(synthetic_root())]
    assert first != third, 'seeds 7 and 8 gave identical outcomes'


@rftest.test
def error_preset_delays_about_half_the_responses():
    with FlagServer('--preset', 'ERROR', '--seed', '3', '-v') as fs:
        c = Conn(fs.port)
        slow = 0
        for cc in CODES_SAMPLE[:6]:
            start = time.monotonic()
            c.request('/flags/%s/%s.gif' % (cc, cc))
            status, _, headers = c.read_head()
            slow += time.monotonic() - start >= 0.45
            if headers['connection'] == 'close':
                c.close()
                c = Conn(fs.port)
            else:
                c.read_exact(int(headers['content-length']))
        c.close()
        log = fs.stderr()
    delayed = log.count('delay=500ms')
    assert delayed == slow, 'log says %d delayed, client saw %d slow' % (delayed, slow)
    assert 1 <= slow <= 5, '%d of 6 delayed' % slow


@rftest.test
def delay_preset_delays_every_response_half_a_second():
    with FlagServer('--preset', 'DELAY') as fs:
        c = Conn(fs.port)
        for cc in CODES_SAMPLE[:3]:
            start = time.monotonic()
            status, _, _ = c.get('/flags/%s/%s.gif' % (cc, cc))
            took = time.monotonic() - start
            assert status == 200 and 0.45 <= took < 2.0, '%s took %.2fs' % (cc, took)
        c.close()


@rftest.test
def delay_range_is_uniform_between_min_and_max():
    with FlagServer('--delay', '0.1:0.3', '--seed', '1') as fs:
        took = []
        for cc in CODES_SAMPLE[:6]:
            start = time.monotonic()
            fetch(fs.port, '/flags/%s/%s.gif' % (cc, cc))
            took.append(time.monotonic() - start)
    assert all(0.09 <= t < 1.0 for t in took), took
    assert max(took) - min(took) > 0.02, 'no spread: %s' % took


@rftest.test
def fixed_error_status_418_is_sent_with_its_reason():
    with FlagServer('--error-status', '418') as fs:
        status, headers, body = one_response_then_close(fs.port)[:3]
    assert status == 418 and b"418 I'm a Teapot" in body, (status, body[:100])


@rftest.test
def presets_run_three_listeners_in_one_process():
    with FlagServer('--presets', '--seed', '1', listeners=3) as fs:
        assert all(a == '127.0.0.1' for a in fs.addrs), fs.addrs
        local, delay, error = fs.ports
        start = time.monotonic()
        assert fetch(local, '/flags/br/br.gif')[0] == 200
        assert time.monotonic() - start < 0.4, 'LOCAL was slow'
        start = time.monotonic()
        assert fetch(delay, '/flags/br/br.gif')[0] == 200
        assert time.monotonic() - start >= 0.45, 'DELAY was fast'
        statuses = {fetch(error, '/flags/%s/%s.gif' % (cc, cc))[0] for cc in CODES_SAMPLE}
        assert statuses - {200}, 'ERROR listener never failed: %s' % statuses


@rftest.test
def presets_default_to_the_books_ports():
    for port in (8001, 8002, 8003):
        with socket.socket() as s:
            if s.connect_ex(('127.0.0.1', port)) == 0:
                rftest.skip('port %d already in use here' % port)
    with FlagServer('--presets', listeners=3, port0=False) as fs:
        assert fs.ports == [8001, 8002, 8003], fs.ports


# ------------------------------------------------------------------ faults

@rftest.test
def fault_truncate_sends_less_than_content_length_then_eof():
    with FlagServer('--fault', 'truncate') as fs:
        status, headers, body, how = one_response_then_close(fs.port)
    assert status == 200 and how == 'eof', how
    assert 0 < len(body) < int(headers['content-length']), (len(body), headers)


@rftest.test
def fault_reset_ends_with_rst_mid_body():
    with FlagServer('--fault', 'reset') as fs:
        status, headers, body, how = one_response_then_close(fs.port)
    assert how == 'reset', how
    assert len(body) < int(headers['content-length'])


@rftest.test
def fault_stall_sends_headers_then_nothing():
    with FlagServer('--fault', 'stall') as fs:
        c = Conn(fs.port)
        c.request('/flags/br/br.gif')
        status, _, headers = c.read_head()
        body, how = c.rest(wait=1.0)
        c.close()
    assert status == 200 and int(headers['content-length']) > 0
    assert body == b'' and how == 'open', (len(body), how)


@rftest.test
def fault_drip_rate_is_about_one_byte_per_interval():
    with FlagServer('--fault', 'drip', '--drip-ms', '50') as fs:
        c = Conn(fs.port)
        c.request('/flags/br/br.gif')
        c.sock.settimeout(1.0)
        got, start = b'', time.monotonic()
        while time.monotonic() - start < 1.0:
            got += c.sock.recv(100)
        c.close()
    assert 8 <= len(got) <= 30, '%d bytes in 1 s at 50 ms per byte' % len(got)
    assert b'HTTP/1.1 200'.startswith(got[:12]), got[:12]


@rftest.test
def fault_garbage_sends_an_invalid_status_line_then_eof():
    with FlagServer('--fault', 'garbage') as fs:
        c = Conn(fs.port)
        c.request('/flags/br/br.gif')
        data, how = c.rest()
        c.close()
    first = data.split(b'\r\n', 1)[0]
    assert data and not re.match(rb'HTTP/1\.[01] \d{3} ', first), first
    assert how == 'eof', how


@rftest.test
def fault_badchunk_sends_invalid_chunk_framing_then_eof():
    with FlagServer('--fault', 'badchunk') as fs:
        status, headers, body, how = one_response_then_close(fs.port)
    assert status == 200 and headers.get('transfer-encoding') == 'chunked', headers
    assert 'content-length' not in headers
    assert how == 'eof'
    size_line, rest = body.split(b'\r\n', 1)
    size = int(size_line, 16)
    next_size = rest[size + 2:].split(b'\r\n', 1)[0]
    assert not re.fullmatch(rb'[0-9a-fA-F]+', next_size), 'second chunk size %r is valid' % next_size


@rftest.test
def fault_hang_accepts_and_never_answers():
    with FlagServer('--fault', 'hang') as fs:
        c = Conn(fs.port)
        c.request('/flags/br/br.gif')
        data, how = c.rest(wait=1.0)
        c.close()
        assert data == b'' and how == 'open', (data, how)
        assert fs.proc.poll() is None, 'server died'


@rftest.test
def fault_rate_applies_to_a_fraction_of_requests():
    with FlagServer('--fault', 'truncate', '--fault-rate', '0.5', '--seed', '5') as fs:
        cut = 0
        for cc in rftest.flag_codes(synthetic_root())[:40]:
            status, headers, body, how = one_response_then_close(fs.port, '/flags/%s/%s.gif' % (cc, cc))
            cut += len(body) < int(headers['content-length'])
    assert 8 <= cut <= 32, '%d of 40 truncated at rate 0.5' % cut


@rftest.test
def several_faults_are_drawn_among():
    with FlagServer('--fault', 'truncate,garbage', '--seed', '2') as fs:
        kinds = set()
        for cc in CODES_SAMPLE:
            c = Conn(fs.port)
            c.request('/flags/%s/%s.gif' % (cc, cc))
            data, how = c.rest()
            c.close()
            kinds.add('garbage' if not data.startswith(b'HTTP/1.1 200') else 'truncate')
    assert kinds == {'truncate', 'garbage'}, kinds


# -------------------------------------------------------- command line, life

@rftest.test
def usage_errors_exit_2():
    for args in (['--port', 'x'], ['--preset', 'FOO'], ['--fault', 'nope'], ['--error-rate', '2'],
                 ['--delay', '3:1'], ['--preset', 'LOCAL', '--presets'], ['--idle-timeout', 'x'],
                 ['stray']):
        r = rftest.run([rftest.bin('flagserver')] + args, timeout=10)
        assert r.rc == 2 and 'usage:' in r.err, r.why()


@rftest.test
def help_exits_0():
    r = rftest.run([rftest.bin('flagserver'), '--help'], timeout=10)
    assert r.rc == 0 and '--preset' in r.out, r.why()


@rftest.test
def port_in_use_fails_with_exit_1():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        s.listen(1)
        r = rftest.run([rftest.bin('flagserver'), '--port', str(s.getsockname()[1])], timeout=10)
    assert r.rc == 1 and 'in use' in r.err, r.why()


@rftest.test
def missing_root_fails_with_exit_1():
    r = rftest.run([rftest.bin('flagserver'), '--port', '0', '--root', '/nonexistent-rf-root'], timeout=10)
    assert r.rc == 1 and '/nonexistent-rf-root' in r.err, r.why()


@rftest.test
def binds_to_ipv6_loopback_when_told():
    if not rftest.have_ipv6_loopback():
        rftest.skip('no IPv6 loopback here')
    with FlagServer('--bind', '::1') as fs:
        assert fs.addrs == ['[::1]'], fs.addrs
        with socket.create_connection(('::1', fs.port), timeout=5) as s:
            s.sendall(b'GET /flags/br/br.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
            data = b''
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        assert data.startswith(b'HTTP/1.1 200 OK'), data[:40]


@rftest.test
def sigint_sigterm_and_sighup_stop_it_cleanly():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        fs = FlagServer().start()
        c = Conn(fs.port)  # an open keep-alive connection must not hold it up
        c.get('/flags/br/br.gif')
        start = time.monotonic()
        rc = fs.stop(sig)
        c.close()
        assert rc == 0, 'exit status %s after %s' % (rc, sig)
        assert time.monotonic() - start < 2, 'took %.1fs to stop' % (time.monotonic() - start)


def features(fs):
    """The backend's feature words from the -v startup line."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in fs.stderr().splitlines():
            if 'synthetic corpus in memory, ' in line:
                return line.split('synthetic corpus in memory, ', 1)[1].split()
        time.sleep(0.05)
    raise AssertionError('no features line in %r' % fs.stderr())


def serves_one_connection_after_another_and_at_once(port):
    """100 connections one by one, then 200 at once: every one accepted and answered."""
    for i in range(100):
        status, _, _, how = one_response_then_close(port)
        assert status == 200 and how == 'eof', 'connection %d: %d %s' % (i, status, how)
    conns = [Conn(port, timeout=20) for _ in range(200)]
    try:
        for c in conns:
            c.request('/flags/br/br.gif')
        for i, c in enumerate(conns):
            assert c.response()[0] == 200, 'concurrent connection %d' % i
    finally:
        for c in conns:
            c.close()


@rftest.test
def accept_is_multishot_when_the_kernel_has_it():
    with FlagServer('-v') as fs:
        words = features(fs)
        if 'single_accept' in words:
            rftest.skip('multishot accept is off here (kernel or RINGFETCH_RING_DISABLE): %s' % words)
        assert 'multishot_accept' in words, words
        serves_one_connection_after_another_and_at_once(fs.port)


@rftest.test
def serves_with_multishot_accept_switched_off():
    with FlagServer('-v', env={'RINGFETCH_RING_DISABLE': 'multishot_accept'}) as fs:
        words = features(fs)
        assert 'single_accept' in words and 'multishot_accept' not in words, words
        serves_one_connection_after_another_and_at_once(fs.port)


@rftest.test
def every_ring_fallback_at_once_serves_and_closes_idle_connections():
    # cancel_shutdown: an idle connection's recv is ended by shutdown(2), not by a cancel.
    env = {'RINGFETCH_RING_DISABLE': 'defer_taskrun,socket_op,cancel_fd,registered_ring_fd,multishot_accept,splice,'
                                     'min_wait,ftruncate_op'}
    with FlagServer('-v', '--idle-timeout', '0.3', env=env) as fs:
        words = features(fs)
        assert words == ['coop_taskrun', 'socket_syscall', 'cancel_shutdown', 'single_accept'], words
        serves_one_connection_after_another_and_at_once(fs.port)
        c = Conn(fs.port)
        assert c.get('/flags/br/br.gif')[0] == 200
        data, how = c.rest(wait=3.0)
        c.close()
        assert data == b'' and how == 'eof', (how, data[:80])


@rftest.test
def idle_keepalive_connection_is_closed_after_the_idle_timeout():
    with FlagServer('--idle-timeout', '0.5') as fs:
        idle = Conn(fs.port)
        assert idle.get('/flags/br/br.gif')[0] == 200
        silent = Conn(fs.port)  # never sends a byte
        busy = Conn(fs.port)
        start = time.monotonic()
        # A connection asking every 0.2 s outlives the timeout by far...
        while time.monotonic() - start < 1.5:
            assert busy.get('/flags/br/br.gif')[0] == 200, 'busy connection lost'
            time.sleep(0.2)
        busy.close()
        # ...the idle ones were closed (FIN, nothing sent) after about 0.5 s.
        for name, c in (('idle', idle), ('silent', silent)):
            data, how = c.rest(wait=3.0)
            c.close()
            assert data == b'' and how == 'eof', '%s connection: %s after %r' % (name, how, data[:80])
        assert time.monotonic() - start < 4.0


@rftest.test
def idle_timeout_counts_from_the_end_of_the_last_response():
    # A response that takes longer than the idle timeout (delayed, or held up
    # by a client that reads slowly) must not cost the connection its next request.
    root = rftest.tempdir(memory=True)
    rftest.make_bulk_corpus(root, 1, 32 << 20)  # more than the socket buffers hold
    with FlagServer('--root', root, '--idle-timeout', '0.5') as fs:
        c = Conn(fs.port, timeout=20)
        c.request('/f000000.bin')
        status, _, headers = c.read_head()
        assert status == 200 and int(headers['content-length']) == 32 << 20
        time.sleep(1.0)  # the server is stuck sending meanwhile
        # Drain fast: the idle time starts when the server's last send is
        # done, with up to the socket buffers' worth still on their way to us.
        got, chunk = len(c.buf), bytearray(1 << 20)
        c.buf = b''
        while got < 32 << 20:
            n = c.sock.recv_into(chunk)
            assert n, 'closed after %d body bytes' % got
            got += n
        assert c.get('/f000000.bin', method='HEAD')[0] == 200, 'closed after a slow response'
        c.close()
    with FlagServer('--delay', '0.6', '--idle-timeout', '0.3') as fs:
        c = Conn(fs.port)
        for cc in CODES_SAMPLE[:3]:
            assert c.get('/flags/%s/%s.gif' % (cc, cc))[0] == 200, 'closed after a delayed response'
        c.close()


@rftest.test
def verbose_logs_one_line_per_request():
    with FlagServer('-v') as fs:
        fetch(fs.port, '/flags/br/br.gif')
        fetch(fs.port, '/flags/xx/xx.gif')
        time.sleep(0.1)
        log = fs.stderr()
    lines = [l for l in log.splitlines() if '"GET ' in l]
    assert len(lines) == 2, log
    assert '/flags/br/br.gif' in lines[0] and ' 200' in lines[0], lines[0]
    assert ' 404' in lines[1], lines[1]


@rftest.test
def quiet_by_default():
    with FlagServer() as fs:
        fetch(fs.port, '/flags/br/br.gif')
        time.sleep(0.1)
        assert fs.stderr() == '', fs.stderr()


if __name__ == '__main__':
    rftest.main()
