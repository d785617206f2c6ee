"""The issues' targets, checked on one run's figures: (name, measured, met).
A target is met or not on the median; the measured text carries the range
over rounds beside it when rounds disagree. New rows' targets (HTTPS, disks,
the floor) are added as functions to GOALS."""

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


GOALS = [many_tmpfs, big_tmpfs, flags_tmpfs, https_tmpfs]


def targets(table):
    """Every goal's checks, in GOALS order."""
    return [t for goal in GOALS for t in goal(table)]
