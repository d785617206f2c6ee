"""Our TLS failure corpus (26 cases): https servers written for the tests (Python's ssl
module, and tests/e2e/tls_server.c for what it cannot do), each doing one
thing wrong, or one unusual thing right.

Every failing case checks: the item is an error (--stats: errors 1, ok 0),
its message, no file under the final name and no temporary left (the file
sink is forced to named temporaries, which would show), exit status 1, and
that the run ended well within its --timeout. The cases that must succeed
check the file byte for byte. See tests/corpus/README.md for the rules
(close_notify) these enforce.
"""

import os
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
import rftls  # noqa: E402

TIMEOUT_S = 4          # --timeout given to every run
SLACK_S = 6            # how far past it a run may end (a loaded machine)
NAMED = {'RINGFETCH_SINK_DISABLE': 'tmpfile'}


def ringfetch(url, *extra, dest=None, cacert=True):
    dest = dest or rftest.tempdir()
    args = [rftest.bin('ringfetch'), '--retry', '0', '--timeout', str(TIMEOUT_S), '--stats', '-o', dest]
    if cacert:
        args += ['--cacert', rftls.pki().ca]
    r = rftest.run(args + list(extra) + [url], timeout=TIMEOUT_S + 30, env=NAMED)
    assert not r.timed_out and r.elapsed < TIMEOUT_S + SLACK_S, 'took %.1fs: %s' % (r.elapsed, r.why())
    return r, dest


def fails(url, words, *extra, cacert=True):
    """The one URL fails with a message starting with words."""
    r, dest = ringfetch(url, *extra, cacert=cacert)
    assert r.rc == 1, r.why()
    st = r.stats()
    assert (st['errors'], st['ok'], st['not_found']) == (1, 0, 0), r.why()
    line = 'ERR %s: %s' % (url, words)
    assert line in r.err, 'expected %r in stderr: %s' % (line, r.why())
    left = os.listdir(dest)
    assert left == [], 'left behind: %s' % left
    return r


def succeeds(url, body, *extra):
    r, dest = ringfetch(url, *extra)
    assert r.rc == 0, r.why()
    path = os.path.join(dest, url.rsplit('/', 1)[1])
    with open(path, 'rb') as f:
        got = f.read()
    assert got == body, '%d bytes saved, %d served, same=%s' % (len(got), len(body), got == body)
    assert os.listdir(dest) == [os.path.basename(path)], os.listdir(dest)
    return r


def serve_one(response, close_notify, each=None):
    """A handler: read the request, send response (in pieces of `each` bytes,
    one record each, when given), then close with or without close_notify."""
    def handle(conn):
        rftest.read_request(conn)
        if each:
            for i in range(0, len(response), each):
                conn.sendall(response[i:i + each])
        else:
            conn.sendall(response)
        if close_notify:
            try:
                conn.unwrap().close()   # sends close_notify (then waits for the client's)
            except (OSError, ssl.SSLError):
                pass
        else:
            socket.socket.shutdown(conn, socket.SHUT_RDWR)  # a FIN, no close_notify
            conn.close()
    return handle


BODY = rftls.body_bytes(20000)
CL = b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(BODY)
CLOSE_DELIMITED = b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'


def chunked(body, chunk=4096):
    return b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + b''.join(
        b'%x\r\n%s\r\n' % (len(body[i:i + chunk]), body[i:i + chunk])
        for i in range(0, len(body), chunk)) + b'0\r\n\r\n'


# ---- certificates ---------------------------------------------------------------

@rftest.test
def self_signed_certificate_is_refused():
    with rftls.TLSServer(serve_one(CL + BODY, True), cert='self') as s:
        fails(s.url('/a.bin'), 'certificate verify failed: self-signed certificate')


@rftest.test
def expired_certificate_is_refused():
    with rftls.TLSServer(serve_one(CL + BODY, True), cert='expired') as s:
        fails(s.url('/a.bin'), 'certificate verify failed: certificate has expired')


@rftest.test
def certificate_for_another_name_is_refused_for_an_ip():
    with rftls.TLSServer(serve_one(CL + BODY, True), cert='other') as s:
        fails(s.url('/a.bin'), 'certificate is for other.example, not 127.0.0.1')


@rftest.test
def certificate_for_another_name_is_refused_for_a_host_name():
    with rftls.TLSServer(serve_one(CL + BODY, True), cert='other') as s:
        fails(s.url('/a.bin').replace('127.0.0.1', 'localhost'),
              'certificate is for other.example, not localhost')


