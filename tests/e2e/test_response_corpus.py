"""Hostile and broken responses replayed over loopback to both front ends
(issue 5).

Two corpora, each case served as the raw reply of a tiny Python server:
- tests/corpus/*.http, ours, with the expected class in tests/corpus/cases.tsv
  (format: tests/corpus/gen_corpus.py; leniency decisions: tests/corpus/README.md);
- every case of $RF_SHARED/corpora/llhttp-response/*.md that applies to a
  client, its class derived from llhttp's expected log (skipped when the
  shared directory is absent).

For every case both `flags2 BR --url ...` and `ringfetch URL` run, and after
each the invariants are checked: the process exited by itself (no signal, no
sanitizer report) within the timeout; the item is counted exactly once and in
the expected class; a file exists under its final name only for the ok class
and then holds exactly the body; nothing else (no *.part) is left.

Plus the keep-alive cases a single reply cannot express: a response smuggled
after the first one on a kept-alive connection never reaches a file.

Cases run concurrently (each has its own server), then one PASS/FAIL line per
case is printed. Cases marked with a known defect in cases.tsv (column xfail)
SKIP while they fail and FAIL once they pass, so the mark gets removed.
"""

import concurrent.futures
import glob
import hashlib
import json
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer, read_request  # noqa: E402

CORPUS_DIR = os.path.join(rftest.REPO, 'tests', 'corpus')
LLHTTP_DIR = os.path.join(rftest.SHARED, 'corpora', 'llhttp-response')
TIMEOUT_S = 3          # the front ends' --timeout
PROC_TIMEOUT_S = 30    # a run longer than this is a hang
WORKERS = 8

SANITIZER_MARKS = ('AddressSanitizer', 'LeakSanitizer', 'UndefinedBehaviorSanitizer',
                   'runtime error:', 'ThreadSanitizer')


class Case:
    def __init__(self, name, data, cls, body=None, after='close', xfail=None, note=''):
        self.name, self.data, self.cls, self.after = name, data, cls, after
        self.body_len = None if body is None else len(body)
        self.body_sha = None if body is None else hashlib.sha256(body).hexdigest()
        self.xfail, self.note = xfail, note


# ------------------------------------------------------------- our corpus

def load_our_cases():
    cases = []
    with open(os.path.join(CORPUS_DIR, 'cases.tsv')) as f:
        for line in f:
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            name, cls, after, blen, bsha, xfail, note = line.split('\t')
            with open(os.path.join(CORPUS_DIR, name + '.http'), 'rb') as hf:
                data = hf.read()
            c = Case(name, data, cls, after=after, xfail=None if xfail == '-' else xfail, note=note)
            if cls == 'ok':
                c.body_len, c.body_sha = int(blen), bsha
            cases.append(c)
    return cases


# ------------------------------------------------- llhttp's corpus, in Python
# The format is described in $RF_SHARED/corpora/README.md; this follows
# tests/unit/test_llhttp_corpus.c, which does the same in C against resp_feed.

def llhttp_decode(fence):
    """README 'How an http block becomes bytes', steps 1-4."""
    if fence.endswith('\n'):
        fence = fence[:-1]
    fence = fence.replace('\\\n', '')
    fence = fence.replace('\n', '\r\n')
    out = bytearray()
    i = 0
    while i < len(fence):
        ch = fence[i]
        if ch != '\\' or i + 1 >= len(fence):
            out += ch.encode('utf-8')
            i += 1
            continue
        e = fence[i + 1]
        if e in 'rntf':
            out += {'r': b'\r', 'n': b'\n', 't': b'\t', 'f': b'\f'}[e]
            i += 2
        elif e == 'x' and i + 2 < len(fence) and fence[i + 2] in '0123456789abcdefABCDEF':
            j = i + 2
            while j < len(fence) and fence[j] in '0123456789abcdefABCDEF':
                j += 1
            out += chr(int(fence[i + 2:j], 16)).encode('utf-8')
            i = j
        elif e in '01234567':
            j = i + 1
            while j < len(fence) and j < i + 4 and fence[j] in '01234567':
                j += 1
            out += chr(int(fence[i + 1:j], 8)).encode('utf-8')
            i = j
        else:
            out += b'\\'
            i += 1
    return bytes(out)


