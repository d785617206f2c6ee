"""bench/run --load: the load generators against the same nginx.

    targets   'file': one 8 KiB file (/many/f000000.bin) again and again;
              'walk': the 10,000-file corpus in turn (ringload -i, h2load -i,
              wrk -s bench/walk.lua)
    tools     ringload (io_uring), ringload --backend epoll, ringload
              --pipeline 16, wrk, wrk -s bench/pipeline.lua (16 deep; 'file'
              only), h2load --h1; one thread each (nginx has the other core)
    c         1, 10, 100, 1000 connections (--load-conc)
    extras    at c=100 on 'file': ringload --trace (the trace's overhead);
              c=10,000 on 'file': peak RSS of ringload (both backends) and wrk;
              ringfetch on many at N=100 on io_uring and on epoll (files/s,
              CPU and system calls per file)

Every run of a row goes in interleaved rounds (A B C A B C ...), the first
round discarded; the report gives medians, and the ratios to wrk are the
median of the per-round ratios (same round, same machine state). Results go
to bench/results/NAME.{md,json,png} (NAME: --out, default 'load'); client CPU
and peak RSS come from bench/spawn.c (wait4), requests/s and latency from
each tool's own report, system calls from ringload's and ringfetch's JSON."""

import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import tempfile
import time

from . import measure, report
from .common import BENCH, RESULTS, log, repo_path, which
from .corpora import make_corpora
from .destinations import Tmpfs
from .servers import Nginx

LOAD_CONC = [1, 10, 100, 1000]
BIG_C = 10000
PIPE = 16
TOOLS = ['ringload', 'ringload-epoll', 'ringload-p16', 'wrk', 'wrk-p16', 'h2load']
COLOURS = {'ringload': '#9400d3', 'ringload-epoll': '#c080ff', 'ringload-p16': '#4b0082',
           'wrk': '#009e73', 'wrk-p16': '#56b4e9', 'h2load': '#e69f00', 'ringload-trace': '#808080'}


# ------------------------------------------------------------- commands

def command(tool, build, url, lst, c, secs):
    """The command line of tool against url (target 'file') or the list lst
    (target 'walk', url None); None when the tool has no such row."""
    rl = os.path.join(build, 'ringload')
    base = [rl, '-c', str(c), '-d', '%gs' % secs, '-t', '1', '--json']
    src = [url] if url else ['-i', lst]
    if tool == 'ringload':
        return base + src
    if tool == 'ringload-epoll':
        return base + ['--backend', 'epoll'] + src
    if tool == 'ringload-p16':
        return base + ['--pipeline', str(PIPE)] + src
    if tool == 'ringload-trace':
        return base + ['--trace', os.path.join(os.path.dirname(lst), 'load.trace')] + src
    if tool in ('wrk', 'wrk-p16'):
        if not which('wrk') or (tool == 'wrk-p16' and not url):
            return None
        cmd = ['wrk', '-c', str(c), '-d', '%ds' % secs, '-t', '1', '--latency']
        if tool == 'wrk-p16':
            return cmd + ['-s', os.path.join(BENCH, 'pipeline.lua'), url, '--', str(PIPE)]
        if not url:
            return cmd + ['-s', os.path.join(BENCH, 'walk.lua'), walk_base(lst)]
        return cmd + [url]
    if tool == 'h2load':
        if not which('h2load'):
            return None
        cmd = ['h2load', '--h1', '-c', str(c), '-D', str(secs), '-t', '1']
        return cmd + ([url] if url else ['-i', lst])
    raise ValueError(tool)


def walk_base(lst):
    with open(lst) as f:
        first = f.readline().strip()
    return first.split('/many/')[0] + '/'


# --------------------------------------------------------------- parsing

UNITS = {'us': 1.0, 'ms': 1e3, 's': 1e6, 'm': 60e6}


