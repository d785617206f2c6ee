"""The benchmark harness's own parts, without a benchmark (issue 9 item 23):
figures and report formatting from canned runs, the committed results
reproduced from their own runs, a failed counted run and a failed
io_uring_enter cross-check making the bench fail, with fake peers run
through the real runner. No nginx, no real tools; a few seconds.
"""

import contextlib
import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

sys.path.insert(0, os.path.join(rftest.REPO, 'bench'))
from rfbench import (cli, corpora, destinations, floor, goals, hosts, measure,  # noqa: E402
                     peers, report, rows, stats)

RESULTS = os.path.join(rftest.REPO, 'bench', 'results')


# ------------------------------------------------------------------ canned

def canned(tool, rnd, wall, cpu, failed='', warmup=False, n=100, files=10000, server='plain'):
    """One run as measure.Runner records it."""
    r = dict(tool=tool, corpus='many', n=n, target='tmpfs', server=server,
             rc=1 if failed else 0, wall_s=wall, cpu_s=cpu, user_s=cpu / 2, sys_s=cpu / 2,
             rss_kib=8192, nginx_cpu_s=0.25, files=files, bytes=files * 8192,
             failed=failed, round=rnd, warmup=warmup)
    if tool == 'ringfetch' and not failed:
        r['stats'] = {'enters': 1000, 'sqes': 50000}
    return r


def canned_runs():
    """ringfetch against curl at N=100: a warm-up that must not count, three
    rounds whose ratios disagree (files/s 2.0, 1.25, 4.0; CPU 0.5, 0.4, 0.6),
    and a fourth round in which ringfetch failed."""
    runs = [canned('ringfetch', -1, 100.0, 100.0, warmup=True),
            canned('curl', -1, 100.0, 100.0, warmup=True)]
    for rnd, (wall, cpu) in enumerate([(0.5, 0.5), (0.8, 0.4), (0.25, 0.6)]):
        runs.append(canned('ringfetch', rnd, wall, cpu))
        runs.append(canned('curl', rnd, 1.0, 1.0))
    runs.append(canned('ringfetch', 3, 9.0, 9.0, failed='exit status 1: boom'))
    runs.append(canned('curl', 3, 1.0, 1.0))
    return runs


def meta(tools):
    return {'title': 'test', 'reproduce': 'tests/e2e/test_bench.py', 'date': 'now',
            'elapsed_s': 1.0, 'cpu': 'cpu', 'kernel': 'k', 'tmpfs': 'nowhere',
            'tools': tools, 'warmups': 1, 'rounds': 2, 'wrk_seconds': 5, 'wrk_runs': 1,
            'versions': {}, 'big_conc': [1], 'spawn': 'test'}


class FakeCorpus:
    def __init__(self, name, files, nbytes):
        self.name, self.files, self.bytes, self.note = name, files, nbytes, 'canned'


def publish(runs, tools, strace=(), corpus=None):
    """cli.publish into a temp dir: (exit status, markdown, stdout+stderr)."""
    d = rftest.tempdir('rftest-bench-')
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        rc = cli.publish(d, 'test', meta(tools), runs, {'wrk': [], 'fs': {}}, list(strace),
                         {'many': corpus or FakeCorpus('many', 10000, 81920000)}, {}, tools,
                         time.monotonic(), draw=False)
    with open(os.path.join(d, 'test.md')) as f:
        return rc, f.read(), out.getvalue()


def judged(**res):
    """A cross-check result as measure.strace_check leaves it."""
    res.setdefault('corpus', 'many')
    res.setdefault('n', 100)
    res.setdefault('rc', 0)
    res.setdefault('verify', '')
    res['failed'] = measure.strace_verdict(res)
    return res


# ------------------------------------------------------------------- tests

