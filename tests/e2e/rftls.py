"""TLS helpers for ringfetch's end-to-end tests (python3 stdlib + the openssl CLI).

    pki = rftls.pki()              # made once per test process, in a temp dir
    pki.ca                         # the throw-away CA's certificate (PEM): --cacert
    pki.cert('good'), pki.key('good')
    with rftls.NginxTLS(root) as ng:
        ng.url('/x')               -> https://127.0.0.1:PORT/x
    with rftls.TLSServer(handler, cert='expired') as s:   # Python's ssl module
        s.url('/x')
    with rftls.CServer('reneg', body) as s:               # tls_server.c (OpenSSL)

Certificates are made at test time with the openssl CLI: a CA, leaves signed
by it (good: DNS:localhost and IP:127.0.0.1; other: DNS:other.example;
expired: valid in 2020 only), a self-signed leaf for localhost and a leaf
from a second CA nobody trusts. No key is ever committed.
"""

import os
import shutil
import socket
import ssl
import subprocess
import threading

import rftest

E2E_DIR = os.path.dirname(os.path.abspath(__file__))
NGINX_TLS_TEMPLATE = os.path.join(rftest.REPO, 'tests', 'nginx', 'nginx-tls.conf.in')
C_SERVER_SRC = os.path.join(E2E_DIR, 'tls_server.c')


def _openssl(*args, cwd):
    exe = shutil.which('openssl')
    if not exe:
        rftest.skip_missing('the openssl command (package openssl) is not installed (make deps)')
    r = subprocess.run([exe] + list(args), cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert r.returncode == 0, 'openssl %s: %s' % (' '.join(args), r.stdout.decode()[-800:])


_EXT = """subjectAltName=%s
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
"""

_CA_CONF = """[ca]
default_ca = ca_default
[ca_default]
dir = %(d)s
database = %(d)s/index.txt
new_certs_dir = %(d)s/newcerts
serial = %(d)s/serial
default_md = sha256
policy = policy_any
copy_extensions = none
[policy_any]
commonName = supplied
"""


class PKI:
    def __init__(self, d):
        self.dir = d
        ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
        for ca in ('ca', 'rogue-ca'):
            _openssl('req', '-x509', *ec, '-keyout', ca + '.key', '-out', ca + '.pem', '-days', '3',
                     '-subj', '/CN=ringfetch test %s' % ca,
                     '-addext', 'basicConstraints=critical,CA:TRUE',
                     '-addext', 'keyUsage=critical,keyCertSign,cRLSign', cwd=d)
        self.ca = os.path.join(d, 'ca.pem')
        leaves = {
            'good': ('localhost', 'DNS:localhost,IP:127.0.0.1', 'ca'),
            'other': ('other.example', 'DNS:other.example', 'ca'),
            'rogue': ('localhost', 'DNS:localhost,IP:127.0.0.1', 'rogue-ca'),
        }
        for name, (cn, san, ca) in leaves.items():
            self._leaf(name, cn, san)
            _openssl('x509', '-req', '-in', name + '.csr', '-CA', ca + '.pem', '-CAkey', ca + '.key',
                     '-CAcreateserial', '-out', name + '.pem', '-days', '3', '-extfile', name + '.ext',
                     cwd=d)
        # Expired: signed by the trusted CA, valid for one day in 2020 (openssl ca sets dates).
        self._leaf('expired', 'localhost', 'DNS:localhost,IP:127.0.0.1')
        os.mkdir(os.path.join(d, 'newcerts'))
        open(os.path.join(d, 'index.txt'), 'w').close()
        with open(os.path.join(d, 'serial'), 'w') as f:
            f.write('1000\n')
        with open(os.path.join(d, 'ca.cnf'), 'w') as f:
            f.write(_CA_CONF % {'d': d})
        _openssl('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key',
                 '-in', 'expired.csr', '-out', 'expired.pem', '-notext', '-extfile', 'expired.ext',
                 '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', cwd=d)
        # Self-signed, for the right names.
        _openssl('req', '-x509', *ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '3',
                 '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', cwd=d)
        # --capath: the CA in a directory hashed as c_rehash does.
        self.capath = os.path.join(d, 'capath')
        os.mkdir(self.capath)
        shutil.copy(self.ca, os.path.join(self.capath, 'ca.pem'))
        _openssl('rehash', self.capath, cwd=d)

    def _leaf(self, name, cn, san):
        with open(os.path.join(self.dir, name + '.ext'), 'w') as f:
            f.write(_EXT % san)
        _openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
                 '-keyout', name + '.key', '-out', name + '.csr', '-subj', '/CN=' + cn, cwd=self.dir)

    def cert(self, name):
        return os.path.join(self.dir, name + '.pem')

    def key(self, name):
        return os.path.join(self.dir, name + '.key')


