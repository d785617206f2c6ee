"""The results as a report: bench/results/NAME.md (tables of medians, ratios
to curl with their range over rounds, the limits and the cross-check),
NAME.json (every run, the summary, the limits, the targets) and the headline
table printed at the end of a run."""

import json
import os
import platform
import subprocess

from . import floor
from .common import which
from .corpora import ALL_CORPORA
from .destinations import FILE_SYSTEMS
from .peers import aiohttp_python
from .stats import BASELINE, Key, range_text
from .servers import SERVERS


def fmt(x, spec='%.0f', none='—'):
    return none if x is None else spec % x


def ratio(row, key):
    """'1.23x', plus the per-round range when rounds disagree: '1.66x (1.06–1.91)'."""
    value = row.get(key)
    if value is None:
        return '—'
    return '%.2fx' % value + range_text(row, key)


def row_md(row, ceiling=None):
    if not row['ok']:
        return '| %s | 0/%d FAILED | %s |' % (
            row['tool'], row['runs'], '; '.join(row['failures'])[:200].replace('|', '/')) + \
            ' |' * 11
    status = '%d/%d' % (row['ok'], row['runs'])
    cells = [row['tool'], status, fmt(row['files_per_s']), fmt(row['mb_per_s'], '%.1f'),
             fmt(row['wall_s'], '%.3f'), fmt(row['cpu_us_per_file'], '%.1f' if
                                             row['cpu_us_per_file'] < 100 else '%.0f'),
             fmt(row['rss_mib'], '%.1f'), fmt(row['nginx_us_per_file'], '%.1f'),
             fmt(row.get('enters_per_file'), '%.3f'), fmt(row.get('sqes_per_enter'), '%.1f'),
             ratio(row, 'fps_vs_curl'), ratio(row, 'cpu_vs_curl'),
             fmt(100 * row['files_per_s'] / ceiling if ceiling else None, '%.0f%%')]
    return '| ' + ' | '.join(cells) + ' |'


HEADER = ('| tool | ok runs | files/s | MB/s | wall s | CPU µs/file | peak RSS MiB | '
          'nginx CPU µs/file | enters/file | SQEs/enter | files/s vs curl | CPU vs curl | '
          '% of wrk ceiling |\n'
          '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')


TARGET_ORDER = ['tmpfs', 'disk'] + FILE_SYSTEMS


def key_order(key):
    """tmpfs first, then the other destinations in TARGET_ORDER, corpora in
    their order, plain HTTP before other servers."""
    servers = list(SERVERS)
    return (TARGET_ORDER.index(key.target) if key.target in TARGET_ORDER else len(TARGET_ORDER),
            key.target,
            ALL_CORPORA.index(key.corpus) if key.corpus in ALL_CORPORA else len(ALL_CORPORA),
            servers.index(key.server) if key.server in servers else len(servers),
            key.server, key.n)


def key_title(key):
    """'many, N=100, tmpfs' (plain HTTP) or 'many, N=100, tmpfs, tls'."""
    return '%s, N=%d, %s' % (key.corpus, key.n, key.target) + (
        '' if key.server == 'plain' else ', ' + key.server)


