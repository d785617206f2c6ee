"""flags3 (`flags2 --flags3`): metadata.json then the flag, saved as
{Country}-{CC}.gif. Against build/flagserver (synthetic corpus, a crafted
--root with odd country names and broken metadata, injected HTTP errors) and
against nginx serving the real flags with their real metadata. Issue 3.

Every server is started on a free loopback port and stopped by its pid."""

import http.server
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

TIMEOUT = 60


# ------------------------------------------------------------------ helpers

def flags3(base, dest, *args):
    r = rftest.run([rftest.bin('flags2'), '--flags3', '--url', base, '--dest', dest]
                   + list(args), timeout=TIMEOUT)
    # Under SANITIZE=1 a report may end the run with the very status a test
    # expects (1): never let it pass for a normal ending.
    assert 'Sanitizer' not in r.err and 'runtime error:' not in r.err, r.err[-3000:]
    assert not r.timed_out, r.why()
    return r


def expected_name(metadata_path, cc):
    with open(metadata_path, encoding='utf-8') as f:
        country = json.load(f)['country']
    return '%s-%s.gif' % (country.replace(' ', '_'), cc.upper())


def expected_files(root, codes=None):
    """{file name: served gif path} for the codes under root/flags."""
    out = {}
    for cc in codes or rftest.flag_codes(root):
        d = os.path.join(root, 'flags', cc)
        out[expected_name(os.path.join(d, 'metadata.json'), cc)] = os.path.join(d, cc + '.gif')
    return out


def assert_dest_holds_exactly(dest, want):
    """dest holds the files named in want (no temporary or other file), each
    byte-identical to the served one."""
    got = rftest.leftovers(dest)
    extra = sorted(set(got) - set(want))
    missing = sorted(set(want) - set(got))
    assert not extra and not missing, 'extra %s, missing %s' % (extra[:5], missing[:5])
    rftest.assert_same_files((src, os.path.join(dest, name)) for name, src in want.items())


def item_lines(out):
    """-v lines by code: {'BR': 'BR OK', ...}; a code seen twice fails."""
    lines = {}
    for line in out.splitlines():
        m = re.fullmatch(r'\*\*\* Error for ([A-Z]{2}): .*|([A-Z]{2}) (OK|not found)', line)
        if m:
            cc = m.group(1) or m.group(2)
            assert cc not in lines, '%s reported twice: %r and %r' % (cc, lines[cc], line)
            lines[cc] = line
    return lines


def counted(out):
    """(downloaded, not found, errors) from the report."""
    ok = int(re.search(r'^(\d+) flags? downloaded\.$', out, re.M).group(1))
    nf = re.search(r'^(\d+) not found\.$', out, re.M)
    err = re.search(r'^(\d+) errors?\.$', out, re.M)
    return ok, int(nf.group(1)) if nf else 0, int(err.group(1)) if err else 0


_synthetic = None


def synthetic_root():
    """The files flagserver serves from memory, as mkcorpus writes them."""
    global _synthetic
    if _synthetic is None:
        _synthetic = rftest.make_flags_corpus(rftest.session_dir('rftest-f3corpus-'))
    return _synthetic


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode('utf-8'))


# A crafted root: code -> (metadata.json bytes or None, flag bytes or None),
# with what the run must make of it.
GIF = b'GIF89a' + bytes(range(256)) * 3
ODD = {
    # kept as they are: ( , ' - non-ASCII (escaped and raw)
    'AA': (r'{"country": "C\u00f4te d\u0027Ivoire", "iso_cc": "AA"}', GIF + b'AA'),
    'AB': ('{"country": "Korea, Republic of"}', GIF + b'AB'),
    'AC': ('{"country": "Bolivia (Plurinational State of)"}', GIF + b'AC'),
    'AD': ('{"country": "S\u00e3o Tom\u00e9 and Pr\u00edncipe"}\n', GIF + b'AD'),
    'AE': ('{"country": "Guinea-Bissau"}', GIF + b'AE'),
    # errors: the flag must not be fetched
    'BA': ('{"country": "../../evil"}', GIF + b'BA'),
    'BB': ('{"country": "a\\\\b"}', GIF + b'BB'),
    'BC': ('{"country": "new\\nline"}', GIF + b'BC'),
    'BD': ('{"country": ""}', GIF + b'BD'),
    'BE': ('{"country": ".."}', GIF + b'BE'),
    'BF': ('{"country": "Brazil"', GIF + b'BF'),                 # invalid JSON
    'BG': ('{"iso_cc": "BG"}', GIF + b'BG'),                     # no country
    'BH': ('{"country": 42}', GIF + b'BH'),                      # not a string
    'BI': ('<html>oops</html>', GIF + b'BI'),                    # not JSON at all
    'BJ': ('{"country": "%s"}' % ('x' * 8000), GIF + b'BJ'),     # over the size cap
    'BK': ('{"country": "nul\\u0000byte"}', GIF + b'BK'),
    'BL': ('{"country": "%s"}' % ('y' * 300), GIF + b'BL'),      # too long for a name
    'BM': (b'{"country": "bad \xff utf-8"}', GIF + b'BM'),
    # not found: no metadata (the flag is not asked for), or no flag
    'CA': (None, GIF + b'CA'),
    'CB': ('{"country": "Flagless"}', None),
}
ODD_SAVED = {
    'AA': "C\u00f4te_d'Ivoire-AA.gif",
    'AB': 'Korea,_Republic_of-AB.gif',
    'AC': 'Bolivia_(Plurinational_State_of)-AC.gif',
    'AD': 'S\u00e3o_Tom\u00e9_and_Pr\u00edncipe-AD.gif',
    'AE': 'Guinea-Bissau-AE.gif',
}
ODD_ERRORS = {
    'BA': 'country name', 'BB': 'country name', 'BC': 'country name', 'BD': 'country name',
    'BE': 'country name', 'BF': 'invalid JSON', 'BG': 'no "country"',
    'BH': '"country" is not a string', 'BI': 'invalid JSON', 'BJ': 'larger than 4096 bytes',
    'BK': "country name 'nul\\x00byte'", 'BL': 'too long for a file name',
    'BM': 'invalid JSON',
}
ODD_NOT_FOUND = ('CA', 'CB')


