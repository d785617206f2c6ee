"""flags2 and ringfetch against a real nginx on a free loopback port (issue 2).

Served: $RF_SHARED/data/flags when present, else the synthetic corpus from
build/mkcorpus; bulk and big files are generated per run.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

ALL_CODES = 194
EVERY_CODES = 26 * 26


def flags2(ng, dest, *args, timeout=120):
    return rftest.run([rftest.bin('flags2'), '--url', ng.url('/flags'), '--dest', dest] + list(args),
                      timeout=timeout)


def assert_all_flags_saved(dest):
    root = rftest.flags_root()
    codes = rftest.flag_codes(root)
    assert len(codes) == ALL_CODES, 'corpus has %d codes' % len(codes)
    rftest.assert_same_files((os.path.join(root, 'flags', cc, cc + '.gif'),
                              os.path.join(dest, cc + '.gif')) for cc in codes)
    extra = sorted(set(rftest.leftovers(dest)) - {cc + '.gif' for cc in codes})
    assert not extra, 'unexpected files in dest: %s' % ' '.join(extra[:10])


def lines(text):
    return text.splitlines()


# ------------------------------------------------------------------- flags2

@rftest.test
def flags2_all_saves_194_identical_flags():
    dest = rftest.tempdir()
    with rftest.Nginx(rftest.flags_root()) as ng:
        r = flags2(ng, dest, '-a')
    assert r.rc == 0, r.why()
    assert '194 flags downloaded.' in lines(r.out), r.why()
    assert_all_flags_saved(dest)


@rftest.test
def flags2_all_prints_search_and_connection_lines():
    dest = rftest.tempdir()
    with rftest.Nginx(rftest.flags_root()) as ng:
        r = flags2(ng, dest, '-a', '-m', '20')
    out = lines(r.out)
    assert 'Searching for 194 flags: from AD to ZW' in out, r.why()
    assert '20 concurrent connections will be used.' in out, r.why()
    assert '-' * 20 in out and any(l.startswith('Elapsed time: ') for l in out), r.why()


@rftest.test
def flags2_every_counts_194_downloaded_482_not_found():
    dest = rftest.tempdir()
    with rftest.Nginx(rftest.flags_root()) as ng:
        r = flags2(ng, dest, '-e')
    assert r.rc == 0, r.why()
    out = lines(r.out)
    assert '194 flags downloaded.' in out, r.why()
    assert '%d not found.' % (EVERY_CODES - ALL_CODES) in out, r.why()
    assert not any('error' in l for l in out), r.why()
    # A 404 leaves no file behind, not even a temporary one.
    assert_all_flags_saved(dest)


@rftest.test
def flags2_window_of_one_completes():
    dest = rftest.tempdir()
    with rftest.Nginx(rftest.flags_root()) as ng:
        r = flags2(ng, dest, '-a', '-m', '1')
    assert r.rc == 0 and '194 flags downloaded.' in lines(r.out), r.why()
    assert '1 concurrent connection will be used.' in lines(r.out), r.why()
    assert_all_flags_saved(dest)


@rftest.test
def flags2_window_of_1000_completes():
    dest = rftest.tempdir()
    with rftest.Nginx(rftest.flags_root()) as ng:
        r = flags2(ng, dest, '-a', '-m', '1000')
    assert r.rc == 0 and '194 flags downloaded.' in lines(r.out), r.why()
    # Connections used = min(-m, 1000, number of codes).
    assert '194 concurrent connections will be used.' in lines(r.out), r.why()
    assert_all_flags_saved(dest)


@rftest.test
def flags2_verbose_prints_one_line_per_item():
    dest = rftest.tempdir()
    with rftest.Nginx(rftest.flags_root()) as ng:
        r = flags2(ng, dest, '-v', 'br', 'XX')
    out = lines(r.out)
    assert r.rc == 0, r.why()
    assert 'BR OK' in out and 'XX not found' in out, r.why()
    assert '1 flag downloaded.' in out and '1 not found.' in out, r.why()
    assert rftest.leftovers(dest) == ['br.gif'], rftest.leftovers(dest)


USAGE_ERRORS = [
    ('max_req_zero', ['-m', '0'], '*** Usage error: --max_req CONCURRENT must be >= 1'),
    ('limit_zero', ['-l', '0'], '*** Usage error: --limit N must be >= 1'),
    ('unknown_server', ['-s', 'NOWHERE'],
     '*** Usage error: --server LABEL must be one of DELAY, ERROR, LOCAL, REMOTE'),
    ('three_letter_code', ['ABC'], '*** Usage error: each CC argument must be A to Z or AA to ZZ.'),
    ('digit_code', ['B1'], '*** Usage error: each CC argument must be A to Z or AA to ZZ.'),
]


def _usage_test(args, message):
    def t():
        dest = os.path.join(rftest.tempdir(), 'downloads')
        # Nothing listens here: a usage error must stop before any request.
        url = 'http://127.0.0.1:%d/flags' % rftest.free_port()
        r = rftest.run([rftest.bin('flags2'), '--url', url, '--dest', dest] + args, timeout=10)
        assert r.rc == 2, r.why()
        out = lines(r.out)
        assert message in out, 'expected %r on stdout: %s' % (message, r.why())
        after = out[out.index(message) + 1:]
        assert any(l.startswith('usage: ') for l in after), 'no usage line after the message: ' + r.why()
        assert not os.path.exists(dest), 'usage error created the download folder'
    return t


for _name, _args, _msg in USAGE_ERRORS:
    _t = _usage_test(_args, _msg)
    _t.__name__ = 'flags2_usage_error_' + _name
    rftest.test(_t)


# ---------------------------------------------------------------- ringfetch

BULK_COUNT = 10000
BULK_BYTES = 1024
BULK_WINDOW = 100
_bulk = None


def bulk_run():
    """One `ringfetch -m 100 -i LIST -o DIR --stats` over 10,000 small files,
    shared by the tests that check different things about it."""
    global _bulk
    if _bulk is None:
        ringfetch = rftest.bin('ringfetch')
        root = rftest.session_dir('rftest-bulk-', memory=True)
        src = rftest.make_bulk_corpus(os.path.join(root, 'bulk'), BULK_COUNT, BULK_BYTES)
        # Written to tmpfs when there is one: a slow disk would turn the
        # batching test into a measurement of the file system.
        dest = rftest.session_dir('rftest-bulkout-', memory=True)
        with rftest.Nginx(root) as ng:
            listing = os.path.join(root, 'urls.txt')
            with open(listing, 'w') as f:
                for i in range(BULK_COUNT):
                    f.write(ng.url('/bulk/' + rftest.bulk_name(i)) + '\n')
            r = rftest.run([ringfetch, '-m', str(BULK_WINDOW), '-i', listing,
                            '-o', dest, '--stats'], timeout=240)
        _bulk = (r, src, dest)
    return _bulk


@rftest.test
def ringfetch_list_of_10000_files_all_identical():
    r, src, dest = bulk_run()
    assert r.rc == 0, r.why()
    names = [rftest.bulk_name(i) for i in range(BULK_COUNT)]
    rftest.assert_same_files((os.path.join(src, n), os.path.join(dest, n)) for n in names)
    assert len(rftest.leftovers(dest)) == BULK_COUNT, 'extra files in %s' % dest


@rftest.test
def ringfetch_stats_count_every_file_and_byte():
    r, _, _ = bulk_run()
    s = r.stats()
    got = {k: s.get(k) for k in ('files', 'ok', 'errors', 'not_found', 'bytes')}
    want = {'files': BULK_COUNT, 'ok': BULK_COUNT, 'errors': 0, 'not_found': 0,
            'bytes': BULK_COUNT * BULK_BYTES}
    assert got == want, 'stats %s, expected %s' % (got, want)


@rftest.test
def ringfetch_keeps_inflight_within_window():
    s = bulk_run()[0].stats()
    # 10,000 files through a window of 100: the window fills. The server's
    # own count of requests in progress is checked in test_window.py.
    assert s['window'] == BULK_WINDOW and s['peak_inflight'] == BULK_WINDOW, s


@rftest.test
def ringfetch_reuses_keepalive_connections():
    s = bulk_run()[0].stats()
    # nginx keeps every connection alive, so at most one connect per window slot.
    assert s['connects'] <= BULK_WINDOW, s
    assert s['reused'] >= BULK_COUNT - BULK_WINDOW, s


@rftest.test
def ringfetch_batches_fewer_enters_than_files():
    s = bulk_run()[0].stats()
    assert s['enters'] < s['files'], 'io_uring_enter %d for %d files: no batching' % (
        s['enters'], s['files'])
    assert s['sqes'] > s['enters'], s


@rftest.test
def ringfetch_reads_list_from_stdin_skipping_comments():
    root = rftest.tempdir()
    src = rftest.make_bulk_corpus(os.path.join(root, 'bulk'), 20, 3000)
    dest = rftest.tempdir()
    with rftest.Nginx(root) as ng:
        listing = '# twenty files\n\n' + ''.join(
            ng.url('/bulk/' + rftest.bulk_name(i)) + '\n' + ('\n' if i % 3 else '# c\n')
            for i in range(20))
        r = rftest.run([rftest.bin('ringfetch'), '-i', '-', '-o', dest], input=listing, timeout=60)
    assert r.rc == 0, r.why()
    names = [rftest.bulk_name(i) for i in range(20)]
    rftest.assert_same_files((os.path.join(src, n), os.path.join(dest, n)) for n in names)
    assert rftest.leftovers(dest) == names, rftest.leftovers(dest)


BIG_MIB = 256
# The README says a 256 MiB file peaked at 9.7 MiB of RSS (rftest.run measures
# the child's own peak, without the harness's ~20 MiB); ASan+UBSan builds
# peak near 17 MiB. 32 MiB leaves room for both and still catches a body
# buffered by a tenth.
RSS_LIMIT_MIB = 32
_big = None


def write_big_file(path, mib):
    """mib MiB of incompressible data, each MiB tagged with its index so a
    misplaced block changes the hash; returns the SHA-256."""
    import hashlib
    block = bytearray(os.urandom(1 << 20))
    h = hashlib.sha256()
    with open(path, 'wb') as f:
        for i in range(mib):
            block[:8] = i.to_bytes(8, 'little')
            f.write(block)
            h.update(block)
    return h.hexdigest()


def big_run():
    global _big
    if _big is None:
        ringfetch = rftest.bin('ringfetch')
        dest = rftest.session_dir('rftest-bigout-')
        with rftest.Nginx(rftest.session_dir('rftest-bigroot-')) as ng:
            digest = write_big_file(os.path.join(ng.big_dir, 'big.bin'), BIG_MIB)
            r = rftest.run([ringfetch, '-o', dest, ng.url('/big/big.bin')], timeout=240)
        _big = (r, digest, dest)
    return _big


@rftest.test
def ringfetch_256mib_file_is_identical():
    r, digest, dest = big_run()
    assert r.rc == 0, r.why()
    path = os.path.join(dest, 'big.bin')
    assert os.path.isfile(path), 'no big.bin: %s' % rftest.leftovers(dest)
    assert os.path.getsize(path) == BIG_MIB << 20, os.path.getsize(path)
    assert rftest.sha256(path) == digest, 'content differs'


@rftest.test
def ringfetch_256mib_file_peak_rss_stays_small():
    r, _, _ = big_run()
    assert r.rc == 0, r.why()
    print('  ringfetch peak RSS %.1f MiB for a %d MiB file' % (r.rss_kib / 1024, BIG_MIB))
    assert r.rss_kib < RSS_LIMIT_MIB * 1024, 'peak RSS %.1f MiB for a %d MiB body (limit %d MiB)' % (
        r.rss_kib / 1024, BIG_MIB, RSS_LIMIT_MIB)


if __name__ == '__main__':
    rftest.main()