def tool_versions():
    vers = {}
    probes = {'curl': ['curl', '--version'], 'wget2': ['wget2', '--version'],
              'aria2c': ['aria2c', '--version'], 'nginx': ['nginx', '-v'],
              'wrk': ['wrk', '-v']}
    for name, cmd in probes.items():
        if not which(cmd[0]):
            continue
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = (r.stdout.strip().splitlines() or [''])[0]
        vers[name] = ' '.join(line.replace('nginx version: ', '').split()[:3])
    py = aiohttp_python()
    if py:
        r = subprocess.run([py, '-c', 'import aiohttp,sys;print("aiohttp", aiohttp.__version__,'
                            '"python", sys.version.split()[0])'], stdout=subprocess.PIPE,
                           text=True)
        vers['aiohttp'] = r.stdout.strip()
    return vers


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def write_md(path_md, meta, table, corpora, limits, strace, tgt, commands, multiples=()):
    L = []
    L.append('# ringfetch benchmark: %s' % meta['title'])
    L.append('')
    L.append('Reproduce: `%s` (from the repository root). Generated %s in %.0f s.' % (
        meta['reproduce'], meta['date'], meta['elapsed_s']))
    L.append('')
    L.append('Machine: %s, %d CPUs, kernel %s. Server: nginx, 1 worker, sendfile, no access '
             'log, on 127.0.0.1. Outputs: %s.' % (meta['cpu'], os.cpu_count(), meta['kernel'],
                                                   meta['tmpfs']))
    L.append('')
    L.append('Method: per corpus and concurrency N the tools run interleaved in rounds '
             '(%s in the first round, the later ones in the rows of a Williams design, '
             'so that no tool keeps following the same one), %d warm-up round(s) discarded, %d counted round(s). Figures are medians '
             'over the counted runs that downloaded everything correctly (exit status 0, '
             'exact file set, sizes and bytes compared with the source); a failed run is '
             'counted in "ok runs" and never timed. Ratios to curl are computed per round, '
             'then the median is taken (in brackets: the lowest and highest round). '
             'CPU = the client\'s user+sys from wait4 (process start-up included; for the '
             'aiohttp client that includes importing Python). '
             'nginx CPU from /proc/PID/stat (10 ms ticks, so coarse on short runs). MB = 10^6 '
             'bytes. enters/file and SQEs/enter are ringfetch\'s own --stats counters '
             '(flags2: its --stats on stderr). %% of wrk ceiling = files/s over wrk\'s '
             'requests/s at the same N (8 KiB files only).' % (
                 ' '.join(meta['tools']), meta['warmups'], meta['rounds']))
    L.append('')
    L.append('Peak RSS is the tool\'s ru_maxrss; %s.' % meta['spawn'])
    L.append('')
    if tgt:
        L.append('## Targets (issues 4, 10, 13, 15)')
        L.append('')
        L.append('| target | measured | met |')
        L.append('|---|---|---|')
        for name, value, ok in tgt:
            L.append('| %s | %s | %s |' % (name, value, '—' if ok is None else
                                            'yes' if ok else '**NO**'))
        L.append('')
    L.append('## Limits')
    L.append('')
    if limits.get('wrk'):
        L.append('Network ceiling: `wrk -c N -d %ds -t 1` on one 8 KiB file (no files written), '
                 'the best of %d runs (all runs in the last column; wrk competes with nginx '
                 'for the CPUs, so single runs vary).' % (meta['wrk_seconds'], meta['wrk_runs']))
        L.append('')
        L.append('| N | requests/s | wrk CPU µs/req | nginx CPU µs/req | all runs, req/s |')
        L.append('|---:|---:|---:|---:|---|')
        for w in limits['wrk']:
            if 'error' in w:
                L.append('| %d | failed: %s | | |' % (w['n'], w['error'][:150]))
            else:
                L.append('| %d | %.0f | %.1f | %.1f | %s |' % (
                    w['n'], w['rps'], 1e6 * w['cpu_s'] / max(1, w['requests'] or 1),
                    w.get('nginx_us_per_req') or 0,
                    ' '.join(fmt(x) for x in w.get('rps_runs', []))))
        L.append('')
    for target, fl in limits.get('fs', {}).items():
        L.append('File-system floor (%s): bench/fsfloor.c writing %d x %d-byte files under '
                 'their final names (open, write, close): median %.0f files/s%s, %.1f µs '
                 'CPU/file%s (%d runs; every way of creating a file is in the next '
                 'section).' % (target, fl['files'], fl['size'], fl['files_per_s'],
                                spread_text(fl.get('files_per_s_range'), '%.0f'),
                                fl['cpu_us_per_file'],
                                spread_text(fl.get('cpu_us_per_file_range'), '%.1f'),
                                fl['runs']))
        L.append('')
    L += floor_md(limits.get('floor', {}), multiples)
    if strace:
        L.append('## io_uring_enter cross-check')
        L.append('')
        for s in strace:
            L.append(strace_md(s))
        L.append('')
    ceilings = {w['n']: w['rps'] for w in limits.get('wrk', []) if 'rps' in w}
    L.append('## Results')
    for key in sorted(table, key=key_order):
        c = corpora[key.corpus]
        L.append('')
        L.append('### %s (%d files, %.1f MB; %s)' % (key_title(key), c.files, c.bytes / 1e6,
                                                     c.note))
        L.append('')
        L.append(HEADER)
        for row in table[key]:
            L.append(row_md(row, ceilings.get(key.n) if key.corpus == 'many' else None))
    L.append('')
    L.append('## Commands')
    L.append('')
    L.append('LIST is the URL list, CFG a curl config of `url = ...` / `output = ...` pairs, '
             'DIR the output folder.')
    L.append('')
    for tool, cmd in commands.items():
        L.append('- %s: `%s`' % (tool, cmd))
    L.append('')
    L.append('Versions: ' + '; '.join('%s' % v for v in meta['versions'].values()) + '.')
    L.append('')
    with open(path_md, 'w') as f:
        f.write('\n'.join(L))


