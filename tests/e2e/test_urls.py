"""URLs as ringfetch sends, names and echoes them (issue 9, items 5-8): dot
segments removed and bytes percent-encoded on the wire, userinfo sent as Basic
authorization and never printed, one message per parse failure, names of up to
255 bytes, duplicates fetched once, a UTF-8 BOM at the start of a list.

A recording server shows the exact request bytes the client sent.
"""

import base64
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer  # noqa: E402

SINK_C = os.path.join(rftest.REPO, 'src', 'engine', 'sink.c')


class Recorder(FakeServer):
    """Keep-alive. Records every request head; answers 404 to a target that
    holds 'nope', else 200 with the target as the body (so a saved file says
    which request it came from)."""

    def __init__(self):
        super().__init__()
        self.heads = []

    def handle(self, conn):
        for head in rftest.requests(conn):
            with self.lock:
                self.heads.append(head)
            target = head.split(b' ')[1]
            if b'nope' in target:
                conn.sendall(b'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
            else:
                conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(target)
                             + target)

    def targets(self):
        with self.lock:
            return sorted(h.split(b'\r\n')[0] for h in self.heads)

    def header(self, target, name):
        """The value of header `name` in the request for `target` (None when absent)."""
        with self.lock:
            for h in self.heads:
                lines = h.split(b'\r\n')
                if lines[0].split(b' ')[1] == target:
                    for line in lines[1:]:
                        k, _, v = line.partition(b':')
                        if k.strip().lower() == name.lower().encode():
                            return v.strip()
                    return None
        raise AssertionError('no request for %r in %r' % (target, self.targets()))


def ringfetch(*args, timeout=30, input=None):
    return rftest.run([rftest.bin('ringfetch')] + [str(a) for a in args], timeout=timeout,
                      input=input)


def write_list(lines, bom=False):
    """A list file of `lines` (str or bytes), one per line."""
    path = os.path.join(rftest.tempdir(), 'list')
    with open(path, 'wb') as f:
        if bom:
            f.write(b'\xef\xbb\xbf')
        for line in lines:
            f.write((line if isinstance(line, bytes) else line.encode()) + b'\n')
    return path


def err_lines(r, prefix):
    return [line for line in r.err.splitlines() if line.startswith(prefix)]


# ------------------------------------------------------------ on the wire

@rftest.test
def dot_segments_are_removed_before_sending():
    dest = rftest.tempdir()
    with Recorder() as srv:
        r = ringfetch('-o', dest, '--stats', srv.url('/a/b/../c.bin'),
                      srv.url('/x/./y/%2e%2e/z.bin'), srv.url('/d/e/..'))
    assert r.rc == 0, r.why()
    assert srv.targets() == [b'GET /a/c.bin HTTP/1.1', b'GET /d/ HTTP/1.1',
                             b'GET /x/z.bin HTTP/1.1'], srv.targets()
    # each file holds what its own request was answered with
    files = {n: open(os.path.join(dest, n), 'rb').read() for n in rftest.leftovers(dest)}
    assert files == {'c.bin': b'/a/c.bin', 'z.bin': b'/x/z.bin', 'index.html': b'/d/'}, files


@rftest.test
def spaces_non_ascii_and_stray_percent_are_percent_encoded_on_the_wire():
    dest = rftest.tempdir()
    with Recorder() as srv:
        lst = write_list([srv.url('/dir/a b%41\xe9\"<>.txt?q=x y').encode('utf-8'),
                          srv.url('/100%').encode() + b'\xff'])
        r = ringfetch('-o', dest, '-i', lst)
    assert r.rc == 0, r.why()
    assert srv.targets() == [b'GET /100%25%FF HTTP/1.1',
                             b'GET /dir/a%20b%41%C3%A9%22%3C%3E.txt?q=x%20y HTTP/1.1'], srv.targets()
    # the names are the decoded last segments
    names = sorted(os.listdir(dest.encode()))
    assert names == [b'100%\xff', b'a bA\xc3\xa9"<>.txt'], names


@rftest.test
def userinfo_is_sent_as_basic_authorization():
    dest = rftest.tempdir()
    with Recorder() as srv:
        url = srv.url('/ok.bin').replace('http://', 'http://us%40er:p%3As:w@')
        r = ringfetch('-o', dest, url, srv.url('/anon.bin'))
    assert r.rc == 0, r.why()
    auth = srv.header(b'/ok.bin', 'Authorization')
    assert auth == b'Basic ' + base64.b64encode(b'us@er:p:s:w'), auth
    assert srv.header(b'/anon.bin', 'Authorization') is None