def llhttp_messages(log):
    """The messages of a log: dicts with status, flags, complete, error, body."""
    msgs = []

    def cur():
        if not msgs:
            msgs.append(new())
        return msgs[-1]

    def new():
        return {'status': None, 'flags': 0, 'complete': False, 'error': None, 'body': bytearray(),
                'vmaj': None, 'vmin': None}

    for line in log.splitlines():
        line = line.replace('\\t', '\t').replace('\\f', '\f')
        m = re.match(r'off=(\d+) (.*)$', line)
        if not m:
            continue
        rest = m.group(2)
        if rest == 'message begin':
            msgs.append(new())
        elif rest == 'message complete':
            cur()['complete'] = True
        elif rest.startswith('headers complete '):
            h = re.match(r'headers complete status=(\d+) v=(\d+)/(\d+) flags=([0-9a-f]+)', rest)
            c = cur()
            c['status'], c['vmaj'], c['vmin'] = int(h.group(1)), int(h.group(2)), int(h.group(3))
            c['flags'] = int(h.group(4), 16)
        elif rest.startswith('error code='):
            cur()['error'] = rest
        else:
            b = re.match(r'len=(\d+) span\[body\]=(.*)$', rest)
            if b:
                n, v = int(b.group(1)), b.group(2)
                if v in ('cr', 'lf'):
                    cur()['body'] += b'\r' if v == 'cr' else b'\n'
                else:
                    raw = v.encode('utf-8')
                    assert raw[:1] == b'"' and len(raw) == n + 2, 'odd body span: %r' % line
                    cur()['body'] += raw[1:-1]
    return msgs


def status_class(status, body):
    if 200 <= status <= 299:
        return 'ok', (b'' if status == 204 else bytes(body))
    if status == 404:
        return 'not_found', None
    return 'http_error', None


def llhttp_expected(msgs):
    """(class, body) a client must report when the input is the whole reply
    and the server then closes, or None when the log does not decide it."""
    for m in msgs:
        if m['status'] == 101:
            return 'protocol_error', None   # we never ask to upgrade
        if m['status'] is not None and 100 <= m['status'] <= 199 and m['complete']:
            continue                          # interim: the next message is the answer
        if m['status'] is not None and not 200 <= m['status'] <= 299:
            # A final status decides the class whatever happens to its body
            # (the engine reads an error's body only to keep the connection).
            return status_class(m['status'], None)
        if m['complete']:
            return status_class(m['status'], m['body'])
        if m['error']:
            return 'protocol_error', None
        # Neither complete nor an error: the input ends inside this message,
        # then the server closes.
        if m['status'] is None:
            return 'truncated', None
        if m['status'] in (204, 304):
            return status_class(m['status'], b'')
        chunked, has_cl, te = m['flags'] & 0x08, m['flags'] & 0x20, m['flags'] & 0x200
        needs_eof = (te and not chunked) or not (chunked or has_cl)
        if needs_eof:
            return status_class(m['status'], m['body'])
        return 'truncated', None
    return None


def refused_coding(http):
    """Our leniency decision (tests/corpus/README.md): we send no TE header, so
    a final response whose Transfer-Encoding lists any coding but chunked is
    refused (RF_E_CODING), where llhttp would read on. Written apart from the
    C parser: header lines, obs-folds joined, tokens before any ';'."""
    head = http.split(b'\r\n\r\n', 1)[0].replace(b'\r\n', b'\n')
    lines = head.split(b'\n')
    if not lines or re.match(rb'HTTP/\d\.\d 1\d\d', lines[0]):
        return False
    fields = []
    for line in lines[1:]:
        if line[:1] in (b' ', b'\t') and fields:
            fields[-1] += b' ' + line
        elif b':' in line:
            fields.append(line)
    for f in fields:
        name, _, value = f.partition(b':')
        if name.strip().lower() != b'transfer-encoding':
            continue
        for item in value.split(b','):
            for token in item.split(b';', 1)[0].split():
                if token.lower() != b'chunked':
                    return True
    return False


