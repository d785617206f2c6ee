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


GOALS = [many_tmpfs, big_tmpfs, flags_tmpfs]


def targets(table):
    """Every goal's checks, in GOALS order."""
    return [t for goal in GOALS for t in goal(table)]