@rftest.test
def no_peer_keeps_following_the_same_peer_round_after_round():
    # A warm-up and 5 counted rounds, as the full bench runs them: in a
    # fixed order, or one turned by one each round, a peer follows the same
    # peer in 4 of 5 counted rounds. Here: at most twice from 3 peers on,
    # once from 6 on, and none always runs first.
    names = ['ringfetch', 'rf-discard', 'flags2', 'curl', 'wget2', 'aria2c', 'aiohttp', 'extra']
    for n in range(2, 9):
        peers = names[:n]
        orders = [rows.round_order(peers, rnd) for rnd in range(6)]
        assert orders[0] == peers, orders[0]
        for o in orders:
            assert sorted(o) == sorted(peers), o
        for p in peers:
            before = [o[o.index(p) - 1] for o in orders[1:] if o.index(p)]
            most = max([before.count(b) for b in before] or [0])
            assert most <= (1 if n >= 6 else 2) or n == 2, '%s follows the same peer %d of 5 times: %s' % (
                p, most, orders)
            assert sum(o[0] == p for o in orders[1:]) < 5, '%s always runs first' % p


@rftest.test
def medians_exclude_warmups_and_failed_runs():
    row = {r['tool']: r for r in stats.summarise(canned_runs(), ['ringfetch', 'curl'])[
        stats.Key('tmpfs', 'many', 100)]}
    rf = row['ringfetch']
    assert (rf['runs'], rf['ok'], rf['failures']) == (4, 3, ['exit status 1: boom']), rf
    assert rf['files_per_s'] == 20000 and rf['cpu_us_per_file'] == 50.0, rf
    assert rf['enters_per_file'] == 0.1 and rf['sqes_per_enter'] == 50, rf
    assert rf['fps_vs_curl'] == 2.0 and rf['fps_vs_curl_range'] == [1.25, 4.0], rf
    assert rf['cpu_vs_curl'] == 0.5 and rf['cpu_vs_curl_range'] == [0.4, 0.6], rf
    assert row['curl']['files_per_s'] == 10000 and row['curl']['ok'] == 4, row['curl']


@rftest.test
def ratios_are_quoted_with_their_range_where_rounds_disagree():
    table = stats.summarise(canned_runs(), ['ringfetch', 'curl'])
    rows_ = {r['tool']: r for r in table[stats.Key('tmpfs', 'many', 100)]}
    line = report.row_md(rows_['ringfetch'])
    assert '| 2.00x (1.25–4.00) | 0.50x (0.40–0.60) |' in line and '| 3/4 |' in line, line
    assert '| 1.00x | 1.00x |' in report.row_md(rows_['curl']), report.row_md(rows_['curl'])
    tgt = {name: value for name, value, ok in goals.targets(table)}
    assert tgt['many N=100 tmpfs: ringfetch files/s >= 1.5x curl'] == '2.000x (1.25–4.00)', tgt
    assert tgt['many N=100 tmpfs: ringfetch CPU µs/file <= 0.6x curl'] == \
        '0.500x (0.40–0.60) (50.0 vs 100.0 µs)', tgt
    head = report.headline(table, [])
    assert '2.00x (1.25–4.00)' in head, head
    # One round cannot disagree with itself: no range.
    one = stats.summarise([canned('ringfetch', 0, 0.5, 0.5), canned('curl', 0, 1.0, 1.0)],
                          ['ringfetch', 'curl'])
    line = report.row_md(one[stats.Key('tmpfs', 'many', 100)][0])
    assert '| 2.00x | 0.50x |' in line, line


