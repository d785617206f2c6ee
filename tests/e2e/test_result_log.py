#!/usr/bin/env python3
"""--log-json FILE (issue 11, item 7): one JSON object per item as it ends
(url, final_url, path, outcome, http_status, bytes, attempts, elapsed_ms,
error, proxy), passwords masked, every line valid JSON even for hostile URLs; the
README's jq line gives the URLs to run again; a log that cannot be written
is said and makes the exit status 1."""

import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import RouteServer, reply  # noqa: E402

FIELDS = ['url', 'final_url', 'path', 'outcome', 'http_status', 'bytes', 'attempts', 'elapsed_ms', 'error', 'proxy']
RERUN = 'select(.outcome=="error").url'    # the README's line, with jq -r


def ringfetch(*args, timeout=60):
    return rftest.run([rftest.bin('ringfetch')] + [str(a) for a in args], timeout=timeout)


def entries(path):
    with open(path, 'rb') as f:
        data = f.read()
    assert data.endswith(b'\n'), 'the log does not end with a whole line'
    return [json.loads(line) for line in data.decode('utf-8').splitlines()]


def mixed_server():
    return RouteServer({
        '/ok.bin': reply(200, b'12345'),
        '/missing.bin': reply(404, b'gone'),
        '/broken.bin': reply(500, b'no'),
        '/moved.bin': reply(301, b'', [('Location', '/ok2.bin')]),
        '/ok2.bin': reply(200, b'moved here'),
    })


@rftest.test
def one_line_per_item_with_every_field():
    out, tmp = rftest.tempdir(), rftest.tempdir()
    log = os.path.join(tmp, 'log.json')
    srv = mixed_server()
    with srv:
        r = ringfetch('-o', out, '--log-json', log, '--retry', 1, '--retry-delay', 0.05,
                      srv.url('/ok.bin'), srv.url('/missing.bin'), srv.url('/broken.bin'),
                      srv.url('/moved.bin'), srv.url('/ok.bin'), 'http://h:99999/bad')
    assert r.rc == 1, r.why()
    got = entries(log)
    for e in got:
        assert list(e) == FIELDS, list(e)
        assert e['proxy'] is None, e    # no proxy: every item went direct
    by = {(e['url'], e['outcome']): e for e in got}
    assert len(got) == 6 and len(by) == 6, got
    ok = by[(srv.url('/ok.bin'), 'ok')]
    assert ok['final_url'] == srv.url('/ok.bin') and ok['path'] == os.path.join(out, 'ok.bin')
    assert (ok['http_status'], ok['bytes'], ok['attempts'], ok['error']) == (200, 5, 1, None), ok
    assert isinstance(ok['elapsed_ms'], float) and 0 <= ok['elapsed_ms'] < 30000, ok
    nf = by[(srv.url('/missing.bin'), 'not_found')]
    assert (nf['http_status'], nf['attempts'], nf['error']) == (404, 1, 'HTTP error 404 - Not Found'), nf
    bad = by[(srv.url('/broken.bin'), 'error')]
    assert (bad['http_status'], bad['attempts']) == (500, 2), bad
    assert bad['error'] == 'HTTP error 500 - Internal Server Error (2 attempts)', bad
    moved = by[(srv.url('/moved.bin'), 'ok')]
    assert moved['final_url'] == srv.url('/ok2.bin') and moved['path'] == os.path.join(out, 'moved.bin')
    dup = by[(srv.url('/ok.bin'), 'duplicate')]
    assert (dup['attempts'], dup['final_url'], dup['error']) == (0, None, None), dup
    refused = by[('http://h:99999/bad', 'error')]
    assert refused['attempts'] == 0 and refused['http_status'] is None, refused
    assert refused['error'] == "bad URL 'http://h:99999/bad': port out of range (1 to 65535)", refused