def odd_root():
    root = rftest.tempdir('rftest-f3odd-')
    for cc, (meta, gif) in ODD.items():
        lc = cc.lower()
        if meta is not None:
            write(os.path.join(root, 'flags', lc, 'metadata.json'), meta)
        if gif is not None:
            write(os.path.join(root, 'flags', lc, lc + '.gif'), gif)
    return root


# -------------------------------------------------------------------- tests

@rftest.test
def flags3_saves_every_synthetic_flag_under_its_country_name():
    dest = rftest.tempdir()
    with rftest.FlagServer('--seed', '1') as fs:
        r = flags3(fs.base, dest, '-a', '-m', '20')
    assert r.rc == 0, r.why()
    assert counted(r.out) == (194, 0, 0), r.why()
    want = expected_files(synthetic_root())
    assert "C\u00f4te_d'Ivoire-CI.gif" in want and 'Korea,_Republic_of-KR.gif' in want
    assert_dest_holds_exactly(dest, want)


@rftest.test
def flags3_saves_the_real_flags_from_nginx_under_their_real_names():
    root = rftest.flags_root()   # $RF_SHARED/data when present, else synthetic
    dest = rftest.tempdir()
    with rftest.Nginx(root) as ng:
        r = flags3(ng.url('/flags'), dest, '-a', '-m', '50', '-v')
    assert r.rc == 0, r.why()
    assert counted(r.out) == (194, 0, 0), r.why()
    assert len(item_lines(r.out)) == 194, r.why()
    want = expected_files(root)
    assert len(want) == 194
    assert_dest_holds_exactly(dest, want)
    if root == os.path.join(rftest.SHARED, 'data'):
        for name in ("C\u00f4te_d'Ivoire-CI.gif", 'Korea,_South-KR.gif',
                     'Congo_(Kinshasa)-CD.gif', 'Brazil-BR.gif'):
            assert name in want, name


@rftest.test
def flags3_keeps_odd_characters_and_refuses_unsafe_or_broken_metadata():
    root = odd_root()
    dest = rftest.tempdir()
    with rftest.FlagServer('--root', root, '-v') as fs:
        r = flags3(fs.base, dest, '-v', '-m', '4', *ODD.keys())
    log = fs.log()
    assert r.rc == 1, r.why()
    assert counted(r.out) == (len(ODD_SAVED), len(ODD_NOT_FOUND), len(ODD_ERRORS)), r.why()
    lines = item_lines(r.out)
    assert sorted(lines) == sorted(ODD), 'codes reported: %s' % sorted(lines)
    for cc in ODD_SAVED:
        assert lines[cc] == '%s OK' % cc, lines[cc]
    for cc in ODD_NOT_FOUND:
        assert lines[cc] == '%s not found' % cc, lines[cc]
    for cc, words in ODD_ERRORS.items():
        assert lines[cc].startswith('*** Error for %s: metadata: ' % cc) and words in lines[cc], \
            lines[cc]
    want = {name: os.path.join(root, 'flags', cc.lower(), cc.lower() + '.gif')
            for cc, name in ODD_SAVED.items()}
    assert_dest_holds_exactly(dest, want)
    # A failed metadata request is the end of its item: its flag is never asked for.
    for cc in list(ODD_ERRORS) + ['CA']:
        assert '/%s.gif' % cc.lower() not in log, '%s flag fetched:\n%s' % (cc, log)
    for cc in list(ODD_SAVED) + ['CB']:
        assert '/%s.gif' % cc.lower() in log, '%s flag not fetched' % cc