@rftest.test
def committed_results_are_reproduced_from_their_own_runs():
    """The summary and the result rows of bench/results/*.json and *.md come
    out of today's code unchanged: the report format stayed comparable."""
    import json
    checked = 0
    for name in ('latest', 'quick', 'hosts', 'fs'):
        path = os.path.join(RESULTS, name + '.json')
        if not os.path.exists(path):
            continue
        with open(path) as f:
            saved = json.load(f)
        with open(os.path.join(RESULTS, name + '.md')) as f:
            md = f.read()
        table = stats.summarise(saved['runs'], saved['meta']['tools'])
        assert sorted(map(str, table)) == sorted(saved['summary']), name
        ceilings = {w['n']: w['rps'] for w in saved['limits']['wrk'] if 'rps' in w}
        for key, rows_ in table.items():
            for new, old in zip(rows_, saved['summary'][str(key)]):
                for k, v in old.items():
                    assert new.get(k) == v, '%s %s %s: %r != %r' % (name, key, k, new.get(k), v)
                line = report.row_md(new, ceilings.get(key.n) if key.corpus == 'many' else None)
                assert line in md, '%s: %s not in the committed report' % (name, line)
        checked += 1
    assert checked, 'no committed results in %s' % RESULTS


@rftest.test
def strace_summary_is_parsed():
    d = rftest.tempdir('rftest-bench-')
    path = os.path.join(d, 'strace.txt')
    with open(path, 'w') as f:
        f.write('% time     seconds  usecs/call     calls    errors syscall\n'
                '------ ----------- ----------- --------- --------- ----------------\n'
                '100.00    0.012345          12       982         3 io_uring_enter\n'
                '------ ----------- ----------- --------- --------- ----------------\n'
                '100.00    0.012345          12       982         3 total\n')
    assert measure.parse_strace_summary(path) == {'strace_calls': 982, 'strace_errors': 3}
    with open(path, 'w') as f:
        f.write('% time     seconds  usecs/call     calls    errors syscall\n')
    assert measure.parse_strace_summary(path) == {}


@rftest.test
def strace_cross_check_fails_when_the_counts_differ():
    assert judged(strace_calls=982, stats_enters=982)['failed'] == ''
    why = judged(strace_calls=983, stats_enters=982)['failed']
    assert '983' in why and '982' in why, why
    assert judged(strace_calls=981, stats_enters=982)['failed']
    assert judged(stats_enters=982)['failed'], 'no strace count must fail'
    assert judged(strace_calls=982)['failed'], 'no --stats count must fail'
    assert judged(strace_calls=982, stats_enters=982, rc=1, verify='exit 1')['failed']
    assert judged(skipped='strace not installed')['failed'] == ''
    good = [r for r in canned_runs() if not r['failed']]
    rc, md, out = publish(good, ['ringfetch', 'curl'],
                          [judged(strace_calls=983, stats_enters=982)])
    assert rc != 0, 'a failed cross-check must fail the bench: %s' % out
    assert 'FAILED' in md.split('## io_uring_enter cross-check')[1].split('##')[0], md
    rc, md, out = publish(good, ['ringfetch', 'curl'],
                          [judged(strace_calls=982, stats_enters=982)])
    assert rc == 0, out


@rftest.test
def a_failed_counted_run_fails_the_bench_but_a_failed_warmup_does_not():
    rc, md, out = publish(canned_runs(), ['ringfetch', 'curl'])
    assert rc != 0, out
    assert 'round 3' in out and 'boom' in out, out
    ok = [r for r in canned_runs() if not r['failed']]
    ok.append(canned('curl', -1, 1.0, 1.0, failed='exit status 7: warm-up only', warmup=True))
    rc, md, out = publish(ok, ['ringfetch', 'curl'])
    assert rc == 0, out


class FakeServer:
    """A server config whose URLs are the corpus files' own paths."""
    name = 'plain'

    def __init__(self, root):
        self.root = root

    def url(self, path):
        return os.path.join(self.root, path.lstrip('/'))

    def cpu_s(self):
        return 0.0

    def peer_args(self, peer):
        return []


class FakeDestination:
    name = 'tmpfs'
    sync_before_run = False
    settle_s = 0
    note = 'a temp dir'

    def __init__(self, path):
        self.path = path