@rftest.test
def the_readme_jq_line_gives_the_urls_to_run_again():
    out, tmp = rftest.tempdir(), rftest.tempdir()
    log = os.path.join(tmp, 'log.json')
    srv = mixed_server()
    with srv:
        r = ringfetch('-o', out, '--log-json', log, '--retry', 0, srv.url('/ok.bin'),
                      srv.url('/broken.bin'), srv.url('/missing.bin'), 'http://h:99999/bad')
        assert r.rc == 1, r.why()
        jq = rftest.run(['jq', '-r', RERUN, log], timeout=30)
        assert jq.rc == 0, jq.why()
        assert sorted(jq.out.splitlines()) == sorted([srv.url('/broken.bin'), 'http://h:99999/bad']), jq.out
        # ... and they can be given back as a list.
        again = os.path.join(tmp, 'again.txt')
        with open(again, 'w') as f:
            f.write(jq.out)
        srv.routes['/broken.bin'] = reply(200, b'fixed')
        r = ringfetch('-o', out, '-i', again, '--log-json', log)
        assert os.path.exists(os.path.join(out, 'broken.bin')), r.why()


@rftest.test
def passwords_are_masked_and_odd_bytes_stay_valid_json():
    out, tmp = rftest.tempdir(), rftest.tempdir()
    log = os.path.join(tmp, 'log.json')
    srv = RouteServer({'/s%20x.bin': reply(200, b'secret stuff')})
    lst = os.path.join(tmp, 'list.txt')
    with open(lst, 'wb') as f:
        f.write(b'http://alice:s3cr3t@127.0.0.1:%d/s x.bin\n' % srv.port)
        f.write(b'http://127.0.0.1:%d/caf\xc3\xa9-\xff"\\.bin\n' % srv.port)   # UTF-8, a stray byte, " and \
        f.write(b'http://bob:hunter2@127.0.0.1:99999/x\n')
    with srv:
        r = ringfetch('-o', out, '-i', lst, '--log-json', log)
    assert r.rc == 1, r.why()
    with open(log, 'rb') as f:
        raw = f.read()
    assert b's3cr3t' not in raw and b'hunter2' not in raw, raw
    got = entries(log)
    urls = sorted(e['url'] for e in got)
    assert urls == sorted(['http://alice:***@127.0.0.1:%d/s x.bin' % srv.port,
                           'http://127.0.0.1:%d/caf\u00e9-%%FF"\\.bin' % srv.port,
                           'http://bob:***@127.0.0.1:99999/x']), urls
    assert 's3cr3t' not in r.err and 'hunter2' not in r.err, r.err


@rftest.test
def a_log_that_cannot_be_written_is_said_and_fails_the_run():
    out = rftest.tempdir()
    srv = RouteServer({'/a.bin': reply(200, b'a')})
    with srv:
        r = ringfetch('-o', out, '--log-json', '/dev/full', srv.url('/a.bin'))
    assert r.rc == 1, r.why()
    assert 'ringfetch: writing the log /dev/full failed: No space left on device' in r.err, r.err
    assert os.path.exists(os.path.join(out, 'a.bin')), 'the download itself went on'
    # A log that cannot even be opened stops the run before any request.
    with srv:
        r = ringfetch('-o', out, '--log-json', os.path.join(out, 'no', 'such', 'dir', 'log'), srv.url('/a.bin'))
    assert r.rc == 2, r.why()
    assert 'ringfetch: cannot write log %s/no/such/dir/log: No such file or directory' % out in r.err, r.err


@rftest.test
def an_interrupted_run_leaves_whole_lines_for_what_ended():
    out, tmp = rftest.tempdir(), rftest.tempdir()
    log = os.path.join(tmp, 'log.json')

    def hang(req, conn):
        time.sleep(30)
        return False
    routes = {'/f%d' % i: reply(200, b'f') for i in range(5)}
    routes['/hang'] = hang
    srv = RouteServer(routes)
    with srv:
        p = subprocess.Popen([rftest.bin('ringfetch'), '-o', out, '--log-json', log, srv.url('/hang')] +
                             [srv.url('/f%d' % i) for i in range(5)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while len(rftest.leftovers(out)) < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            p.send_signal(signal.SIGTERM)
            rc = p.wait(10)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stderr.close()
    assert rc == 143, rc
    got = entries(log)
    assert sorted((e['url'], e['outcome']) for e in got) == sorted(
        [(srv.url('/f%d' % i), 'ok') for i in range(5)] + [(srv.url('/hang'), 'cancelled')]), got


if __name__ == '__main__':
    rftest.main()