@rftest.test
def flags3_metadata_http_errors_are_errors_without_a_flag():
    dest = rftest.tempdir()
    with rftest.FlagServer('--seed', '1', '--error-status', '503', '-v') as fs:
        r = flags3(fs.base, dest, '-v', 'BR', 'CN', 'US')
    log = fs.log()
    assert r.rc == 1, r.why()
    assert counted(r.out) == (0, 0, 3), r.why()
    lines = item_lines(r.out)
    for cc in ('BR', 'CN', 'US'):
        assert lines[cc] == '*** Error for %s: metadata: HTTP error 503 - Service Unavailable' \
            % cc, lines[cc]
    assert rftest.leftovers(dest) == [], rftest.leftovers(dest)
    assert '.gif' not in log, log


@rftest.test
def flags3_counts_every_code_once_under_random_errors():
    """ERROR preset: errors strike the metadata and the flag requests alike."""
    dest = rftest.tempdir()
    with rftest.FlagServer('--preset', 'ERROR', '--seed', '7') as fs:
        r = flags3(fs.base, dest, '-a', '-m', '100', '-v')
    assert r.rc == 1, r.why()
    ok, nf, err = counted(r.out)
    assert nf == 0 and ok + err == 194 and err > 0, r.why()
    lines = item_lines(r.out)
    assert len(lines) == 194, '%d codes reported' % len(lines)
    assert sum(1 for l in lines.values() if ': metadata: HTTP error 50' in l) > 0, r.why()
    assert sum(1 for l in lines.values() if re.search(r': HTTP error 50[0-3]', l)
               and ': metadata: ' not in l) > 0, 'no flag request failed: %s' % r.why()
    saved = {cc for cc, l in lines.items() if l.endswith(' OK')}
    assert len(saved) == ok
    want = expected_files(synthetic_root(), [cc.lower() for cc in saved])
    assert_dest_holds_exactly(dest, want)


@rftest.test
def flags3_keeps_at_most_max_req_requests_in_flight():
    for m in ('1', '3'):
        dest = rftest.tempdir()
        with rftest.FlagServer('--seed', '1') as fs:
            r = flags3(fs.base, dest, '-a', '-l', '40', '-m', m, '--stats')
        assert r.rc == 0, r.why()
        st = r.stats('err')
        assert st['peak_inflight'] <= int(m) and st['ok'] == 40, st
        assert len(rftest.leftovers(dest)) == 40


@rftest.test
def flags3_top20_default_with_many_connections():
    """-m larger than the codes: every flag of the tail still arrives."""
    dest = rftest.tempdir()
    with rftest.FlagServer('--seed', '1') as fs:
        r = flags3(fs.base, dest, '-m', '1000')
    assert r.rc == 0, r.why()
    assert '20 concurrent connections will be used.' in r.out, r.why()
    assert counted(r.out) == (20, 0, 0), r.why()
    assert len(rftest.leftovers(dest)) == 20


class SlowMetadataServer:
    """Serves root (HTTP/1.1, keep-alive) from a thread, answering the
    metadata of the codes in `slow` only after `delay` seconds."""

    def __init__(self, root, slow, delay):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_GET(self):
                path = os.path.join(root, self.path.lstrip('/'))
                if self.path.endswith('/metadata.json') and self.path.split('/')[-2] in slow:
                    time.sleep(delay)
                try:
                    with open(path, 'rb') as f:
                        body, status = f.read(), 200
                except OSError:
                    body, status = b'not found', 404
                outer.requests.append(self.path)
                self.send_response(status)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.requests = []
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.httpd.daemon_threads = True
        self.url = 'http://127.0.0.1:%d/flags' % self.httpd.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@rftest.test
def flags3_fetches_the_flag_of_metadata_that_arrives_last():
    """Every metadata request is out and the quick items are done while one
    metadata answer is still on its way: its flag must still be fetched."""
    root = synthetic_root()
    dest = rftest.tempdir()
    codes = ['ad', 'ae', 'af', 'zw']
    with SlowMetadataServer(root, slow={'zw'}, delay=0.5) as srv:
        r = flags3(srv.url, dest, '-m', '4', '-v', *codes)
    assert r.rc == 0, r.why()
    assert counted(r.out) == (4, 0, 0), r.why()
    assert r.out.index('AD OK') < r.out.index('ZW OK'), r.why()
    assert_dest_holds_exactly(dest, expected_files(root, codes))
    assert sorted(srv.requests) == sorted(['/flags/%s/%s' % (cc, f) for cc in codes
                                           for f in ('metadata.json', cc + '.gif')]), srv.requests


if __name__ == '__main__':
    rftest.main()