def floor_md(floors, multiples):
    """The floor section: each way of creating a file on each destination,
    then ringfetch's CPU per file as a multiple of floor + network."""
    if not floors:
        return []
    L = ['## The floor', '']
    dests = list(floors)
    L.append('Each way of creating a corpus\'s files, one process (bench/fsfloor.c: the '
             'corpus\'s file count at its mean size, big in 64 KiB writes; synchronously but '
             'for tmpfile-ring, which is not a floor), the ways interleaved in rounds on each '
             'destination; CPU µs per file (user+sys around the loop only, io_uring\'s workers '
             'included), median (lowest–highest round). Ways: ' +
             '; '.join('**%s** = %s' % (w, t) for w, t in floor.WAY_TEXT.items()) + '.')
    L.append('')
    L.append('| corpus | way | ' + ' | '.join(dests) + ' |')
    L.append('|---|---|' + '---:|' * len(dests))
    corpora = list(dict.fromkeys(c for d in dests for c in floors[d]))
    for c in corpora:
        for way in floor.WAYS:
            cells = []
            for d in dests:
                w = floors[d].get(c, {}).get(way)
                if not w:
                    cells.append('')
                elif 'cpu_us_per_file' in w:
                    spec = '%.1f' if w['cpu_us_per_file'] < 1000 else '%.0f'
                    cells.append(fmt(w['cpu_us_per_file'], spec) +
                                 spread_text(w.get('cpu_us_per_file_range'), spec))
                else:
                    cells.append('n/a (%s)' % (w.get('unavailable') or w.get('error') or '?')[:80])
            L.append('| %s | %s | %s |' % (c, way, ' | '.join(cells)))
    L.append('')
    if multiples:
        L.append('ringfetch\'s CPU per file against what it cannot avoid: the floor of the way '
                 'it used (its --stats: files_tmpfile, files_named) plus the network cost per '
                 'request with nothing written, measured as ringfetch --discard in the same '
                 'row and rounds (the rf-discard rows) and as wrk\'s CPU per request at the '
                 'same N on one 8 KiB file (many only). The multiple is taken per round, then '
                 'the median (lowest–highest round); 1.00x would be the two parts done apart '
                 'at no extra cost.')
        L.append('')
        L.append('| destination | corpus | N | tool | CPU µs/file | way | floor µs/file | '
                 '--discard µs/file | wrk µs/req | x (floor + --discard) | x (floor + wrk) |')
        L.append('|---|---|---:|---|---:|---|---:|---:|---:|---:|---:|')
        order = {d: i for i, d in enumerate(dests)}
        for m in sorted(multiples, key=lambda m: (order.get(m['target'], 99), m['corpus'],
                                                  m['n'], m['tool'])):
            spec = '%.1f' if m['cpu_us_per_file'] < 1000 else '%.0f'
            L.append('| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |' % (
                m['target'], m['corpus'], m['n'], m['tool'], fmt(m['cpu_us_per_file'], spec),
                m['way'], fmt(m['floor_us'], spec), fmt(m['discard_us'], spec),
                fmt(m['wrk_us'], '%.1f'),
                fmt(m['x_discard'], '%.2fx') + spread_text(m.get('x_discard_range'), '%.2f'),
                fmt(m['x_wrk'], '%.2fx') + spread_text(m.get('x_wrk_range'), '%.2f')))
        L.append('')
    return L