@rftest.test
def the_password_is_never_printed():
    dest = rftest.tempdir()
    secret = 'S3cretPw'
    with Recorder() as srv:
        auth = 'http://user:%s@' % secret
        urls = [srv.url('/ok.bin').replace('http://', auth),
                srv.url('/nope.bin').replace('http://', auth),               # 404: engine's ERR
                'http://user:%s@127.0.0.1:99999/x' % secret,                 # refused by the CLI
                'http://user:%s@127.0.0.1:%d/\x1b[31m' % (secret, srv.port)]  # control character
        r = ringfetch('-o', dest, '-v', '--stats', *urls)
    assert r.rc == 1, r.why()
    assert secret not in r.out and secret not in r.err, r.why()
    shown = srv.url('').replace('http://', 'http://user:***@')
    assert 'OK %s/ok.bin -> ' % shown in r.out, r.why()
    assert 'ERR %s/nope.bin: HTTP error 404 - Not Found' % shown in r.err, r.why()
    assert "ERR argument 3: bad URL 'http://user:***@127.0.0.1:99999/x': port out of range" in r.err, \
        r.why()
    assert "ERR argument 4: bad URL 'http://user:***@127.0.0.1:%d/\\x1b[31m': it holds a control" \
        % srv.port in r.err, r.why()


@rftest.test
def flags2_hides_the_password_of_its_base_url():
    r = rftest.run([rftest.bin('flags2'), '--dest', rftest.tempdir(), '--url',
                    'http://user:S3cretPw@127.0.0.1:%d/flags' % rftest.free_port(), 'BR'],
                   timeout=30)
    assert 'S3cretPw' not in r.out + r.err, r.why()
    assert 'site: http://user:***@127.0.0.1:' in r.out, r.why()


@rftest.test
def urls_in_error_lines_are_escaped_like_in_refusals():
    dest = rftest.tempdir()
    with Recorder() as srv:
        lst = write_list([srv.url('/nope-\xe9.bin').encode('utf-8')])
        r = ringfetch('-o', dest, '-i', lst)
    assert r.rc == 1, r.why()
    assert err_lines(r, 'ERR ') == ['ERR %s/nope-\\xc3\\xa9.bin: HTTP error 404 - Not Found'
                                    % srv.url('')], r.why()


# ------------------------------------------------------------ refusals

@rftest.test
def each_url_parse_failure_has_its_own_words_and_sends_nothing():
    with Recorder() as srv:
        p = srv.port  # every URL that names a port names the recorder's: none may reach it
        cases = [
            ('http://127.0.0.1:/x', "empty port after ':'"),
            ('http://127.0.0.1:65536/x', 'port out of range (1 to 65535)'),
            ('http://127.0.0.1:%do/x' % p, 'the port is not a number'),
            ('http://127.0.0.1 :%d/x' % p, 'space in the host, port or user name'),
            ('http://[::1:%d/x' % p, "'[' without a closing ']'"),
            ('http://[::g]:%d/x' % p, "not a valid IPv6 address between '[' and ']'"),
            ('ftp://127.0.0.1:%d/x' % p, 'unknown scheme: only http:// and https:// URLs are supported'),
            ('http:///x', 'no host name'),
            ('127.0.0.1:%d/x' % p, 'not a URL (it must start with http:// or https://)'),
            ('http://a@b@127.0.0.1:%d/x' % p, "two '@' before the host"),
            ('http://127.0.0.1:%d\\x/' % p, 'the port is not a number'),
        ]
        r = ringfetch('-o', rftest.tempdir(), '--stats', *[u for u, _ in cases])
    assert r.rc == 1, r.why()
    assert srv.accepted == 0, 'the server saw %d connections' % srv.accepted
    errs = err_lines(r, 'ERR ')
    assert len(errs) == len(cases), errs
    for i, (_, words) in enumerate(cases):
        assert errs[i].startswith('ERR argument %d: bad URL ' % (i + 1)) and words in errs[i], \
            (i, errs[i])
    assert r.stats()['errors'] == len(cases), r.stats()


@rftest.test
def a_name_over_255_bytes_is_refused_before_any_request():
    dest = rftest.tempdir()
    with Recorder() as srv:
        r = ringfetch('-o', dest, srv.url('/d/' + 'n' * 300), srv.url('/d/' + '%C3%A9' * 128))
    assert r.rc == 1, r.why()
    assert srv.accepted == 0, 'the server saw %d connections' % srv.accepted
    errs = err_lines(r, 'ERR ')
    assert len(errs) == 2, r.why()
    assert errs[0].startswith('ERR argument 1: ') and errs[0].endswith(
        "': file name is 300 bytes, over the file system's 255-byte limit"), errs
    assert errs[1].endswith("': file name is 256 bytes, over the file system's 255-byte limit"), errs
    assert rftest.leftovers(dest) == []