_pki = None


def pki():
    global _pki
    if _pki is None:
        _pki = PKI(rftest.session_dir('rftest-pki-'))
    return _pki


class NginxTLS(rftest.Nginx):
    """nginx with `ssl` on 127.0.0.1:port (the good leaf), serving root at /,
    root again at /chunked/ (a no-op sub_filter makes every body chunked),
    big_dir at /big/, and plain HTTP on http_port."""

    def __init__(self, root, cert='good'):
        super().__init__(root)
        self.cert = cert
        self.http_port = rftest.free_port()

    def url(self, path='', host='127.0.0.1'):
        return 'https://%s:%d%s' % (host, self.port, path)

    def http_url(self, path='', host='127.0.0.1'):
        return 'http://%s:%d%s' % (host, self.http_port, path)

    def conf_text(self):
        p = pki()
        return rftest.render_template(NGINX_TLS_TEMPLATE, {
            '@USER_LINE@': rftest.nginx_user_line(),
            '@PORT@': str(self.port),
            '@HTTP_PORT@': str(self.http_port),
            '@ROOT@': os.path.abspath(self.root),
            '@BIG_DIR@': os.path.abspath(self.big_dir),
            '@TMP@': self.tmp,
            '@CERT@': p.cert(self.cert),
            '@KEY@': p.key(self.cert),
        })


# ------------------------------------------------------------ Python ssl servers

def server_context(cert='good', tls13=True, tickets=2):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    p = pki()
    ctx.load_cert_chain(p.cert(cert), p.key(cert))
    if not tls13:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.num_tickets = tickets
    return ctx


class TLSServer(rftest.FakeServer):
    """A FakeServer whose connections are TLS (the handshake is done before
    handle(conn) runs; a failed handshake is just the end of that connection).
    handle gets an ssl.SSLSocket; conn.unwrap() sends close_notify,
    conn.close() alone does not."""

    def __init__(self, handle, cert='good', tls13=True, tickets=2):
        super().__init__(handle)
        self.ctx = server_context(cert, tls13, tickets)
        self.handshakes = 0

    def url(self, path=''):
        return 'https://127.0.0.1:%d%s' % (self.port, path)

    def _serve(self, conn):
        try:
            conn.settimeout(20)
            tconn = self.ctx.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()
            return
        with self.lock:
            self.handshakes += 1
            self.conns.append(tconn)
        try:
            self.handle(tconn)
        except (OSError, ssl.SSLError):
            pass


# ----------------------------------------------------------------- tls_server.c

_c_server = None
_c_lock = threading.Lock()


def c_server_binary():
    """tests/e2e/tls_server.c compiled once per process against libssl."""
    global _c_server
    with _c_lock:
        if _c_server is None:
            cc = shutil.which(os.environ.get('CC') or 'cc') or shutil.which('cc')
            assert cc, 'no C compiler (make deps)'
            exe = os.path.join(rftest.session_dir('rftest-tlssrv-'), 'tls_server')
            r = subprocess.run([cc, '-O1', '-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror',
                                '-o', exe, C_SERVER_SRC, '-lssl', '-lcrypto'],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if r.returncode != 0 and b'openssl/ssl.h' in r.stdout:
                rftest.skip_missing('libssl-dev is not installed (make deps)')
            assert r.returncode == 0, 'cannot compile tls_server.c: %s' % r.stdout.decode()[-800:]
            _c_server = exe
    return _c_server


class CServer:
    """tls_server MODE on a free port, serving one response per connection
    (body of `size` bytes), stopped by its pid."""

    def __init__(self, mode, size):
        self.mode, self.size = mode, size
        self.proc = None

    def __enter__(self):
        p = pki()
        self.port = rftest.free_port()
        self.proc = subprocess.Popen([c_server_binary(), str(self.port), p.cert('good'), p.key('good'),
                                      self.mode, str(self.size)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        if not rftest.wait_port(self.port, proc=self.proc):
            err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ''
            self.stop()
            raise AssertionError('tls_server %s did not start: %s' % (self.mode, err))
        return self

    def url(self, path=''):
        return 'https://127.0.0.1:%d%s' % (self.port, path)

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()  # our own child, by pid
            self.proc.wait()
            self.proc.stderr.close()
            self.proc = None

    def __exit__(self, *exc):
        self.stop()


def body_bytes(n):
    """n bytes that differ from place to place (a shifted copy shows)."""
    return bytes((i * 7 + i // 251) & 0xff for i in range(n))
