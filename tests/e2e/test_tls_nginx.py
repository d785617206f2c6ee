"""HTTPS against nginx with `ssl` (tests/nginx/nginx-tls.conf.in), with a
certificate made at test time by the openssl CLI (tests/e2e/rftls.py):
thousands of files byte-identical at -m 100 with keep-alive reuse and one
full handshake, chunked and Content-Length bodies, flags2 over https, a
list mixing http:// and https://, the trust options, and a big file with
bounded memory.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
import rftls  # noqa: E402

BULK_COUNT = 3000
BULK_BYTES = 8192
WINDOW = 100
_bulk = None


def bulk():
    """Serve a corpus of BULK_COUNT files over TLS; fetch it once at -m 100
    (Content-Length) and once through /chunked/ (every body chunked)."""
    global _bulk
    if _bulk is None:
        root = rftest.session_dir('rftest-tlsbulk-', memory=True)
        src = rftest.make_bulk_corpus(os.path.join(root, 'bulk'), BULK_COUNT, BULK_BYTES)
        runs = {}
        with rftls.NginxTLS(root) as ng:
            for kind, prefix in (('length', '/bulk/'), ('chunked', '/chunked/bulk/')):
                listing = os.path.join(root, kind + '.txt')
                with open(listing, 'w') as f:
                    for i in range(BULK_COUNT):
                        f.write(ng.url(prefix + rftest.bulk_name(i)) + '\n')
                dest = rftest.session_dir('rftest-tlsout-', memory=True)
                r = rftest.run([rftest.bin('ringfetch'), '-m', str(WINDOW), '-i', listing, '-o', dest,
                                '--stats', '--cacert', rftls.pki().ca], timeout=240)
                runs[kind] = (r, dest)
            # What nginx sends under /chunked/: a chunked body, as the test needs.
            r = rftest.run(['curl', '-sS', '-D', '-', '-o', '/dev/null', '--cacert', rftls.pki().ca,
                            ng.url('/chunked/bulk/' + rftest.bulk_name(0))], timeout=30)
            runs['headers'] = r
        _bulk = (runs, src)
    return _bulk


def check_bulk(kind):
    runs, src = bulk()
    r, dest = runs[kind]
    assert r.rc == 0, r.why()
    names = [rftest.bulk_name(i) for i in range(BULK_COUNT)]
    rftest.assert_same_files((os.path.join(src, n), os.path.join(dest, n)) for n in names)
    assert len(rftest.leftovers(dest)) == BULK_COUNT, 'extra files in %s' % dest
    s = r.stats()
    assert (s['ok'], s['errors'], s['bytes']) == (BULK_COUNT, 0, BULK_COUNT * BULK_BYTES), s
    return s


@rftest.test
def https_bulk_with_content_length_is_identical():
    check_bulk('length')


@rftest.test
def https_bulk_chunked_is_identical():
    r = bulk()[0]['headers']
    assert 'transfer-encoding: chunked' in r.out.lower(), 'nginx did not chunk: %s' % r.why()
    check_bulk('chunked')


@rftest.test
def https_reuses_connections_and_resumes_sessions():
    s = check_bulk('length')
    assert s['connects'] <= WINDOW and s['reused'] >= BULK_COUNT - WINDOW, s
    # One full handshake for the origin; every other connection resumes its session.
    assert s['tls_handshakes'] == s['connects'], s
    assert s['tls_resumed'] == s['tls_handshakes'] - 1, s
    # Ciphertext counted both ways: at least the bodies in, at least the requests out.
    assert s['tls_bytes_in'] > BULK_COUNT * BULK_BYTES and s['tls_bytes_out'] > BULK_COUNT * 50, s


@rftest.test
def flags2_fetches_all_flags_over_https():
    root = rftest.flags_root()
    dest = rftest.tempdir()
    with rftls.NginxTLS(root) as ng:
        r = rftest.run([rftest.bin('flags2'), '-a', '-m', '20', '--cacert', rftls.pki().ca,
                        '--url', ng.url('/flags'), '--dest', dest], timeout=120)
    assert r.rc == 0, r.why()
    assert '194 flags downloaded.' in r.out, r.why()
    codes = rftest.flag_codes(root)
    rftest.assert_same_files((os.path.join(root, 'flags', c, c + '.gif'), os.path.join(dest, c + '.gif'))
                             for c in codes)


@rftest.test
def http_and_https_urls_mix_in_one_list():
    root = rftest.tempdir()
    src = rftest.make_bulk_corpus(os.path.join(root, 'bulk'), 40, 5000)
    dest = rftest.tempdir(memory=True)
    with rftls.NginxTLS(root) as ng:
        urls = [(ng.url if i % 2 else ng.http_url)('/bulk/' + rftest.bulk_name(i)) for i in range(40)]
        r = rftest.run([rftest.bin('ringfetch'), '-m', '8', '--stats', '--cacert', rftls.pki().ca,
                        '-o', dest] + urls, timeout=60)
    assert r.rc == 0, r.why()
    names = [rftest.bulk_name(i) for i in range(40)]
    rftest.assert_same_files((os.path.join(src, n), os.path.join(dest, n)) for n in names)
    s = r.stats()
    # http and https on one host are two origins: TLS only on the https half.
    assert 1 <= s['tls_handshakes'] < s['connects'], s
    # In memory, only the plain half's small files are made at once (those
    # whose answer comes while another request is in flight): a body the
    # loop decrypts keeps the ring (RF_NOW_MAX_BODY_BYTES).
    # (The epoll backend's calls are all synchronous, and none of them these.)
    if s['backend'] == 'uring' and rftest.in_memory(dest):
        calls = dict((k, int(v)) for k, v in re.findall(r'(\w+) (\d+)', s['calls']))
        assert 15 <= calls.get('open', 0) <= 20 and calls.get('link') == calls['open'], s['calls']
        assert s['inline_file_ops'] >= 3 * calls['open'], s
    else:
        assert s['inline_file_ops'] == 0, s


@rftest.test
def cacert_capath_and_insecure_work_by_name_and_default_verification_refuses():
    root = rftest.tempdir()
    with open(os.path.join(root, 'a.txt'), 'w') as f:
        f.write('hello over tls\n')
    with rftls.NginxTLS(root) as ng:
        url = ng.url('/a.txt', host='localhost')
        for opts in (['--cacert', rftls.pki().ca], ['--capath', rftls.pki().capath], ['-k'],
                     ['--insecure']):
            dest = rftest.tempdir()
            r = rftest.run([rftest.bin('ringfetch'), '-o', dest] + opts + [url], timeout=30)
            assert r.rc == 0, r.why()
            with open(os.path.join(dest, 'a.txt')) as f:
                assert f.read() == 'hello over tls\n'
        dest = rftest.tempdir()
        r = rftest.run([rftest.bin('ringfetch'), '-o', dest, url], timeout=30)
        assert r.rc == 1 and 'certificate verify failed' in r.err, r.why()
        assert os.listdir(dest) == []
        r = rftest.run([rftest.bin('ringfetch'), '-o', dest, '--cacert', '/nonexistent/ca.pem', url],
                       timeout=30)
        assert r.rc == 1, r.why()
        assert 'TLS setup failed: --cacert /nonexistent/ca.pem: No such file or directory' in r.err, r.why()


BIG_MIB = 128
# As in test_fetch_nginx.py: the client's own peak, room for ASan builds.
RSS_LIMIT_MIB = 32


def write_big_file(path, mib):
    """mib MiB of random data, each MiB tagged with its index; returns the SHA-256."""
    import hashlib
    block = bytearray(os.urandom(1 << 20))
    h = hashlib.sha256()
    with open(path, 'wb') as f:
        for i in range(mib):
            block[:8] = i.to_bytes(8, 'little')
            f.write(block)
            h.update(block)
    return h.hexdigest()


# What a big body may add to the peak of a tiny one over TLS: the backend's
# receive buffers and TLS's plaintext buffers, not the body.
GROWTH_LIMIT_MIB = 16


@rftest.test
def https_big_file_is_identical_with_bounded_rss():
    sanitized = bool(os.environ.get('ASAN_OPTIONS'))
    # Under ASan freed blocks wait in its quarantine (256 MiB by default) and
    # count as ours: OpenSSL frees its record buffer after every record.
    env = {'ASAN_OPTIONS': os.environ['ASAN_OPTIONS'] + ':quarantine_size_mb=4'} if sanitized else None
    with rftls.NginxTLS(rftest.session_dir('rftest-tlsbig-')) as ng:
        digest = write_big_file(os.path.join(ng.big_dir, 'big.bin'), BIG_MIB)
        with open(os.path.join(ng.big_dir, 'small.bin'), 'wb') as f:
            f.write(b's' * 1000)
        runs = {}
        for name in ('small.bin', 'big.bin'):
            dest = rftest.tempdir()
            r = rftest.run([rftest.bin('ringfetch'), '--cacert', rftls.pki().ca, '-o', dest,
                            ng.url('/big/' + name)], timeout=240, env=env)
            assert r.rc == 0, r.why()
            runs[name] = (r, dest)
    r, dest = runs['big.bin']
    assert rftest.sha256(os.path.join(dest, 'big.bin')) == digest, 'content differs'
    small = runs['small.bin'][0].rss_kib
    print('  ringfetch peak RSS %.1f MiB for a %d MiB file over TLS (%.1f MiB for 1 kB)' % (
        r.rss_kib / 1024, BIG_MIB, small / 1024))
    assert r.rss_kib - small < GROWTH_LIMIT_MIB * 1024, 'peak RSS %.1f MiB, %.1f for 1 kB' % (
        r.rss_kib / 1024, small / 1024)
    if not sanitized:
        assert r.rss_kib < RSS_LIMIT_MIB * 1024, 'peak RSS %.1f MiB (limit %d MiB)' % (
            r.rss_kib / 1024, RSS_LIMIT_MIB)


if __name__ == '__main__':
    rftest.main()