# Copies each "URL" (a path) in LIST into DIR, then exits with CODE; with a
# 4th argument, writes that instead of the file's bytes.
COPY = ('import os, sys\n'
        'lst, out, code = sys.argv[1], sys.argv[2], int(sys.argv[3])\n'
        'for u in open(lst).read().split():\n'
        '    data = open(u, "rb").read() if len(sys.argv) < 5 else sys.argv[4].encode()\n'
        '    open(os.path.join(out, os.path.basename(u)), "wb").write(data)\n'
        'if code: print("boom", file=sys.stderr)\n'
        'sys.exit(code)\n')


def fake_peer(name, code=0, junk=None):
    return peers.Peer(name, lambda s: [sys.executable, '-c', COPY, s.urls, s.out_dir, code]
                      + ([junk] if junk else []), lambda build: sys.executable)


@rftest.test
def fake_peers_run_through_the_runner_and_failures_fail_the_bench():
    tmp = rftest.tempdir('rftest-bench-')
    src = os.path.join(tmp, 'src', 'many')
    os.makedirs(src)
    items = []
    for i in range(3):
        name = rftest.bulk_name(i)
        with open(os.path.join(src, name), 'wb') as f:
            f.write(os.urandom(1000 + i))
        items.append(('/many/' + name, name, os.path.join(src, name)))
    corpus = corpora.Corpus('many', items, 'three canned files')
    dest = FakeDestination(os.path.join(tmp, 'dest'))
    os.makedirs(dest.path)
    runner = measure.Runner(measure.Spawner(tmp), os.path.join(tmp, 'logs'))
    good, broken, liar = fake_peer('curl'), fake_peer('broken', code=3), \
        fake_peer('liar', junk='not the file')
    row = rows.Row(corpus, 2, dest, FakeServer(os.path.join(tmp, 'src')), [good, broken, liar])
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        runs = rows.run_row(row, runner, tmp, '', warmups=1, counted=2)
    # every peer once per round, in the order round_order gives, in place
    assert [(r['tool'], r['round'], r['warmup'], r['place']) for r in runs] == [
        (p.name, rnd - 1, rnd == 0, place) for rnd in range(3)
        for place, p in enumerate(rows.round_order(row.peers, rnd))], runs
    assert [r['tool'] for r in runs[:3]] == ['curl', 'broken', 'liar'], 'the first round keeps the given order'
    by = {(r['tool'], r['round']): r for r in runs}
    assert by[('curl', 0)]['failed'] == '' and by[('curl', 0)]['files'] == 3, by[('curl', 0)]
    assert by[('curl', 0)]['wall_s'] > 0 and by[('curl', 0)]['rss_kib'] > 0, by[('curl', 0)]
    assert by[('broken', 1)]['failed'].startswith('exit status 3: boom'), by[('broken', 1)]
    assert 'differ from the source' in by[('liar', 1)]['failed'], by[('liar', 1)]
    assert rftest.leftovers(os.path.join(dest.path, 'out')) == [], 'output not cleared'
    tools = ['curl', 'broken', 'liar']
    rc, md, out = publish(runs, tools, corpus=corpus)
    assert rc != 0, 'failed counted runs must fail the bench: %s' % out
    assert '| broken | 0/2 FAILED | exit status 3: boom' in md, md
    rc, md, out = publish([r for r in runs if r['tool'] == 'curl'], ['curl'], corpus=corpus)
    assert rc == 0, out


# -------------------------------------------------------------- many hosts

def hosts_server(dns_port):
    """The many-hosts server config, not started: a port and a DNS address
    as start() would leave them."""
    srv = hosts.HostsServer(rftest.tempdir('rftest-bench-'), rftest.tempdir('rftest-bench-'))
    srv.tmp = rftest.tempdir('rftest-bench-')
    srv.dns.addr, srv.dns.port = ('127.0.0.22', 53) if dns_port == 53 else ('127.0.0.1', dns_port)
    return srv