def _us(text):
    m = re.fullmatch(r'([\d.]+)(us|ms|s|m)', text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def parse(tool, out):
    """{'requests', 'rps', 'p50_us', 'p99_us', 'errors', ...} from a tool's
    output; 'error' when it did not report."""
    if tool.startswith('ringload'):
        try:
            s = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {'error': 'no JSON: ' + out[-200:]}
        sc = s['syscalls']
        return {'requests': s['requests'], 'rps': s['requests_per_s'],
                'p50_us': s['latency_us']['p50'], 'p99_us': s['latency_us']['p99'],
                'errors': s['errors']['total'] + sum(v for k, v in s['status'].items() if k != '2xx'),
                'requests_made': sc['requests_made'], 'syscalls': sc['syscalls'],
                'enters': sc['enters'], 'syscalls_per_req': sc['syscalls_per_request'],
                'enters_per_req': sc['enters_per_request'], 'calls': sc['calls']}
    if tool.startswith('wrk'):
        m = re.search(r'^\s*(\d+) requests in', out, re.M)
        rps = re.search(r'Requests/sec:\s*([\d.]+)', out)
        if not m or not rps:
            return {'error': 'wrk: ' + out[-200:]}
        lat = dict(re.findall(r'^\s+(50|99)%\s+(\S+)', out, re.M))
        errs = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', out)
        non2 = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
        # With a pipelining script wrk times only some responses and may
        # print 0 for a percentile: no figure then.
        return {'requests': int(m.group(1)), 'rps': float(rps.group(1)),
                'p50_us': (_us(lat['50']) or None) if '50' in lat else None,
                'p99_us': (_us(lat['99']) or None) if '99' in lat else None,
                'errors': (sum(int(x) for x in errs.groups()) if errs else 0) +
                          (int(non2.group(1)) if non2 else 0)}
    if tool == 'h2load':
        fin = re.search(r'finished in ([\d.]+)s, ([\d.]+) req/s', out)
        req = re.search(r'requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, '
                        r'(\d+) failed, (\d+) errored, (\d+) timeout', out)
        if not fin or not req:
            return {'error': 'h2load: ' + out[-200:]}
        return {'requests': int(req.group(4)), 'rps': float(fin.group(2)), 'p50_us': None,
                'p99_us': None, 'errors': int(req.group(5)) + int(req.group(6))}
    raise ValueError(tool)


# ----------------------------------------------------------------- runs

def run_one(spawner, logs, server, tool, cmd, target, c, rnd):
    out_p, err_p = os.path.join(logs, 'load.out'), os.path.join(logs, 'load.err')
    srv0 = server.cpu_s()
    rc, usage, wall, killed = spawner.run(cmd, 120, out_p, err_p)
    srv1 = server.cpu_s()
    with open(out_p, errors='replace') as f:
        out = f.read()
    with open(err_p, errors='replace') as f:
        err = f.read()
    r = {'tool': tool, 'target': target, 'c': c, 'round': rnd, 'rc': rc, 'wall_s': wall,
         'cpu_s': usage.ru_utime + usage.ru_stime, 'user_s': usage.ru_utime,
         'sys_s': usage.ru_stime, 'rss_kib': usage.ru_maxrss, 'nginx_cpu_s': srv1 - srv0}
    r.update(parse(tool, out))
    if killed:
        r['error'] = 'timed out'
    elif rc != 0 and 'error' not in r:
        r['error'] = 'exit %d: %s' % (rc, ' | '.join(err.strip().splitlines()[-2:])[:300])
    if 'error' not in r and r.get('errors'):
        # A run with errors is reported, not hidden, but never timed as a good one.
        r['error'] = '%d errors' % r['errors']
    made = r.get('requests_made') or r.get('requests')
    if made:
        r['cpu_us_per_req'] = 1e6 * r['cpu_s'] / made
    return r


def ringfetch_ab(spawner, logs, build, lst_many, dest, rounds, warmups):
    """ringfetch -m 100 -i many on io_uring and on epoll, interleaved."""
    runs = []
    for rnd in range(warmups + rounds):
        for backend in ('uring', 'epoll'):
            out_dir = os.path.join(dest.path, 'ab')
            shutil.rmtree(out_dir, ignore_errors=True)
            cmd = [os.path.join(build, 'ringfetch'), '-m', '100', '-q', '--stats', '-o', out_dir,
                   '-i', lst_many, '--backend', backend]
            out_p, err_p = os.path.join(logs, 'ab.out'), os.path.join(logs, 'ab.err')
            rc, usage, wall, killed = spawner.run(cmd, 120, out_p, err_p)
            with open(out_p) as f:
                st = measure.last_json(f.read()) or {}
            files = len(os.listdir(out_dir)) if os.path.isdir(out_dir) else 0
            shutil.rmtree(out_dir, ignore_errors=True)
            r = {'tool': 'ringfetch-' + backend, 'round': rnd, 'warmup': rnd < warmups, 'rc': rc,
                 'wall_s': wall, 'cpu_s': usage.ru_utime + usage.ru_stime,
                 'rss_kib': usage.ru_maxrss, 'files': files, 'stats': st}
            if rc != 0 or files != 10000 or st.get('ok') != 10000:
                r['error'] = 'rc %d, %d files' % (rc, files)
            else:
                r['files_per_s'] = 10000 / wall
                r['cpu_us_per_file'] = 1e6 * r['cpu_s'] / 10000
                r['syscalls_per_file'] = st['syscalls'] / 10000
                r['enters_per_file'] = st['enters'] / 10000
                r['calls'] = st.get('calls', '')
            runs.append(r)
            log('  ringfetch %-5s round %d: %s' % (backend, rnd, r.get('error') or
                                                   '%.0f files/s' % r['files_per_s']))
    return runs


# ----------------------------------------------------------- summarising

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs, tools):
    """{(target, c): {tool: medians}} over the counted, good runs; ratios to
    wrk per round."""
    table = {}
    for r in runs:
        if r.get('warmup'):
            continue
        table.setdefault((r['target'], r['c']), {}).setdefault(r['tool'], []).append(r)
    out = {}
    for key, by_tool in table.items():
        row = {}
        wrk_by_round = {r['round']: r for r in by_tool.get('wrk', []) if 'error' not in r}
        for tool, rs in by_tool.items():
            good = [r for r in rs if 'error' not in r]
            m = {'runs': len(rs), 'good': len(good),
                 'errors': [r['error'] for r in rs if 'error' in r][:3]}
            for k in ('rps', 'cpu_us_per_req', 'p50_us', 'p99_us', 'rss_kib', 'syscalls_per_req',
                      'enters_per_req', 'nginx_cpu_s'):
                m[k] = med([r.get(k) for r in good])
            for k in ('rps', 'cpu_us_per_req'):
                ratios = [r[k] / wrk_by_round[r['round']][k] for r in good
                          if r['round'] in wrk_by_round and r.get(k) and wrk_by_round[r['round']].get(k)]
                m[k + '_vs_wrk'] = med(ratios)
                m[k + '_vs_wrk_range'] = [min(ratios), max(ratios)] if ratios else None
            # ringload --pipeline 16 against wrk without pipelining, same round
            row[tool] = m
        out[key] = row
    return out