@rftest.test
def certificate_from_an_untrusted_ca_is_refused():
    with rftls.TLSServer(serve_one(CL + BODY, True), cert='rogue') as s:
        fails(s.url('/a.bin'), 'certificate verify failed: unable to get local issuer certificate')


@rftest.test
def system_store_does_not_trust_the_test_ca():
    # Verification is on by default: without --cacert the system's store is used.
    with rftls.TLSServer(serve_one(CL + BODY, True)) as s:
        fails(s.url('/a.bin'), 'certificate verify failed: unable to get local issuer certificate',
              cacert=False)


@rftest.test
def insecure_fetches_a_self_signed_server_and_warns_once():
    with rftls.TLSServer(serve_one(CL + BODY, True), cert='self') as s:
        r = succeeds(s.url('/a.bin'), BODY, '-k')
        assert r.err.count('warning: --insecure') == 1, r.why()


# ---- handshakes -------------------------------------------------------------------

@rftest.test
def plain_http_on_an_https_url_is_a_wrong_version_number():
    def handle(conn):
        conn.recv(4096)  # the ClientHello: a plain server answers it as a bad request
        conn.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
        conn.close()
    with rftest.FakeServer(handle) as s:
        fails(s.url('/a.bin').replace('http://', 'https://'), 'TLS handshake failed: wrong version number')


@rftest.test
def garbage_instead_of_a_server_hello_fails_the_handshake():
    def handle(conn):
        conn.recv(4096)
        conn.sendall(b'\x16\x03\x03\x00\x40' + bytes(range(64)) * 4)
        time.sleep(1)
        conn.close()
    with rftest.FakeServer(handle) as s:
        fails(s.url('/a.bin').replace('http://', 'https://'), 'TLS handshake failed: ')


@rftest.test
def server_that_never_answers_the_handshake_times_out():
    with rftest.FakeServer.silent() as s:
        r = fails(s.url('/a.bin').replace('http://', 'https://'), 'timed out during TLS handshake')
        assert r.elapsed >= TIMEOUT_S - 0.5, r.why()


@rftest.test
def server_that_closes_during_the_handshake_fails_it():
    def handle(conn):
        conn.recv(4096)
        conn.close()
    with rftest.FakeServer(handle) as s:
        fails(s.url('/a.bin').replace('http://', 'https://'),
              'TLS handshake failed: the server closed the connection')


# ---- truncation: close_notify is what ends a TLS stream -------------------------------

@rftest.test
def content_length_short_with_close_notify_is_truncated():
    with rftls.TLSServer(serve_one(CL + BODY[:5000], True)) as s:
        fails(s.url('/a.bin'), 'truncated body: connection closed after 5000 body bytes')


@rftest.test
def content_length_short_without_close_notify_is_truncated():
    with rftls.TLSServer(serve_one(CL + BODY[:5000], False)) as s:
        fails(s.url('/a.bin'), 'truncated body: connection closed without TLS close_notify '
                               'after 5000 body bytes')


@rftest.test
def chunked_cut_with_close_notify_is_truncated():
    msg = chunked(BODY)
    with rftls.TLSServer(serve_one(msg[:len(msg) - 7], True)) as s:
        fails(s.url('/a.bin'), 'truncated body: connection closed after')


@rftest.test
def chunked_cut_without_close_notify_is_truncated():
    msg = chunked(BODY)
    with rftls.TLSServer(serve_one(msg[:len(msg) - 7], False)) as s:
        fails(s.url('/a.bin'), 'truncated body: connection closed without TLS close_notify')


@rftest.test
def close_delimited_body_without_close_notify_is_truncated():
    # Over plain TCP the FIN ends this body; over TLS only close_notify can.
    with rftls.TLSServer(serve_one(CLOSE_DELIMITED + BODY, False)) as s:
        fails(s.url('/a.bin'), 'truncated body: connection closed without TLS close_notify '
                               'after %d body bytes' % len(BODY))


@rftest.test
def close_delimited_body_with_close_notify_is_complete():
    with rftls.TLSServer(serve_one(CLOSE_DELIMITED + BODY, True)) as s:
        succeeds(s.url('/a.bin'), BODY)


@rftest.test
def complete_bodies_need_no_close_notify():
    # Content-Length and chunked framing end the body themselves: a FIN
    # without close_notify after a complete message harms nothing.
    with rftls.TLSServer(serve_one(CL + BODY, False)) as s:
        succeeds(s.url('/a.bin'), BODY)
    with rftls.TLSServer(serve_one(chunked(BODY), False)) as s:
        succeeds(s.url('/b.bin'), BODY)