@rftest.test
def many_hosts_spread_the_corpus_over_twenty_names_each_peer_told_how_to_find():
    srv = hosts_server(53)
    urls = [srv.url('/many/' + rftest.bulk_name(i)) for i in range(10000)]
    names = [u.split('/')[2].split(':')[0] for u in urls]
    assert sorted(set(names)) == ['h%02d.bench.test' % i for i in range(1, 21)], set(names)
    assert all(names.count(n) == 500 for n in set(names))
    assert all(a != b for a, b in zip(names, names[1:])), 'consecutive URLs must change host'
    conf = srv.conf_text()
    for i in range(1, 22):
        assert 'listen 127.0.0.%d:%d backlog=16384;' % (i, srv.port) in conf, (i, conf)
    assert srv.peer_args('ringfetch') == ['--dns-servers', '127.0.0.22:53', '--max-per-host', '8']
    assert srv.peer_args('aria2c') == ['--async-dns=true', '--async-dns-server=127.0.0.22']
    resolve = srv.peer_args('curl')
    assert resolve[0::2] == ['--resolve'] * 20, resolve
    assert resolve[1] == 'h01.bench.test:%d:127.0.0.2' % srv.port, resolve
    assert resolve[-1] == 'h20.bench.test:%d:127.0.0.21' % srv.port, resolve
    assert srv.peer_args('wget2') is None and srv.peer_args('aiohttp') is None
    assert srv.wants('many', 100) and not srv.wants('many', 10) and not srv.wants('flags', 100)
    # aria2c's name server option takes no port: without port 53 it is left out.
    other = hosts_server(5353)
    assert other.peer_args('aria2c') is None
    assert other.peer_args('ringfetch')[:2] == ['--dns-servers', '127.0.0.1:5353']


def hosts_runs():
    """ringfetch, curl and aria2c on the many-hosts row: aria2c is the best
    peer by median (files/s 5000, 10000/3, 10000/1.5 against curl's 4000);
    ringfetch's ratios to it per round are 2.0, 1.5 and 3.0."""
    runs = []
    for rnd, (rf, ar) in enumerate([(1.0, 2.0), (2.0, 3.0), (0.5, 1.5)]):
        runs.append(canned('ringfetch', rnd, rf, 0.4, server='hosts'))
        runs[-1]['stats'] = {'enters': 1000, 'sqes': 50000, 'dns_lookups': 20}
        runs.append(canned('curl', rnd, 2.5, 1.0, server='hosts'))
        runs.append(canned('aria2c', rnd, ar, 2.0, server='hosts'))
    return runs


def ttfb_run(variant, rnd, first, failed=''):
    return {'variant': variant, 'round': rnd, 'warmup': rnd < 0, 'first_ms': first,
            'all_ms': None if first is None else first + 5, 'wall_s': 1.5, 'failed': failed}


@rftest.test
def many_hosts_ratio_is_to_the_best_peer_per_round_and_targets_are_judged():
    runs = hosts_runs()
    ttfb = [ttfb_run('dead-first', -1, 500.0)]    # a warm-up: not counted
    for rnd, first in enumerate([30.0, 40.0, 250.0]):
        ttfb += [ttfb_run('dead-first', rnd, first), ttfb_run('live-only', rnd, first - 10)]
    h = hosts.summarise(runs, ttfb)
    assert h['best_peer'] == 'aria2c', h
    assert h['vs_best'] == 2.0 and h['vs_best_range'] == [1.5, 3.0], h
    rf = {row['tool']: row for row in h['rows']}['ringfetch']
    assert rf['dns_lookups'] == [20, 20, 20], rf
    assert h['ttfb']['dead-first']['first_ms'] == 40.0, h['ttfb']
    assert h['ttfb']['dead-first']['first_ms_range'] == [30.0, 250.0], h['ttfb']
    tgt = hosts.targets({'hosts': h})
    assert [ok for _, _, ok in tgt] == [True, True, True], tgt
    assert tgt[0][1] == '2.00x (1.50–3.00) vs aria2c (10000 vs 5000 files/s)', tgt
    # Below 1.5x, a lookup too many, a slow first file: each is NOT met.
    slow = [dict(r, wall_s=r['wall_s'] * 2) if r['tool'] == 'ringfetch' else r for r in runs]
    slow[0]['stats'] = dict(slow[0]['stats'], dns_lookups=21)
    late = [dict(r, first_ms=r['first_ms'] + 100) for r in ttfb]
    assert [ok for _, _, ok in hosts.targets({'hosts': hosts.summarise(slow, late)})] == \
        [False, False, False]
    md = '\n'.join(hosts.section_md({'hosts': h}))
    assert '| ringfetch | 3/3 | 10000 |' in md and '2.00x (1.50–3.00) vs aria2c' in md, md
    assert '| 1,000 dead, then 100 live | 3/3 | 40.0 (30.0–250.0) |' in md, md
    assert hosts.summarise([r for r in canned_runs()], []) is None


