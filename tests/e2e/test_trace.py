#!/usr/bin/env python3
"""--trace on ringload, ringfetch and flags2: one completion per submission,
times that never go back, and scripts/trace-view drawing the picture."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

FlagServer = rftest.FlagServerProc

VIEW = os.path.join(rftest.REPO, 'scripts', 'trace-view')
PY = '/usr/bin/python3'


def check(trace):
    """trace-view --check's summary; the trace must be consistent."""
    p = subprocess.run([PY, VIEW, trace, '--check'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    assert p.returncode in (0, 1), p.stderr.decode()
    s = json.loads(p.stdout)
    assert s['submissions'] > 0, s
    assert s['unmatched_submissions'] == 0 and s['unmatched_completions'] == 0, s
    assert s['submissions'] == s['completions'] - s['multishot_completions'], s
    assert s['decreasing_timestamps'] == 0, s
    assert p.returncode == 0, s
    return s


def need_matplotlib():
    p = subprocess.run([PY, '-c', 'import matplotlib'], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if p.returncode != 0:
        rftest.skip_missing('python3-matplotlib (make deps)')


@rftest.test
def a_ringload_trace_has_one_completion_per_submission_on_each_thread():
    d = rftest.tempdir()
    for backend in ('uring', 'epoll'):
        trace = os.path.join(d, 'load-%s.trace' % backend)
        with FlagServer('--preset', 'ERROR', '--delay-rate', '0') as fs:
            r = rftest.run([rftest.bin('ringload'), '-n', '2000', '-c', '20', '-t', '2', '--backend',
                            backend, '--trace', trace, '--json', fs.url()], timeout=60)
        assert r.rc == 0, r.why()
        s = check(trace)
        assert s['lanes'] == 2 and s['backend'] == backend, s
        # Every request is a send and a receive at least.
        assert s['submissions'] >= 2 * 2000, s
        assert s['waits'] == r.stats()['syscalls']['enters'], (s, r.stats()['syscalls'])


@rftest.test
def a_ringfetch_and_a_flags2_trace_are_consistent_and_drawn():
    need_matplotlib()
    d = rftest.tempdir()
    with FlagServer() as fs:
        for prog, args in (('ringfetch', ['-o', os.path.join(d, 'rf')] +
                            [fs.url('/flags/%s/%s.gif' % (c, c)) for c in ('br', 'cn', 'in', 'us')]),
                           ('flags2', ['--url', fs.url('/flags'), '--dest', os.path.join(d, 'f2'),
                                       '-m', '5'])):
            trace = os.path.join(d, prog + '.trace')
            r = rftest.run([rftest.bin(prog), '--trace', trace] + args, timeout=60)
            assert r.rc == 0, r.why()
            s = check(trace)
            png = os.path.join(d, prog + '.png')
            p = subprocess.run([PY, VIEW, trace, '-o', png], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=120)
            assert p.returncode == 0, p.stdout.decode()
            with open(png, 'rb') as f:
                assert f.read(8) == b'\x89PNG\r\n\x1a\n', '%s is not a PNG' % png
            assert os.path.getsize(png) > 10000, os.path.getsize(png)
            assert s['completions'] >= 4 * 3, s


@rftest.test
def calls_made_at_once_are_marked_in_the_trace():
    # Small files in memory: each one's open, write and link are made at
    # once by the loop (RF_NOW_MIN_IN_FLIGHT); the trace flags those submissions
    # (TR_SUB_INLINE), exactly as many as --stats counts, and none when the
    # ring is kept for them.
    d = rftest.tempdir(memory=True)
    if not rftest.in_memory(d):
        rftest.skip('no tmpfs here for the files (%s is not in memory)' % d)
    flags = ('br', 'cn', 'in', 'us')
    for env, now in (({}, True), ({'RINGFETCH_SINK_DISABLE': 'inline'}, False)):
        out = rftest.tempdir(memory=True)
        trace = os.path.join(d, 'now.trace' if now else 'ring.trace')
        with FlagServer() as fs:
            e = dict(os.environ)
            e.update(env)
            r = rftest.run([rftest.bin('ringfetch'), '--trace', trace, '-m', '4', '--stats', '-o', out] +
                           [fs.url('/flags/%s/%s.gif' % (c, c)) for c in flags], env=e, timeout=60)
        assert r.rc == 0, r.why()
        s, st = check(trace), r.stats()
        assert s['inline_calls'] == st['inline_file_ops'], (s, st)
        # An open, one write or more, a link per small file (br, cn and in,
        # 11-12 KB; us.gif, 27 KB, is above RF_NOW_MAX_BODY_BYTES) whose
        # answer came while another request was in flight: the first one did.
        assert (3 <= st['inline_file_ops'] <= 3 * 4) if now else st['inline_file_ops'] == 0, st


@rftest.test
def a_silent_server_costs_few_system_calls():
    # What the first trace showed: with 5 requests in flight and a server
    # that holds every answer 0.5 s, the loop woke every millisecond (1,960
    # io_uring_enter calls for 20 flags). Waiting for the first completion
    # once a batch window came back empty takes about 65.
    d = rftest.tempdir()
    with FlagServer('--preset', 'DELAY') as fs:
        r = rftest.run([rftest.bin('flags2'), '--url', fs.url('/flags'), '--dest', d, '-m', '5',
                        '--stats'], timeout=60)
    assert r.rc == 0, r.why()
    st = r.stats('err')
    assert st['ok'] == 20, st
    assert st['enters'] < 300, 'enters for 20 flags from a 0.5 s server: %d' % st['enters']


@rftest.test
def a_trace_that_cannot_be_written_is_an_error():
    r = rftest.run([rftest.bin('ringfetch'), '--trace', '/nonexistent/dir/t', '--discard',
                    'http://127.0.0.1:9/x'])
    assert r.rc == 2 and 'cannot write the trace /nonexistent/dir/t' in r.err, r.why()
    r = rftest.run([rftest.bin('ringload'), '--trace', '/nonexistent/dir/t', '-n', '1',
                    'http://127.0.0.1:9/x'])
    assert r.rc == 1 and 'cannot write the trace /nonexistent/dir/t' in r.err, r.why()


@rftest.test
def trace_view_refuses_what_is_not_a_trace():
    d = rftest.tempdir()
    bad = os.path.join(d, 'bad')
    with open(bad, 'wb') as f:
        f.write(b'not a trace at all, just some bytes....')
    p = subprocess.run([PY, VIEW, bad, '--check'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 1 and b'not a ringfetch trace' in p.stderr, p.stderr


if __name__ == '__main__':
    rftest.main()