@rftest.test
def corrupted_record_mid_body_is_a_tls_error():
    # A relay between ringfetch and the server flips one bit of ciphertext
    # well inside the body: the record fails its integrity check.
    import threading
    with rftls.TLSServer(serve_one(CL + BODY, True)) as up:
        def handle(conn):
            back = socket.create_connection(('127.0.0.1', up.port))

            def pump(src, dst, flip_at):
                n = 0
                try:
                    while True:
                        data = src.recv(65536)
                        if not data:
                            break
                        if n <= flip_at < n + len(data):
                            b = bytearray(data)
                            b[flip_at - n] ^= 0x01
                            data = bytes(b)
                        n += len(data)
                        dst.sendall(data)
                except OSError:
                    pass
                for sck in (src, dst):
                    try:
                        sck.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            t = threading.Thread(target=pump, args=(conn, back, -1), daemon=True)
            t.start()
            pump(back, conn, 12000)  # the handshake is ~2 kB: this lands in the body
            t.join(5)
            back.close()
        with rftest.FakeServer(handle) as relay:
            fails(relay.url('/a.bin').replace('http://', 'https://'), 'TLS error: ')


@rftest.test
def fatal_alert_mid_body_fails_the_item():
    with rftls.CServer('reneg-alert', 300000) as s:
        fails(s.url('/a.bin'), 'TLS alert: ')


# ---- unusual but right ------------------------------------------------------------------

@rftest.test
def one_byte_per_record_is_reassembled():
    msg = CL + BODY[:3000]
    with rftls.TLSServer(serve_one(b'HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n' + BODY[:3000],
                                   True, each=1)) as s:
        succeeds(s.url('/a.bin'), BODY[:3000])
    del msg


@rftest.test
def renegotiation_mid_body_completes():
    with rftls.CServer('reneg', 300000) as s:
        succeeds(s.url('/a.bin'), rftls.body_bytes(300000))


@rftest.test
def key_update_mid_body_completes():
    with rftls.CServer('keyupdate', 300000) as s:
        succeeds(s.url('/a.bin'), rftls.body_bytes(300000))


@rftest.test
def many_session_tickets_before_the_answer_are_taken():
    # TLS 1.3 tickets are post-handshake messages; eight of them arrive
    # before the response, and the next connection resumes with one.
    def handle(conn):
        while rftest.read_request(conn):
            conn.sendall(CL + BODY)
    with rftls.TLSServer(handle, tickets=8) as s:
        dest = rftest.tempdir()
        args = [rftest.bin('ringfetch'), '--stats', '-m', '1', '--cacert', rftls.pki().ca, '-o', dest,
                s.url('/a.bin'), s.url('/b.bin')]
        r = rftest.run(args, timeout=30)
        assert r.rc == 0, r.why()
        st = r.stats()
        assert st['tls_handshakes'] >= 1 and st['ok'] == 2, r.why()
        for n in ('a.bin', 'b.bin'):
            with open(os.path.join(dest, n), 'rb') as f:
                assert f.read() == BODY


@rftest.test
def a_tls_failure_is_one_item_and_the_run_goes_on():
    with rftls.TLSServer(serve_one(CL + BODY, True), cert='expired') as bad, \
            rftls.TLSServer(serve_one(CL + BODY, True)) as good:
        dest = rftest.tempdir()
        r = rftest.run([rftest.bin('ringfetch'), '--stats', '--cacert', rftls.pki().ca, '-o', dest,
                        bad.url('/bad.bin'), good.url('/good.bin')], timeout=30)
        assert r.rc == 1, r.why()
        st = r.stats()
        assert (st['ok'], st['errors']) == (1, 1), r.why()
        assert os.listdir(dest) == ['good.bin'], os.listdir(dest)
        assert 'certificate has expired' in r.err, r.why()


@rftest.test
def flags2_reports_a_tls_failure_per_flag():
    with rftls.TLSServer(serve_one(CL + BODY, True), cert='other') as s:
        dest = rftest.tempdir()
        r = rftest.run([rftest.bin('flags2'), '-v', '--cacert', rftls.pki().ca, '--url', s.url('/flags'),
                        '--dest', dest, 'BR'], timeout=30)
        assert r.rc == 1, r.why()
        assert '*** Error for BR: certificate is for other.example, not 127.0.0.1' in r.out, r.why()
        assert os.listdir(dest) == [], os.listdir(dest)


if __name__ == '__main__':
    rftest.main()