def slug(text):
    return re.sub(r'[^a-z0-9]+', '_', text.lower()).strip('_')[:70]


def load_llhttp_cases():
    """(cases, skipped) from the shared corpus; ([], why) when it is absent."""
    files = sorted(glob.glob(os.path.join(LLHTTP_DIR, '*.md')))
    if not files:
        return [], 'no llhttp corpus at %s' % LLHTTP_DIR
    cases, skipped = [], []
    for path in files:
        fname = os.path.basename(path)[:-3]
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
        name, meta, http, where, buf = None, {}, None, None, []
        for line in lines:
            line = line.rstrip('\r')
            if where is not None:
                if line.startswith('```'):
                    if where == 'http':
                        http = llhttp_decode(''.join(l + '\n' for l in buf))
                    elif where == 'log' and http is not None and name:
                        cases.append(llhttp_case(fname, name, meta, http, '\n'.join(buf), skipped))
                        http = None
                    where = None
                else:
                    buf.append(line)
                continue
            if line.startswith('## ') or line.startswith('### '):
                name, meta, http = line.split(' ', 1)[1], {}, None
            elif '<!-- meta=' in line:
                meta = json.loads(line.split('meta=', 1)[1].rsplit('-->', 1)[0])
            elif line == '```http':
                where, buf = 'http', []
            elif line == '```log':
                where, buf = 'log', []
            elif line.startswith('```'):
                where, buf = 'other', []
    return [c for c in cases if c is not None], skipped


def llhttp_case(fname, name, meta, http, log, skipped):
    tname = 'llhttp_%s_%s' % (slug(fname), slug(name))
    t = meta.get('type', '')
    # Same exclusions as tests/unit/test_llhttp_corpus.c, for the same reasons.
    if meta.get('mode') == 'loose':
        skipped.append((tname, 'loose-mode case; we link the strict build (Makefile LLHTTP_CFLAGS)'))
        return None
    if t.startswith('response-lenient'):
        skipped.append((tname, 'needs a lenient flag we never enable'))
        return None
    if meta.get('skipBody'):
        skipped.append((tname, 'skipBody is what a HEAD client does; we only GET'))
        return None
    if not t.startswith('response'):
        skipped.append((tname, 'not a response case'))
        return None
    exp = llhttp_expected(llhttp_messages(log))
    if exp is None:
        skipped.append((tname, 'the log decides no outcome'))
        return None
    cls, body = exp
    if refused_coding(http):
        cls, body = 'protocol_error', None
    return Case(tname, http, cls, body=body, note='%s.md: %s' % (fname, name))


# ------------------------------------------------------------------ serving

def reply_server(case):
    """A server that answers every connection with case.data (see cases.tsv 'after')."""
    def handle(conn):
        if case.after != 'now' and not read_request(conn):
            return
        conn.sendall(case.data)
        if case.after == 'hold':
            while conn.recv(65536):
                pass
            return
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(PROC_TIMEOUT_S)
        while conn.recv(65536):   # until the client closes: no RST into its reads
            pass
    return FakeServer(handle)


# ------------------------------------------------------------- the checks

MESSAGE_CLASS = [
    ('invalid response', 'protocol_error'),
    ('truncated body: ', 'truncated'),
    ('truncated response: ', 'truncated'),   # closed in the header section
    ('empty reply', 'empty'),
    ('timed out', 'timeout'),
    ('HTTP error', 'http_error'),
]


def message_class(msg):
    for words, cls in MESSAGE_CLASS:
        if words in msg:
            return cls
    return 'other(%s)' % msg