@rftest.test
def many_hosts_section_and_targets_reach_the_report_and_a_failed_ttfb_run_fails_it():
    runs = hosts_runs()
    tools = ['ringfetch', 'curl', 'aria2c']
    ttfb = [ttfb_run('dead-first', 0, 30.0), ttfb_run('live-only', 0, 20.0)]
    d = rftest.tempdir('rftest-bench-')
    out = io.StringIO()
    for bad, want_rc in ((False, 0), (True, 1)):
        if bad:
            ttfb.append(ttfb_run('dead-first', 1, None, failed='exit status -9'))
        limits = {'wrk': [], 'fs': {}, 'hosts': hosts.summarise(runs, ttfb)}
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            rc = cli.publish(d, 'test', meta(tools), runs, limits, [],
                             {'many': FakeCorpus('many', 10000, 81920000)}, {}, tools,
                             time.monotonic(), draw=False)
        with open(os.path.join(d, 'test.md')) as f:
            md = f.read()
        assert rc == want_rc, out.getvalue()
        assert '## Many hosts and a dead name server (issue 11)' in md, md
        assert '### many, N=100, tmpfs, hosts' in md, md
        assert '| many hosts (20 names, N=100, --max-per-host 8): ringfetch files/s >= 1.5x ' \
            'the best peer | 2.00x (1.50–3.00) vs aria2c (10000 vs 5000 files/s) | yes |' in md, md
    assert 'dead DNS dead-first round 1: exit status -9' in out.getvalue(), out.getvalue()


def canned_floor_runs():
    """ringfetch and rf-discard on ext4 at N=100 in three rounds; the third
    ringfetch run made its files the named way."""
    runs = []
    for rnd, (cpu, disc, named) in enumerate([(0.60, 0.15, 0), (0.66, 0.12, 0),
                                              (0.90, 0.15, 10000)]):
        r = canned('ringfetch', rnd, 0.5, cpu)
        r['target'] = 'ext4'
        r['stats'] = {'enters': 1000, 'sqes': 50000, 'files_tmpfile': 10000 - named,
                      'files_named': named}
        d = canned('rf-discard', rnd, 0.2, disc)
        d['target'] = 'ext4'
        c = canned('curl', rnd, 1.0, 1.0)
        c['target'] = 'ext4'
        runs += [r, d, c]
    return runs


FLOORS = {'floor': {'ext4': {'many': {
    'final': {'cpu_us_per_file': 30.0, 'cpu_us_per_file_range': [29.0, 31.0]},
    'named': {'cpu_us_per_file': 60.0, 'cpu_us_per_file_range': [58.0, 62.0]},
    'tmpfile': {'cpu_us_per_file': 45.0, 'cpu_us_per_file_range': [44.0, 46.0]},
    'tmpfile-proc': {'unavailable': 'canned'}}}},
    'wrk': [{'n': 100, 'cpu_s': 1.0, 'requests': 100000, 'rps': 30000.0}], 'fs': {}}


