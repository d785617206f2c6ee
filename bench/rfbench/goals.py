"""The issues' targets, checked on one run's figures: (name, measured, met).
A target is met or not on the median; the measured text carries the range
over rounds beside it when rounds disagree. New rows' targets are added as
functions to GOALS (they get the summary table) or FLOOR_GOALS (they also
get floor.multiples' rows). A row with met None has no target: it is a
figure the issues want beside the targets (floor_every_row)."""

from .destinations import FILE_SYSTEMS
from .stats import BASELINE, Key, range_text


def _row(table, key, tool):
    for r in table.get(key, []):
        if r['tool'] == tool:
            return r
    return None


def many_tmpfs(table):
    out = []
    key = Key('tmpfs', 'many', 100)
    rf, cu = _row(table, key, 'ringfetch'), _row(table, key, BASELINE)
    if rf and cu and rf['ok'] and cu['ok']:
        out.append(('many N=100 tmpfs: ringfetch files/s >= 1.5x curl',
                    '%.3fx%s' % (rf['fps_vs_curl'], range_text(rf, 'fps_vs_curl')),
                    rf['fps_vs_curl'] >= 1.5))
        out.append(('many N=100 tmpfs: ringfetch CPU µs/file <= 0.6x curl',
                    '%.3fx%s (%.1f vs %.1f µs)' % (rf['cpu_vs_curl'],
                                                   range_text(rf, 'cpu_vs_curl'),
                                                   rf['cpu_us_per_file'],
                                                   cu['cpu_us_per_file']),
                    rf['cpu_vs_curl'] <= 0.6))
    if rf and rf['ok'] and rf.get('enters_per_file') is not None:
        out.append(('many N=100 tmpfs: io_uring_enter <= 0.2 per file',
                    '%.3f' % rf['enters_per_file'], rf['enters_per_file'] <= 0.2))
    return out


def big_tmpfs(table):
    out = []
    for key in sorted(k for k in table if k.target == 'tmpfs' and k.corpus == 'big'
                      and k.server == 'plain'):
        rf, cu = _row(table, key, 'ringfetch'), _row(table, key, BASELINE)
        if rf and cu and rf['ok'] and cu['ok']:
            out.append(('big N=%d: ringfetch MB/s >= curl' % key.n,
                        '%.0f vs %.0f MB/s' % (rf['mb_per_s'], cu['mb_per_s']),
                        rf['mb_per_s'] >= cu['mb_per_s']))
    rss = [r['rss_mib_max'] for k, rows in table.items() if k.corpus == 'big'
           for r in rows if r['tool'] == 'ringfetch' and r['ok']]
    if rss:
        out.append(('big: ringfetch peak RSS <= 64 MiB', '%.1f MiB (max over runs)' % max(rss),
                    max(rss) <= 64))
    return out


def flags_tmpfs(table, flags_n=10):
    key = Key('tmpfs', 'flags', flags_n)
    rf, cu = _row(table, key, 'ringfetch'), _row(table, key, BASELINE)
    if rf and cu and rf['ok'] and cu['ok']:
        return [('flags N=%d: ringfetch wall <= curl' % flags_n,
                 '%.1f vs %.1f ms' % (1e3 * rf['wall_s'], 1e3 * cu['wall_s']),
                 rf['wall_s'] <= cu['wall_s'])]
    return []


def https_tmpfs(table):
    """Issue 10's targets over HTTPS, and the cost of TLS itself: CPU per file
    over HTTPS divided by CPU per file over HTTP (many, N=100), for ringfetch
    and curl side by side (the two rows of one run; each row's tools ran in
    interleaved rounds)."""
    out = []
    key = Key('tmpfs', 'many', 100, 'https')
    rf, cu = _row(table, key, 'ringfetch'), _row(table, key, BASELINE)
    if rf and cu and rf['ok'] and cu['ok']:
        out.append(('many N=100 https: ringfetch files/s >= 1.5x curl',
                    '%.3fx%s' % (rf['fps_vs_curl'], range_text(rf, 'fps_vs_curl')),
                    rf['fps_vs_curl'] >= 1.5))
        out.append(('many N=100 https: ringfetch CPU µs/file <= 0.7x curl',
                    '%.3fx%s (%.1f vs %.1f µs)' % (rf['cpu_vs_curl'], range_text(rf, 'cpu_vs_curl'),
                                                   rf['cpu_us_per_file'], cu['cpu_us_per_file']),
                    rf['cpu_vs_curl'] <= 0.7))
    plain = Key('tmpfs', 'many', 100)
    cost = {}
    for tool in ('ringfetch', BASELINE):
        a, b = _row(table, key, tool), _row(table, plain, tool)
        if a and b and a['ok'] and b['ok'] and b['cpu_us_per_file']:
            cost[tool] = a['cpu_us_per_file'] / b['cpu_us_per_file']
    if len(cost) == 2:
        out.append(('cost of TLS (CPU/file https / http, many N=100): ringfetch <= curl',
                    'ringfetch %.2fx, curl %.2fx' % (cost['ringfetch'], cost[BASELINE]),
                    cost['ringfetch'] <= cost[BASELINE]))
    for key in sorted(k for k in table if k.target == 'tmpfs' and k.corpus == 'big'
                      and k.server == 'https'):
        rows = [r for r in table[key] if r['ok']]
        rf = _row(table, key, 'ringfetch')
        peers = [r for r in rows if r['tool'] != 'ringfetch']
        if rf and rf['ok'] and peers:
            best = max(peers, key=lambda r: r['mb_per_s'])
            out.append(('big N=%d https: ringfetch MB/s >= 1.2x the best peer' % key.n,
                        '%.0f vs %.0f MB/s (%s)' % (rf['mb_per_s'], best['mb_per_s'], best['tool']),
                        rf['mb_per_s'] >= 1.2 * best['mb_per_s']))
        if rf and rf['ok']:
            out.append(('big N=%d https: ringfetch peak RSS <= 32 MiB' % key.n,
                        '%.1f MiB (max over runs)' % rf['rss_mib_max'], rf['rss_mib_max'] <= 32))
    return out


