"""From runs to figures: medians over the counted, successful runs of each
result key, per-round ratios to the baseline with their median and range,
and the list of what failed (which decides bench/run's exit status).

A result key names one row: destination (`target`), corpus, N and server
config. Its text form, used in the JSON, is 'tmpfs/many/100' for plain HTTP
(the form results have always had) and 'tmpfs/many/100/tls' for any other
server config."""

import statistics
from collections import namedtuple

BASELINE = 'curl'


class Key(namedtuple('Key', 'target corpus n server', defaults=('plain',))):
    __slots__ = ()

    def __str__(self):
        return '%s/%s/%d' % (self.target, self.corpus, self.n) + (
            '' if self.server == 'plain' else '/' + self.server)

    @classmethod
    def parse(cls, text):
        parts = text.split('/')
        return cls(parts[0], parts[1], int(parts[2]), *parts[3:])

    @classmethod
    def of(cls, run):
        return cls(run['target'], run['corpus'], run['n'], run.get('server', 'plain'))


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def spread(xs):
    """[lowest, highest] of xs, or None when there is nothing."""
    return [min(xs), max(xs)] if xs else None


def range_text(row, key, spec='%.2f'):
    """' (lo–hi)' when the rounds of row[key] disagree, else ''."""
    rng = row.get(key + '_range')
    if not rng or row['tool'] == BASELINE or rng[0] == rng[1]:
        return ''
    return (' (' + spec + '–' + spec + ')') % (rng[0], rng[1])


def summarise(runs, tools):
    """{Key: [row per tool]}: medians over the counted, successful runs and
    the medians (and ranges) of the per-round ratios to the baseline."""
    counted = [r for r in runs if not r['warmup']]
    groups = {}
    for r in counted:
        groups.setdefault(Key.of(r), []).append(r)
    table = {}
    for key, rs in groups.items():
        by_round = {}
        for r in rs:
            by_round.setdefault(r['round'], {})[r['tool']] = r
        for tool in tools:
            mine = [r for r in rs if r['tool'] == tool]
            if not mine:
                continue
            ok = [r for r in mine if not r['failed']]
            row = {'tool': tool, 'runs': len(mine), 'ok': len(ok),
                   'failures': sorted(set(r['failed'] for r in mine if r['failed']))}
            if ok:
                row.update(_figures(tool, ok, by_round))
            table.setdefault(key, []).append(row)
    return table


def _figures(tool, ok, by_round):
    files, nbytes = ok[0]['files'], ok[0]['bytes']
    row = {'files': files}
    row['wall_s'] = median([r['wall_s'] for r in ok])
    row['files_per_s'] = median([files / r['wall_s'] for r in ok])
    row['mb_per_s'] = median([nbytes / r['wall_s'] / 1e6 for r in ok])
    row['cpu_us_per_file'] = median([1e6 * r['cpu_s'] / files for r in ok])
    row['rss_mib'] = median([r['rss_kib'] / 1024 for r in ok])
    row['rss_mib_max'] = max(r['rss_kib'] / 1024 for r in ok)
    # The server's CPU comes in 10 ms ticks: sum over the runs, then divide.
    row['nginx_us_per_file'] = 1e6 * sum(r['nginx_cpu_s'] for r in ok) / (files * len(ok))
    st = [r['stats'] for r in ok if r.get('stats')]
    if st and all('enters' in s for s in st):
        row['enters_per_file'] = median([s['enters'] / files for s in st])
        row['sqes_per_enter'] = median([s['sqes'] / max(1, s['enters']) for s in st])
    if st and all('files_tmpfile' in s for s in st):
        # How the sink made its files (the floor it is measured against).
        row['files_tmpfile'] = median([s['files_tmpfile'] for s in st])
        row['files_named'] = median([s.get('files_named', 0) for s in st])
    if st and all('file_workers' in s for s in st):
        # The limit on the kernel's workers for file operations (0: none).
        row['file_workers'] = max(s['file_workers'] for s in st)
    fps_ratio, cpu_ratio, wall_ratio = [], [], []
    for rnd, tools_in_round in by_round.items():
        me, base = tools_in_round.get(tool), tools_in_round.get(BASELINE)
        if me and base and not me['failed'] and not base['failed']:
            fps_ratio.append(base['wall_s'] / me['wall_s'])
            cpu_ratio.append(me['cpu_s'] / max(base['cpu_s'], 1e-9))
            wall_ratio.append(me['wall_s'] / base['wall_s'])
    row['fps_vs_curl'] = median(fps_ratio)
    row['cpu_vs_curl'] = median(cpu_ratio)
    # The spread over rounds says how much one median can be trusted.
    row['fps_vs_curl_range'] = spread(fps_ratio)
    row['cpu_vs_curl_range'] = spread(cpu_ratio)
    row['wall_vs_curl'] = median(wall_ratio)
    return row


def failures(runs, strace):
    """What makes the bench fail, one line each: counted runs that failed (a
    warm-up's failure is logged, not counted) and failed cross-checks."""
    out = ['%s %s N=%d %s%s round %d: %s' % (
        r['target'], r['corpus'], r['n'], r['tool'],
        '' if r.get('server', 'plain') == 'plain' else ' (%s)' % r['server'], r['round'],
        r['failed']) for r in runs if r['failed'] and not r['warmup']]
    out += ['io_uring_enter cross-check (%s N=%s): %s' % (s.get('corpus'), s.get('n'),
                                                          s['failed'])
            for s in strace if s.get('failed')]
    return out