@rftest.test
def floor_multiples_are_taken_per_round_against_the_way_used():
    ms = floor.multiples(canned_floor_runs(), FLOORS)
    assert len(ms) == 1, ms
    m = ms[0]
    assert (m['key'], m['tool'], m['rounds']) == ('ext4/many/100', 'ringfetch', 3), m
    # Per round: 60/(45+15), 66/(45+12), 90/(60+15) (the named way's floor).
    assert m['way'] == 'mixed', m
    assert abs(m['x_discard'] - 66 / 57) < 1e-9, m
    assert m['x_discard_range'] == [1.0, 1.2], m
    assert m['discard_us'] == 15.0 and m['floor_us'] == 45.0 and m['wrk_us'] == 10.0, m
    assert abs(m['x_wrk'] - 66 / 55) < 1e-9, m  # 60/55, 66/55, 90/70
    tgt = {name: (value, ok) for name, value, ok in
           goals.targets(stats.summarise(canned_floor_runs(), ['ringfetch', 'rf-discard', 'curl']),
                         ms)}
    value, ok = tgt['many N=100 ext4: ringfetch CPU/file <= 1.2x (floor of its way + network)']
    assert ok and value == '1.16x (1.00–1.20) (66.0 µs vs floor 45.0 + network 15.0)', value
    assert tgt['many N=100 ext4: ringfetch files/s >= 1.5x curl'] == ('2.000x', True), tgt


@rftest.test
def every_corpus_and_n_gets_its_floor_multiple_in_the_targets_table():
    def m(target, corpus, n, x, x_wrk=None):
        return {'key': '%s/%s/%d' % (target, corpus, n), 'target': target, 'corpus': corpus,
                'n': n, 'tool': 'ringfetch', 'cpu_us_per_file': 60.0, 'floor_us': 40.0,
                'discard_us': 10.0, 'x_discard': x, 'x_discard_range': [x, x], 'x_wrk': x_wrk}
    ms = [m('ext4', 'many', 10, 1.2, 1.3), m('ext4', 'big', 8, 1.1), m('tmpfs', 'many', 100, 1.1),
          dict(m('ext4', 'many', 1, 1.5), tool='ringfetch-base')]
    rows = [t for t in goals.targets({}, ms) if t[2] is None]
    assert [name for name, _, _ in rows] == [
        'many N=10 ext4: ringfetch CPU/file as a multiple of (floor of its way + network)',
        'big N=8 ext4: ringfetch CPU/file as a multiple of (floor of its way + network)'], rows
    assert rows[0][1] == '1.20x (60.0 µs vs floor 40.0 + network 10.0); with wrk as the ' \
        'network: 1.30x', rows
    # many N=100 has its target instead (floor_tmpfs), not a second row.
    assert any(t[0].startswith('many N=100 tmpfs: ringfetch CPU/file <= 1.15x') and t[2] is True
               for t in goals.targets({}, ms))
    d = rftest.tempdir('rftest-bench-')
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        report.write_md(os.path.join(d, 'x.md'), meta(['ringfetch']), {}, {}, {'wrk': []}, [],
                        rows, {})
    md = open(os.path.join(d, 'x.md')).read()
    assert '| big N=8 ext4: ringfetch CPU/file as a multiple of (floor of its way + network) | ' \
        '1.10x (60.0 µs vs floor 40.0 + network 10.0) | — |' in md, md
    assert '[info] big N=8 ext4' in report.headline({}, rows)


@rftest.test
def the_report_carries_every_way_and_the_multiples():
    d = rftest.tempdir('rftest-bench-')
    runs = canned_floor_runs()
    tools = ['ringfetch', 'rf-discard', 'curl']
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        rc = cli.publish(d, 'test', meta(tools), runs, FLOORS, [],
                         {'many': FakeCorpus('many', 10000, 81920000)}, {}, tools,
                         time.monotonic(), draw=False)
    assert rc == 0, out.getvalue()
    md = open(os.path.join(d, 'test.md')).read()
    section = md.split('## The floor')[1].split('\n## ')[0]
    assert '| corpus | way | ext4 |' in section, section
    assert '| many | named | 60.0 (58.0–62.0) |' in section, section
    assert '| many | tmpfile-proc | n/a (canned) |' in section, section
    assert '| ext4 | many | 100 | ringfetch | 66.0 | mixed | 45.0 | 15.0 | 10.0 | 1.16x (1.00–1.20) | ' \
        '1.20x (1.09–1.29) |' in section, section
    import json
    saved = json.load(open(os.path.join(d, 'test.json')))
    assert saved['floor_multiples'][0]['x_discard'] == 66 / 57, saved['floor_multiples']