def goals(summary, big):
    s = summary.get(('file', 100), {})
    rl, p16 = s.get('ringload', {}), s.get('ringload-p16', {})
    rss = big.get('ringload', {}).get('rss_kib')
    g = [
        ('ringload >= 1.0x wrk requests/s at c=100', rl.get('rps_vs_wrk'), '>=', 1.0),
        ('ringload <= 0.8x wrk CPU per request at c=100', rl.get('cpu_us_per_req_vs_wrk'), '<=', 0.8),
        ('ringload --pipeline 16 >= 1.5x wrk requests/s at c=100', p16.get('rps_vs_wrk'), '>=', 1.5),
        ('ringload peak RSS at c=10,000 <= 64 MiB', rss / 1024 if rss else None, '<=', 64),
    ]
    res = []
    for name, v, op, want in g:
        ok = None if v is None else (v >= want if op == '>=' else v <= want)
        res.append({'goal': name, 'value': v, 'met': ok})
    return res


# --------------------------------------------------------------- report

def fmt(v, d=0):
    return '-' if v is None else ('%.*f' % (d, v))


def write_md(path, meta, summary, tools, big, ab, tgt, trace_oh):
    L = ['# ringload against wrk and h2load (bench/run --load)', '',
         '%s. %s, kernel %s, 2 cores shared with nginx (one worker) and other work. '
         'Each run %ss, %d counted rounds after %d warm-up, interleaved; medians; ratios to wrk '
         'are medians of same-round ratios. Client CPU is user+sys of the whole process (wait4), '
         'per request made. Reproduce: `%s`.' % (meta['date'], meta['cpu'], meta['kernel'],
                                                 meta['seconds'], meta['rounds'], meta['warmups'],
                                                 meta['reproduce']), '']
    L += ['## Targets (c=100, one 8 KiB file)', '', '| goal | value | met |', '|---|---|---|']
    for g in tgt:
        L.append('| %s | %s | %s |' % (g['goal'], fmt(g['value'], 2),
                                       {True: 'yes', False: '**no**', None: 'n/a'}[g['met']]))
    for target, title in (('file', 'one 8 KiB file'), ('walk', 'the 10,000-file walk')):
        L += ['', '## %s' % title, '',
              '| c | tool | requests/s | vs wrk | CPU µs/req | vs wrk | p50 µs | p99 µs | peak RSS MiB | syscalls/req |',
              '|---|---|---|---|---|---|---|---|---|---|']
        for c in meta['conc']:
            row = summary.get((target, c), {})
            for t in tools + ['ringload-trace']:
                m = row.get(t)
                if not m:
                    continue
                if not m['good']:
                    L.append('| %d | %s | failed: %s | | | | | | | |' % (c, t, '; '.join(m['errors'])))
                    continue
                L.append('| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |' % (
                    c, t, fmt(m['rps']), fmt(m['rps_vs_wrk'], 2), fmt(m['cpu_us_per_req'], 1),
                    fmt(m['cpu_us_per_req_vs_wrk'], 2), fmt(m['p50_us']), fmt(m['p99_us']),
                    fmt(m['rss_kib'] / 1024 if m['rss_kib'] else None, 1),
                    fmt(m['syscalls_per_req'], 3)))
    L += ['', '## io_uring against epoll (same binary)', '',
          '| run | c | requests/s uring | epoll | CPU µs/req uring | epoll | syscalls/req uring | epoll |',
          '|---|---|---|---|---|---|---|---|']
    for target in ('file', 'walk'):
        for c in meta['conc']:
            row = summary.get((target, c), {})
            u, e = row.get('ringload'), row.get('ringload-epoll')
            if not u or not e:
                continue
            L.append('| ringload %s | %d | %s | %s | %s | %s | %s | %s |' % (
                target, c, fmt(u['rps']), fmt(e['rps']), fmt(u['cpu_us_per_req'], 1),
                fmt(e['cpu_us_per_req'], 1), fmt(u['syscalls_per_req'], 3),
                fmt(e['syscalls_per_req'], 3)))
    if ab:
        L.append('| ringfetch many (files/s, CPU µs/file, syscalls/file) | 100 | %s | %s | %s | %s | %s | %s |' % (
            fmt(ab['uring'].get('files_per_s')), fmt(ab['epoll'].get('files_per_s')),
            fmt(ab['uring'].get('cpu_us_per_file'), 1), fmt(ab['epoll'].get('cpu_us_per_file'), 1),
            fmt(ab['uring'].get('syscalls_per_file'), 3), fmt(ab['epoll'].get('syscalls_per_file'), 3)))
        for b in ('uring', 'epoll'):
            L.append('')
            L.append('ringfetch on %s, system calls of the last run: `%s`' % (b, ab[b].get('calls', '')))
    L += ['', '## c = 10,000 (one 8 KiB file)', '', '| tool | requests/s | peak RSS MiB | errors |',
          '|---|---|---|---|']
    for t, m in big.items():
        L.append('| %s | %s | %s | %s |' % (t, fmt(m.get('rps')), fmt(m['rss_kib'] / 1024 if m.get('rss_kib') else None, 1),
                                            m.get('error', '')))
    if trace_oh:
        L += ['', '## The trace\'s overhead', '',
              'ringload -c 100 on the 8 KiB file with `--trace FILE` against without, same rounds: '
              'requests/s x%s, CPU per request x%s (medians of per-round ratios).' % (
                  fmt(trace_oh.get('rps'), 3), fmt(trace_oh.get('cpu'), 3))]
    L += ['', '## Commands', '']
    for t, cmd in meta['commands'].items():
        L.append('- %s: `%s`' % (t, cmd))
    L.append('')
    with open(path, 'w') as f:
        f.write('\n'.join(L))