def _multiple(multiples, key, tool='ringfetch'):
    return next((m for m in multiples if m['key'] == str(key) and m['tool'] == tool), None)


def _x_text(m):
    rng = m.get('x_discard_range')
    return '%.2fx%s (%.1f µs vs floor %.1f + network %.1f)' % (
        m['x_discard'], ' (%.2f–%.2f)' % tuple(rng) if rng and rng[0] != rng[1] else '',
        m['cpu_us_per_file'], m['floor_us'], m['discard_us'])


def disk_many(table, multiples):
    """Issue 15 (and issue 13 item 5): many at N=100 on each file system made."""
    out = []
    for fs in FILE_SYSTEMS:
        key = Key(fs, 'many', 100)
        rf, cu = _row(table, key, 'ringfetch'), _row(table, key, BASELINE)
        if rf and cu and rf['ok'] and cu['ok']:
            out.append(('many N=100 %s: ringfetch files/s >= 1.5x curl' % fs,
                        '%.3fx%s' % (rf['fps_vs_curl'], range_text(rf, 'fps_vs_curl')),
                        rf['fps_vs_curl'] >= 1.5))
            out.append(('many N=100 %s: ringfetch CPU µs/file <= 0.8x curl' % fs,
                        '%.3fx%s (%.1f vs %.1f µs)' % (rf['cpu_vs_curl'],
                                                       range_text(rf, 'cpu_vs_curl'),
                                                       rf['cpu_us_per_file'],
                                                       cu['cpu_us_per_file']),
                        rf['cpu_vs_curl'] <= 0.8))
        m = _multiple(multiples, key)
        if m and m['x_discard'] is not None:
            out.append(('many N=100 %s: ringfetch CPU/file <= 1.2x (floor of its way + '
                        'network)' % fs, _x_text(m), m['x_discard'] <= 1.2))
    return out


def disk_big(table, multiples):
    """Issue 15: big at N=1 and N=8 on ext4 against the best other tool."""
    out = []
    for key in sorted(k for k in table if k.target == 'ext4' and k.corpus == 'big'
                      and k.server == 'plain'):
        rf = _row(table, key, 'ringfetch')
        peers = [r for r in table[key] if r['ok'] and not r['tool'].startswith('ringfetch')
                 and r['tool'] != 'rf-discard']
        if rf and rf['ok'] and peers:
            best = max(peers, key=lambda r: r['mb_per_s'])
            out.append(('big N=%d ext4: ringfetch MB/s >= 1.3x the best peer' % key.n,
                        '%.0f vs %.0f MB/s (%s): %.2fx' % (rf['mb_per_s'], best['mb_per_s'],
                                                          best['tool'],
                                                          rf['mb_per_s'] / best['mb_per_s']),
                        rf['mb_per_s'] >= 1.3 * best['mb_per_s']))
    return out


def floor_tmpfs(table, multiples):
    """Issue 13 item 1: many at N=100 on tmpfs against its floor."""
    m = _multiple(multiples, Key('tmpfs', 'many', 100))
    if not m or m['x_discard'] is None:
        return []
    return [('many N=100 tmpfs: ringfetch CPU/file <= 1.15x (floor of its way + network)',
             _x_text(m), m['x_discard'] <= 1.15)]


def floor_every_row(table, multiples):
    """Issue 13 item 1: ringfetch's CPU per file as a multiple of (the floor
    of the way it used + the network cost per request), for every corpus,
    N and destination measured; no target (met None) except where
    floor_tmpfs and disk_many set one (many at N=100), which they report.
    With wrk's CPU per request as the network cost beside it for many."""
    out = []
    for m in multiples:
        if m['tool'] != 'ringfetch' or m['x_discard'] is None:
            continue
        if m['corpus'] == 'many' and m['n'] == 100:
            continue
        text = _x_text(m)
        if m.get('x_wrk') is not None:
            text += '; with wrk as the network: %.2fx' % m['x_wrk']
        out.append(('%s N=%d %s: ringfetch CPU/file as a multiple of (floor of its way + '
                    'network)' % (m['corpus'], m['n'], m['target']), text, None))
    return out


GOALS = [many_tmpfs, big_tmpfs, flags_tmpfs, https_tmpfs]
FLOOR_GOALS = [floor_tmpfs, disk_many, disk_big, floor_every_row]


def targets(table, multiples=()):
    """Every goal's checks, in GOALS then FLOOR_GOALS order."""
    return [t for goal in GOALS for t in goal(table)] + \
        [t for goal in FLOOR_GOALS for t in goal(table, list(multiples))]