@rftest.test
def fsfloor_makes_the_files_each_way_and_leaves_no_temporary():
    tmp = rftest.tempdir('rftest-bench-')
    prog = floor.FloorProgram(tmp)
    assert prog.path, prog.note
    for way in floor.WAYS:
        d = os.path.join(tmp, way)
        os.mkdir(d)
        res = prog.run(way, d, 20, 3000)
        # (liburing is a build dependency: the ring way must be built in;
        # a sandbox may still forbid io_uring itself)
        if 'unavailable' in res and 'built without liburing' in res['unavailable']:
            assert False, res
        if 'unavailable' in res:
            rftest.skip('%s unavailable in %s: %s' % (way, tmp, res['unavailable']))
        assert res.get('files') == 20 and res.get('bytes') == 3000, res
        assert sorted(os.listdir(d)) == [rftest.bulk_name(i) for i in range(20)], os.listdir(d)
        assert all(os.path.getsize(os.path.join(d, n)) == 3000 for n in os.listdir(d))
        assert res['link'] == {'final': '', 'named': ''}.get(way, res['link']), res
        if way == 'tmpfile-proc':
            assert res['link'] == 'proc', res


@rftest.test
def file_system_rows_take_the_bulk_corpora_and_the_disk_peers():
    fs = destinations.LoopFs('ext4', rftest.tempdir('rftest-bench-'))
    names = ['ringfetch', 'rf-discard', 'flags2', 'curl', 'wget2', 'aria2c', 'aiohttp']
    present = [peers.Peer(n, lambda s: [], lambda b: 'x') for n in names]
    cs = [FakeCorpus(n, 1, 1) for n in ('flags', 'many', 'big')]
    plan = rows.plan(fs, [FakeServer('/')], cs, lambda c: [1, 8] if c == 'big' else [1, 10, 100],
                     present)
    got = {(r.corpus.name, r.n): [p.name for p in r.peers] for r in plan}
    disk = ['ringfetch', 'rf-discard', 'curl', 'wget2']
    assert got == {('many', 1): disk, ('many', 10): disk, ('many', 100): disk + ['aria2c'],
                   ('big', 1): disk + ['aria2c'], ('big', 8): disk + ['aria2c']}, got


@rftest.test
def a_loop_mounted_file_system_is_made_and_removed():
    if os.geteuid() != 0:
        rftest.skip('not root: no loop device or mount')
    work = rftest.tempdir('rftest-bench-')
    fs = destinations.LoopFs('ext4', work, size_mib=16)
    try:
        with fs as d:
            assert os.path.isdir(d.path), d.path
            mounts = {line.split()[1]: line.split()[2] for line in open('/proc/mounts')}
            assert mounts.get(fs.where) == 'ext4', mounts.get(fs.where)
            assert 'ext4: 16 MiB image' in d.note, d.note
    except destinations.Unavailable as e:
        rftest.skip('ext4 on a loop device: %s' % e)
    assert not os.path.ismount(fs.where)
    assert not os.path.exists(fs.image)
    assert fs.device is None


@rftest.test
def bench_run_refuses_an_unknown_tool():
    r = rftest.run([os.path.join(rftest.REPO, 'bench', 'run'), '--no-install', '--tools',
                    'nosuch'], timeout=30)
    assert r.rc != 0 and "unknown tool 'nosuch'" in r.err, r.why()


if __name__ == '__main__':
    rftest.main()