def common_checks(r, dest, fname, case, problems, who, not_found_rc=1):
    if r.timed_out:
        problems.append('%s hung (killed after %ds)' % (who, PROC_TIMEOUT_S))
        return False
    if r.rc < 0:
        problems.append('%s killed by signal %d' % (who, -r.rc))
    if any(m in r.err for m in SANITIZER_MARKS):
        problems.append('%s: sanitizer report: %s' % (who, r.err.strip()[-600:]))
    limit = TIMEOUT_S + 3
    if r.elapsed > limit:
        problems.append('%s took %.1fs (> %ds)' % (who, r.elapsed, limit))
    want_rc = 0 if case.cls == 'ok' else not_found_rc if case.cls == 'not_found' else 1
    if r.rc != want_rc:
        problems.append('%s exit %d, expected %d' % (who, r.rc, want_rc))
    files = rftest.leftovers(dest)
    if case.cls == 'ok':
        if files != [fname]:
            problems.append('%s left %s, expected [%s]' % (who, files, fname))
        else:
            with open(os.path.join(dest, fname), 'rb') as f:
                got = f.read()
            if len(got) != case.body_len or hashlib.sha256(got).hexdigest() != case.body_sha:
                problems.append('%s: file holds %d bytes %r..., expected %d bytes' % (
                    who, len(got), got[:40], case.body_len))
    elif files:
        problems.append('%s left files %s for class %s' % (who, files, case.cls))
    return True


def check_ringfetch(case, url, problems):
    dest = rftest.tempdir('rf-corpus-')
    # One answer, judged as it is: no retry, no redirect followed.
    r = rftest.run([rftest.bin('ringfetch'), '--retry', '0', '--max-redirs', '0', '-o', dest,
                    '--timeout', str(TIMEOUT_S), '--stats', url],
                   timeout=PROC_TIMEOUT_S)
    if not common_checks(r, dest, 'x', case, problems, 'ringfetch'):
        return
    try:
        s = r.stats()
    except (AssertionError, ValueError) as e:
        problems.append('ringfetch: %s' % e)
        return
    want = {'files': 1, 'ok': int(case.cls == 'ok'), 'not_found': int(case.cls == 'not_found')}
    want['errors'] = 1 - want['ok'] - want['not_found']
    got = {k: s.get(k) for k in want}
    if got != want:
        problems.append('ringfetch counted %s, expected %s' % (got, want))
    errs = [l for l in r.err.splitlines() if l.startswith('ERR ')]
    if case.cls == 'ok':
        if errs:
            problems.append('ringfetch printed errors for an ok case: %s' % errs)
    elif len(errs) != 1:
        problems.append('ringfetch printed %d ERR lines, expected 1: %s' % (len(errs), errs))
    elif case.cls != 'not_found':
        got_cls = message_class(errs[0])
        if got_cls != case.cls:
            problems.append('ringfetch class %s, expected %s (%s)' % (got_cls, case.cls, errs[0]))


def check_flags2(case, base, problems):
    dest = rftest.tempdir('f2-corpus-')
    r = rftest.run([rftest.bin('flags2'), 'BR', '--url', base, '--dest', dest, '--timeout',
                    str(TIMEOUT_S), '-v', '--stats'], timeout=PROC_TIMEOUT_S)
    # flags2-spec: "not found" is not an error, so a 404 alone exits 0.
    if not common_checks(r, dest, 'br.gif', case, problems, 'flags2', not_found_rc=0):
        return
    out = r.out.splitlines()
    items = [l for l in out if l in ('BR OK', 'BR not found') or l.startswith('*** Error for BR:')]
    if len(items) != 1:
        problems.append('flags2 printed %d item lines, expected 1: %s' % (len(items), items))
        return
    want_line = {'ok': 'BR OK', 'not_found': 'BR not found'}.get(case.cls)
    if want_line and items[0] != want_line:
        problems.append('flags2 said %r, expected %r' % (items[0], want_line))
    if not want_line:
        got_cls = message_class(items[0])
        if got_cls != case.cls:
            problems.append('flags2 class %s, expected %s (%s)' % (got_cls, case.cls, items[0]))
    # The report must count it once, in the same class.
    ok_line = '%d flag%s downloaded.' % (int(case.cls == 'ok'), '' if case.cls == 'ok' else 's')
    if ok_line not in out:
        problems.append('flags2 report lacks %r: %s' % (ok_line, out[-4:]))
    if case.cls not in ('ok', 'not_found') and '1 error.' not in out:
        problems.append('flags2 report lacks "1 error.": %s' % out[-4:])
    try:
        s = r.stats('err')
        if (s['files'], s['ok'] + s['not_found'] + s['errors']) != (1, 1):
            problems.append('flags2 --stats counted %s' % s)
    except (AssertionError, ValueError) as e:
        problems.append('flags2: %s' % e)