def plot(path, summary, meta, tools):
    gp = which('gnuplot')
    if not gp:
        return 'gnuplot not installed'
    tmp = tempfile.mkdtemp(prefix='rfbench-loadplot-')
    try:
        script = ['set terminal pngcairo size 1500,1000 font ",10" noenhanced', 'set output "%s"' % path,
                  'set style data histograms', 'set style histogram clustered gap 1',
                  'set style fill solid 0.85 border -1', 'set boxwidth 0.9',
                  'set datafile missing "?"', 'set key outside right top', 'set grid ytics',
                  'set yrange [0:*]',
                  'set multiplot layout 2,2 title "ringload vs wrk and h2load (median of rounds, one thread each)"']
        panels = [('file', 'rps', 'one 8 KiB file: requests/s (higher is better)', tools),
                  ('file', 'cpu_us_per_req', 'one 8 KiB file: client CPU µs/request (lower is better)', tools),
                  ('walk', 'rps', '10,000-file walk: requests/s', tools),
                  ('file', 'syscalls_per_req', 'system calls per request: io_uring vs epoll',
                   ['ringload', 'ringload-epoll'])]
        for i, (target, metric, title, ts) in enumerate(panels):
            present = [t for t in ts if any(t in summary.get((target, c), {}) for c in meta['conc'])]
            dat = os.path.join(tmp, 'p%d.dat' % i)
            with open(dat, 'w') as f:
                f.write('c ' + ' '.join(present) + '\n')
                for c in meta['conc']:
                    row = summary.get((target, c), {})
                    vals = []
                    for t in present:
                        v = row.get(t, {}).get(metric)
                        vals.append('%.4f' % v if v is not None else '?')
                    f.write('c=%d %s\n' % (c, ' '.join(vals)))
            script.append('set title "%s"' % title)
            script.append('colours = "%s"' % ' '.join(COLOURS.get(t, '#808080') for t in present))
            script.append('plot for [i=2:%d] "%s" using i:xtic(1) title columnheader(i) '
                          'lc rgb word(colours, i-1)' % (len(present) + 1, dat))
        script.append('unset multiplot')
        sp = os.path.join(tmp, 'plot.gp')
        with open(sp, 'w') as f:
            f.write('\n'.join(script) + '\n')
        r = subprocess.run([gp, sp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return '' if r.returncode == 0 else 'gnuplot failed: ' + r.stdout[-300:]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------ main

def main(args, given):
    t_start = time.monotonic()
    build = repo_path(args.build)
    if not os.access(os.path.join(build, 'ringload'), os.X_OK):
        raise SystemExit('bench: %s/ringload is not built' % build)
    conc = [int(x) for x in args.load_conc.split(',')] if args.load_conc else LOAD_CONC
    secs = args.load_seconds
    work = args.work
    os.makedirs(work, exist_ok=True)
    shared = repo_path(os.environ.get('RF_SHARED') or os.path.join('..', 'shared'))
    root, flags_dir, corpora = make_corpora(['many'], work, build, shared)
    tmp = tempfile.mkdtemp(prefix='rfbench-load-', dir=work)
    spawner = measure.Spawner(tmp)
    logs = os.path.join(tmp, 'logs')
    os.makedirs(logs)
    server = Nginx(root, flags_dir)
    tools = [t for t in TOOLS if not (t.startswith('wrk') and not which('wrk')) and
             not (t == 'h2load' and not which('h2load'))]
    runs, big_runs, ab_runs = [], [], []
    try:
        server.start()
        url = server.url('/many/f000000.bin')
        lst = os.path.join(tmp, 'walk.txt')
        with open(lst, 'w') as f:
            for p, _, _ in corpora['many'].items:
                f.write(server.url(p) + '\n')
        rounds, warmups = args.rounds, args.warmups
        for rnd in range(warmups + rounds):
            for target in ('file', 'walk'):
                for c in conc:
                    row_tools = list(tools)
                    if target == 'file' and c == 100:
                        row_tools.append('ringload-trace')
                    for tool in row_tools:
                        cmd = command(tool, build, url if target == 'file' else None, lst, c, secs)
                        if cmd is None:
                            continue
                        r = run_one(spawner, logs, server, tool, cmd, target, c, rnd)
                        r['warmup'] = rnd < warmups
                        if tool == 'ringload-trace':
                            trace = cmd[cmd.index('--trace') + 1]
                            r['trace_bytes'] = os.path.getsize(trace) if os.path.exists(trace) else 0
                            if os.path.exists(trace):
                                os.unlink(trace)
                        runs.append(r)
                        log('  %s c=%-4d %-15s round %d: %s' % (
                            target, c, tool, rnd, r.get('error') or '%.0f req/s, %.1f µs CPU/req' % (
                                r['rps'], r.get('cpu_us_per_req') or 0)))
        if not args.no_big:
            for rnd in range(2):
                for tool in ('ringload', 'ringload-epoll', 'wrk'):
                    cmd = command(tool, build, url, lst, BIG_C, secs)
                    if cmd is None:
                        continue
                    r = run_one(spawner, logs, server, tool, cmd, 'file', BIG_C, rnd)
                    big_runs.append(r)
                    log('  c=10000 %-15s round %d: %s, peak RSS %.1f MiB' % (
                        tool, rnd, r.get('error') or '%.0f req/s' % r['rps'], r['rss_kib'] / 1024))
        with Tmpfs(os.path.join(work, 'tmpfs')) as dest:
            ab_runs = ringfetch_ab(spawner, logs, build, lst, dest, args.rounds, args.warmups)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    summary = summarise(runs, tools)
    big = {}
    for r in big_runs:
        m = big.setdefault(r['tool'], {'rss': [], 'rps': [], 'errors': []})
        m['rss'].append(r['rss_kib'])
        if 'error' in r:
            m['errors'].append(r['error'])
        else:
            m['rps'].append(r['rps'])
    big = {t: {'rss_kib': max(m['rss']), 'rps': med(m['rps']),
               **({'error': '; '.join(m['errors'][:2])} if m['errors'] else {})}
           for t, m in big.items()}
    ab = {}
    for b in ('uring', 'epoll'):
        good = [r for r in ab_runs if r['tool'] == 'ringfetch-' + b and not r['warmup'] and 'error' not in r]
        ab[b] = {k: med([r.get(k) for r in good]) for k in ('files_per_s', 'cpu_us_per_file',
                                                           'syscalls_per_file', 'enters_per_file')}
        ab[b]['calls'] = good[-1]['calls'] if good else ''
    # The trace's overhead: ringload-trace against ringload, per round.
    trace_oh = {}
    base = {r['round']: r for r in runs if r['tool'] == 'ringload' and r['target'] == 'file'
            and r['c'] == 100 and not r.get('warmup') and 'error' not in r}
    tr = [r for r in runs if r['tool'] == 'ringload-trace' and not r.get('warmup') and 'error' not in r]
    if tr and base:
        trace_oh['rps'] = med([r['rps'] / base[r['round']]['rps'] for r in tr if r['round'] in base])
        trace_oh['cpu'] = med([r['cpu_us_per_req'] / base[r['round']]['cpu_us_per_req']
                               for r in tr if r['round'] in base])
    tgt = goals(summary, big)
    commands = {t: ' '.join(command(t, '%s' % args.build, 'http://127.0.0.1:PORT/many/f000000.bin',
                                    'LIST', 'C', secs) or ['(not available)'])
                for t in tools + ['ringload-trace']}
    commands['ringfetch A/B'] = '%s/ringfetch -m 100 -q --stats -o DIR -i LIST --backend uring|epoll' % args.build
    meta = {'date': datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), 'cpu': report.cpu_model(),
            'kernel': platform.release(), 'seconds': secs, 'rounds': args.rounds,
            'warmups': args.warmups, 'conc': conc, 'commands': commands,
            'reproduce': 'bench/run ' + ' '.join(given), 'elapsed_s': time.monotonic() - t_start}
    name = args.out or 'load'
    os.makedirs(RESULTS, exist_ok=True)
    md = os.path.join(RESULTS, name + '.md')
    write_md(md, meta, summary, tools, big, ab, tgt, trace_oh)
    with open(os.path.join(RESULTS, name + '.json'), 'w') as f:
        json.dump({'meta': meta, 'summary': {'%s/%d' % k: v for k, v in summary.items()},
                   'big': big, 'ringfetch_ab': ab, 'trace_overhead': trace_oh, 'goals': tgt,
                   'runs': runs, 'big_runs': big_runs, 'ab_runs': ab_runs}, f, indent=1)
    why = plot(os.path.join(RESULTS, name + '.png'), summary, meta, tools)
    if why:
        log('bench: no plot: ' + why)
    for g in tgt:
        print('%-60s %s %s' % (g['goal'], fmt(g['value'], 2),
                               {True: 'met', False: 'NOT met', None: 'n/a'}[g['met']]))
    print('report: %s (%.0f s)' % (os.path.relpath(md), time.monotonic() - t_start))
    return 0
