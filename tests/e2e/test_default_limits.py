"""The default limits, with no --timeout (issue 9, item 17): the silence
limit (RF_IDLE_TIMEOUT_MS, 30 s) and the connect limit
(RF_CONNECT_TIMEOUT_MS, 10 s) of include/ringfetch/limits.h, for ringfetch
and flags2.

- a silent server (accepts, reads the request, sends nothing) fails its item
  after the silence limit;
- a server that sends the headers and 10 of 100 body bytes, then goes
  silent, fails the same way and leaves no file;
- a connection whose SYN is never answered fails after the connect limit:
  a loopback listener with backlog 0 whose accept queue is already full, so
  the kernel drops further SYNs (checked first: a probe must time out, not be
  refused).

The real defaults are tested, not a shortened copy: a test-only knob would
leave the values users get untested. The six runs go concurrently, so the
file costs one silence limit (about 31 s), not the 140 s of running them one
after the other. Each is checked for the time it took (between the limit and
1.5 times it), the message, the counts, the exit status and what it left.
"""

import concurrent.futures
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer, Unanswered, read_request  # noqa: E402

LIMITS_H = os.path.join(rftest.REPO, 'include', 'ringfetch', 'limits.h')


def limit_s(name):
    """A default deadline from limits.h, in seconds."""
    with open(LIMITS_H) as f:
        m = re.search(r'^#define\s+%s\s+(\d+)\s*$' % name, f.read(), re.M)
    assert m, '%s not found in %s' % (name, LIMITS_H)
    return int(m.group(1)) / 1000


IDLE_S = limit_s('RF_IDLE_TIMEOUT_MS')
CONNECT_S = limit_s('RF_CONNECT_TIMEOUT_MS')
# Far past any limit: a run this long has no working limit at all.
PROC_TIMEOUT_S = 2 * max(IDLE_S, CONNECT_S) + 10


# --------------------------------------------------------------- servers

def ten_bytes_then_silence(conn):
    if read_request(conn):
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n' + b'x' * 10)
        while conn.recv(4096):
            pass


SERVERS = {
    'silent': (lambda: FakeServer.silent(), IDLE_S),
    'ten_bytes_then_silent': (lambda: FakeServer(ten_bytes_then_silence), IDLE_S),
    'connect_unanswered': (Unanswered, CONNECT_S),
}


# ------------------------------------------------------------------ runs

def run_ringfetch(server, dest):
    with server() as srv:
        url = srv.url('/never.bin')
        r = rftest.run([rftest.bin('ringfetch'), '--retry', '0', '-o', dest, '--stats', url], timeout=PROC_TIMEOUT_S)
        accepted = getattr(srv, 'accepted', None)
    return r, url, accepted


def run_flags2(server, dest):
    with server() as srv:
        url = srv.url('/flags')
        r = rftest.run([rftest.bin('flags2'), '-v', 'BR', '--url', url, '--dest', dest],
                       timeout=PROC_TIMEOUT_S)
        accepted = getattr(srv, 'accepted', None)
    return r, url, accepted


FRONTS = {'ringfetch': run_ringfetch, 'flags2': run_flags2}

_results = {}


def run_case(front, scenario):
    """Run one case; returns (Result, url, connections accepted, files left)
    or the exception it raised."""
    dest = tempfile.mkdtemp(prefix='rftest-limits-')
    try:
        r, url, accepted = FRONTS[front](SERVERS[scenario][0], dest)
        return r, url, accepted, rftest.leftovers(dest)
    except Exception as e:  # a Skip or a harness error: raised again by the test
        return e
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def result(front, scenario):
    """The case's outcome; the first call runs every selected case at once."""
    if (front, scenario) not in _results:
        todo = [k for k in _selected if k not in _results] or [(front, scenario)]
        with concurrent.futures.ThreadPoolExecutor(len(todo)) as pool:
            for k, res in zip(todo, pool.map(lambda k: run_case(*k), todo)):
                _results[k] = res
                if not isinstance(res, Exception):
                    print('  %s %s: %.1fs' % (k[0], k[1], res[0].elapsed), flush=True)
    res = _results[(front, scenario)]
    if isinstance(res, Exception):
        raise res
    return res


# ---------------------------------------------------------------- checks

def check_common(r, limit, left):
    assert not r.timed_out, 'no limit fired: still running after %ds (%s)' % (PROC_TIMEOUT_S, r.why())
    assert limit * 0.97 <= r.elapsed <= limit * 1.5, 'took %.1fs, the default limit is %gs: %s' % (
        r.elapsed, limit, r.why())
    assert r.rc == 1, r.why()
    assert left == [], 'left behind: %s' % left


def check_ringfetch(scenario):
    r, url, accepted, left = result('ringfetch', scenario)
    limit = SERVERS[scenario][1]
    check_common(r, limit, left)
    errs = [l for l in r.err.splitlines() if l.startswith('ERR ')]
    want = 'timed out connecting to 127.0.0.1' if scenario == 'connect_unanswered' else \
        'timed out: nothing received for %g s' % IDLE_S
    assert errs == ['ERR %s: %s' % (url, want)], r.why()
    s = r.stats()
    got = {k: s[k] for k in ('files', 'ok', 'not_found', 'errors')}
    assert got == {'files': 1, 'ok': 0, 'not_found': 0, 'errors': 1}, s
    if accepted is not None:
        assert accepted == 1, 'server saw %d connections' % accepted


def check_flags2(scenario):
    r, url, accepted, left = result('flags2', scenario)
    limit = SERVERS[scenario][1]
    check_common(r, limit, left)
    out = r.out.splitlines()
    errs = [l for l in out if l.startswith('*** Error for BR:')]
    assert len(errs) == 1 and errs[0].startswith('*** Error for BR: timed out'), r.why()
    assert '0 flags downloaded.' in out and '1 error.' in out, r.why()
    if accepted is not None:
        assert accepted == 1, 'server saw %d connections' % accepted


def register(front, scenario):
    check = check_ringfetch if front == 'ringfetch' else check_flags2

    def t():
        check(scenario)
    t.__name__ = '%s_default_limit_ends_%s' % (front, scenario)
    rftest.test(t)
    return t


_names = {}
for _front in FRONTS:
    for _scenario in SERVERS:
        _names[register(_front, _scenario).__name__] = (_front, _scenario)
_selected = list(_names.values())


@rftest.test
def readme_quotes_the_default_limits():
    # The README states the defaults; the tests above take them from limits.h.
    with open(os.path.join(rftest.REPO, 'README.md')) as f:
        readme = ' '.join(f.read().split())
    for words in ('sends nothing for %g s (`--read-timeout S`) fails the try' % IDLE_S,
                  'connect (%g s), silence (%g s without a byte)' % (CONNECT_S, IDLE_S)):
        assert words in readme, 'README does not say %r' % words


if __name__ == '__main__':
    if sys.argv[1:]:
        _selected = [_names[n] for n in sys.argv[1:] if n in _names]
    rftest.main()