def run_case(case):
    """Both front ends against case; returns a list of problems ([] = pass)."""
    problems = []
    with reply_server(case) as srv:
        check_ringfetch(case, srv.url('/x'), problems)
        check_flags2(case, srv.url('/flags'), problems)
    return problems


# ------------------------------------------------- running and reporting

_results = {}
_lock = threading.Lock()


def prefetch(cases):
    """Run the not yet run cases concurrently, remember their problems."""
    todo = [c for c in cases if c.name not in _results]
    # rftest's temp dirs are per test; these runs make their own and clean up.
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        for c, probs in zip(todo, pool.map(run_case_isolated, todo)):
            with _lock:
                _results[c.name] = probs


def run_case_isolated(case):
    try:
        return run_case(case)
    except Exception as e:  # a bug in the harness is a failed case, not a crash of the file
        return ['harness: %s: %s' % (type(e).__name__, e)]


def register(case, group):
    def t():
        if case.name not in _results:
            prefetch([c for c in group if c.name in _selected] or [case])
        problems = _results[case.name]
        if case.xfail:
            if problems:
                rftest.skip('known defect %s (tests/corpus/README.md): %s' % (
                    case.xfail, '; '.join(problems)))
            raise AssertionError('marked as known defect %s but passes now: remove the mark'
                                 % case.xfail)
        assert not problems, '[%s] %s' % (case.note, '; '.join(problems))
    t.__name__ = case.name if case.name.startswith('llhttp_') else 'corpus_' + case.name.replace('-', '_')
    rftest.test(t)
    return t


OUR_CASES = load_our_cases()
LLHTTP_CASES, LLHTTP_SKIPPED = load_llhttp_cases()
_selected = set()


@rftest.test
def corpus_has_at_least_40_cases_covering_every_class():
    classes = {c.cls for c in OUR_CASES}
    assert len(OUR_CASES) >= 40, '%d cases' % len(OUR_CASES)
    need = {'ok', 'not_found', 'http_error', 'protocol_error', 'truncated', 'timeout', 'empty'}
    assert need <= classes, 'missing classes: %s' % (need - classes)


for _c in OUR_CASES:
    register(_c, OUR_CASES)


@rftest.test
def llhttp_corpus_is_replayed():
    if isinstance(LLHTTP_SKIPPED, str):
        rftest.skip_missing(LLHTTP_SKIPPED)
    # 69 cases in v8.1.0 (README); each is either replayed or skipped for a stated reason.
    total = len(LLHTTP_CASES) + len(LLHTTP_SKIPPED)
    assert total == 69, '%d cases parsed (%d run, %d skipped), expected 69' % (
        total, len(LLHTTP_CASES), len(LLHTTP_SKIPPED))
    assert len(LLHTTP_CASES) >= 55, 'only %d cases apply' % len(LLHTTP_CASES)


if not isinstance(LLHTTP_SKIPPED, str):
    for _c in LLHTTP_CASES:
        register(_c, LLHTTP_CASES)


# ----------------------------------------------------- keep-alive smuggling