@rftest.test
def names_of_251_to_255_bytes_are_saved():
    # Needs the engine's temporary file to stop being NAME.part (255 + 5 bytes
    # is over NAME_MAX): the lead's sink change (O_TMPFILE or a short unique
    # name). Until sink.c stops appending ".part" this is skipped, not failed.
    if '".part"' in open(SINK_C).read():
        rftest.skip('the sink still writes NAME.part, so a name over 250 bytes cannot be '
                    'created yet (issue 9 item 1 changes the temporary file)')
    dest = rftest.tempdir()
    names = ['%03d' % n + 'x' * (n - 3) for n in range(251, 256)]
    with Recorder() as srv:
        r = ringfetch('-o', dest, *[srv.url('/d/' + n) for n in names])
    assert r.rc == 0, r.why()
    assert sorted(rftest.leftovers(dest)) == names, rftest.leftovers(dest)


# ------------------------------------------------------------ duplicates

@rftest.test
def the_same_url_twice_is_fetched_once_and_reported_as_a_duplicate():
    dest = rftest.tempdir()
    with Recorder() as srv:
        a, b = srv.url('/d/a.bin'), srv.url('/d/b.bin')
        lst = write_list(['# list', a, srv.url('/d/x/../a.bin'), b, a])
        r = ringfetch('-o', dest, '--stats', a, '-i', lst)
    assert r.rc == 0, r.why()
    assert srv.targets() == [b'GET /d/a.bin HTTP/1.1', b'GET /d/b.bin HTTP/1.1'], srv.targets()
    assert err_lines(r, 'ERR') == [], r.why()
    assert err_lines(r, 'DUP ') == [
        "DUP line 2: same URL as argument 1, fetched once: '%s'" % a,
        "DUP line 3: same URL as argument 1, fetched once: '%s'" % srv.url('/d/x/../a.bin'),
        "DUP line 5: same URL as argument 1, fetched once: '%s'" % a,
    ], r.why()
    summary = r.err.splitlines()[-1]
    assert summary.startswith('2 files, ') and ', 3 duplicates, 0 errors in ' in summary, summary
    s = r.stats()
    assert (s['files'], s['ok'], s['errors']) == (2, 2, 0), s
    assert sorted(rftest.leftovers(dest)) == ['a.bin', 'b.bin']


@rftest.test
def duplicates_are_quiet_with_q_and_a_failed_first_fetch_still_sets_the_status():
    dest = rftest.tempdir()
    with Recorder() as srv:
        nope = srv.url('/nope.bin')
        r = ringfetch('-o', dest, '-q', nope, nope)
    assert r.rc == 1, r.why()
    assert srv.targets() == [b'GET /nope.bin HTTP/1.1'], srv.targets()
    assert r.err.splitlines() == ['ERR %s: HTTP error 404 - Not Found' % nope], r.why()


@rftest.test
def different_urls_with_one_output_name_stay_an_error():
    dest = rftest.tempdir()
    with Recorder() as srv:
        r = ringfetch('-o', dest, '--stats', srv.url('/x/a'), srv.url('/y/a'), srv.url('/x/a'))
    assert r.rc == 1, r.why()
    assert err_lines(r, 'ERR ') == ["ERR argument 2: duplicate output name 'a' for '%s'"
                                    % srv.url('/y/a')], r.why()
    assert len(err_lines(r, 'DUP argument 3: same URL as argument 1')) == 1, r.why()
    s = r.stats()
    assert (s['files'], s['ok'], s['errors']) == (2, 1, 1), s


# ------------------------------------------------------------ lists

@rftest.test
def a_utf8_bom_at_the_start_of_a_list_is_skipped():
    dest = rftest.tempdir()
    with Recorder() as srv:
        lst = write_list([srv.url('/first.bin'), srv.url('/second.bin')], bom=True)
        r = ringfetch('-o', dest, '-i', lst)
        piped = ringfetch('-o', rftest.tempdir(), '-i', '-',
                          input=b'\xef\xbb\xbf' + srv.url('/piped.bin').encode() + b'\n')
    assert r.rc == 0, r.why()
    assert sorted(rftest.leftovers(dest)) == ['first.bin', 'second.bin'], rftest.leftovers(dest)
    assert piped.rc == 0, piped.why()


if __name__ == '__main__':
    rftest.main()