def spread_text(rng, spec):
    """' (lo–hi)' for a [lo, hi] whose ends differ, else ''."""
    if not rng or rng[0] == rng[1]:
        return ''
    return (' (' + spec + '–' + spec + ')') % (rng[0], rng[1])


def strace_md(s):
    if 'skipped' in s or 'error' in s:
        return 'Not run: %s.' % (s.get('skipped') or s.get('error'))
    text = ('ringfetch -m %d on %s under `strace -f -c -e trace=io_uring_enter` '
            '(not timed): strace counted %s calls (%s returned an error), '
            'ringfetch --stats reported %s enters and %s SQEs; run %s.' % (
                s['n'], s['corpus'], s.get('strace_calls'), s.get('strace_errors'),
                s.get('stats_enters'), s.get('stats_sqes'),
                'verified' if not s['verify'] else 'FAILED: ' + s['verify']))
    if 'failed' not in s:  # a result from before the counts were compared
        return text
    return text + (' The two counts must be equal (both count the same run\'s system '
                   'calls; any difference means the counter is wrong): %s.' % (
                       '**FAILED**: ' + s['failed'] if s['failed'] else 'they are'))


def write_json(path, meta, runs, limits, strace, table, tgt, multiples=()):
    with open(path, 'w') as f:
        json.dump({'meta': meta, 'runs': runs, 'limits': limits, 'strace': strace,
                   'summary': {str(k): v for k, v in table.items()},
                   'targets': [{'target': a, 'measured': b, 'met': c} for a, b, c in tgt],
                   'floor_multiples': list(multiples)},
                  f, indent=1)


def read_summary(path):
    """{Key: rows} from a NAME.json written by write_json."""
    with open(path) as f:
        saved = json.load(f)
    return {Key.parse(k): rows for k, rows in saved['summary'].items()}


def headline(table, tgt):
    key = Key('tmpfs', 'many', 100)
    if key not in table:
        key = sorted(table)[0] if table else None
    lines = []
    if key:
        lines.append('%s:' % key_title(key))
        lines.append('%-10s %7s %9s %8s %8s %9s %8s %9s %8s' % (
            'tool', 'ok', 'files/s', 'MB/s', 'wall s', 'CPU us/f', 'RSS MiB', 'enters/f',
            'vs ' + BASELINE))
        for r in table[key]:
            if not r['ok']:
                lines.append('%-10s %7s FAILED: %s' % (r['tool'], '0/%d' % r['runs'],
                                                        '; '.join(r['failures'])[:120]))
                continue
            lines.append('%-10s %7s %9.0f %8.1f %8.3f %9.1f %8.1f %9s %8s' % (
                r['tool'], '%d/%d' % (r['ok'], r['runs']), r['files_per_s'], r['mb_per_s'],
                r['wall_s'], r['cpu_us_per_file'], r['rss_mib'],
                fmt(r.get('enters_per_file'), '%.3f'), ratio(r, 'fps_vs_curl')))
    if tgt:
        lines.append('')
        lines.append('targets:')
        for name, value, ok in tgt:
            lines.append('  [%s] %s: %s' % ('info' if ok is None else 'met' if ok else 'NOT MET',
                                            name, value))
    return '\n'.join(lines)