class PathServer(FakeServer):
    """Keep-alive server answering each request with 'BODY-OF-<path>'; the
    first response on the first connection is followed by extra bytes
    (`smuggle`), sent together with it or `smuggle_delay` seconds later."""

    def __init__(self, smuggle, smuggle_delay=0.0):
        super().__init__()
        self.smuggle, self.smuggle_delay = smuggle, smuggle_delay
        self.served = []

    @staticmethod
    def answer(path):
        body = b'BODY-OF-' + path
        return b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s' % (len(body), body)

    def handle(self, conn):
        first_conn = self.accepted == 1
        for n, head in enumerate(rftest.requests(conn)):
            path = head.split(b' ')[1]
            with self.lock:
                self.served.append(path)
            if first_conn and n == 0:
                if self.smuggle_delay:
                    conn.sendall(self.answer(path))
                    time.sleep(self.smuggle_delay)
                    conn.sendall(self.smuggle)
                else:
                    conn.sendall(self.answer(path) + self.smuggle)
            else:
                conn.sendall(self.answer(path))


SMUGGLED = b'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED'


def assert_files_hold_their_own_answers(dest, names, paths):
    for name, path in zip(names, paths):
        fpath = os.path.join(dest, name)
        assert os.path.isfile(fpath), '%s missing; left: %s' % (name, rftest.leftovers(dest))
        with open(fpath, 'rb') as f:
            got = f.read()
        assert got == b'BODY-OF-' + path, '%s holds %r, expected the answer to %s' % (name, got, path)
    assert rftest.leftovers(dest) == sorted(names), rftest.leftovers(dest)


@rftest.test
def smuggled_response_in_the_same_segment_never_reaches_a_file():
    dest = rftest.tempdir()
    with PathServer(SMUGGLED) as srv:
        r = rftest.run([rftest.bin('ringfetch'), '-m', '1', '-o', dest, '--stats',
                        srv.url('/a'), srv.url('/b')], timeout=PROC_TIMEOUT_S)
    assert r.rc == 0, r.why()
    assert_files_hold_their_own_answers(dest, ['a', 'b'], [b'/a', b'/b'])
    s = r.stats()
    assert (s['files'], s['ok']) == (2, 2), s


@rftest.test
def flags2_smuggled_response_in_the_same_segment_never_reaches_a_file():
    dest = rftest.tempdir()
    with PathServer(SMUGGLED) as srv:
        r = rftest.run([rftest.bin('flags2'), '-m', '1', 'BR', 'CA', '--url', srv.url('/flags'),
                        '--dest', dest, '-v'], timeout=PROC_TIMEOUT_S)
    assert r.rc == 0 and '2 flags downloaded.' in r.out.splitlines(), r.why()
    assert_files_hold_their_own_answers(dest, ['br.gif', 'ca.gif'],
                                        [b'/flags/br/br.gif', b'/flags/ca/ca.gif'])


@rftest.test
def smuggled_response_arriving_on_an_idle_connection_never_reaches_a_file():
    # -m 1 over /a (server S), /slow (server T, 1 s), /b (S again): while /slow
    # runs, S's connection sits idle and S sends an unsolicited response on it.
    # /b must not take those bytes for its answer.
    dest = rftest.tempdir()

    def slow(conn):
        if read_request(conn):
            time.sleep(1.0)
            conn.sendall(PathServer.answer(b'/slow'))
            while conn.recv(4096):
                pass
    with PathServer(SMUGGLED, smuggle_delay=0.3) as srv, FakeServer(slow) as t:
        r = rftest.run([rftest.bin('ringfetch'), '-m', '1', '-o', dest, '--stats', '--timeout', '5',
                        srv.url('/a'), t.url('/slow'), srv.url('/b')], timeout=PROC_TIMEOUT_S)
    assert not r.timed_out and r.rc == 0, r.why()
    assert_files_hold_their_own_answers(dest, ['a', 'b', 'slow'], [b'/a', b'/b', b'/slow'])


if __name__ == '__main__':
    _selected = set(sys.argv[1:]) or {c.name for c in OUR_CASES + LLHTTP_CASES}
    # A name on the command line may be the test name ('corpus_x'): map it back.
    _selected |= {c.name for c in OUR_CASES if 'corpus_' + c.name.replace('-', '_') in _selected}
    rftest.main()
