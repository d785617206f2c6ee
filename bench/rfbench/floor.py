"""The floor (issue 13 item 1, issue 15): what creating a corpus's files costs
on a destination when nothing else is done, one way at a time, and
ringfetch's CPU per file as a multiple of what it cannot avoid.

  ways       bench/fsfloor.c (compiled at run time, like bench/spawn.c)
             writes the corpus's files synchronously, one process, each way
             a file can be created (final name directly: curl's; a named
             temporary + rename: the sink's fallback; O_TMPFILE + linkat:
             the sink's default), interleaved in rounds, on every
             destination; CPU µs per file, measured around its loop only.
             The sink's own ways are 'tmpfile' and 'named'; 'final' is
             what a tool that writes under the final name pays, and
             'tmpfile-proc' what the sink pays where the kernel refuses to
             link by descriptor. 'tmpfile-ring' makes the tmpfile way
             through io_uring, 100 files at once, one io-wq worker on a
             disk, as the sink does there: not a floor but what handing the
             calls to io_uring's workers costs with nothing else to do (on
             tmpfs the sink makes these calls at once for small plain-HTTP
             bodies, so for many there it is what that saves; for big it is
             the sink's way).
  multiples  ringfetch's CPU per file over (the floor of the way it used,
             from its --stats: files_tmpfile / files_named) + (the network
             cost per request with nothing written): ringfetch --discard
             (the rf-discard peer, same row, same rounds) and, for `many`,
             wrk's CPU per request at the same N. Per round, then the median
             and range, like the ratios to curl.

A multiple of 1.0 means ringfetch costs exactly its two parts done apart;
what is above is the price of doing them together (the io-wq hand-offs,
completions, locks)."""

import json
import os
import subprocess
import time

from .common import BENCH, KIB, clear_dir, log, which
from .stats import Key, median, spread

WAYS = ('final', 'named', 'tmpfile', 'tmpfile-proc', 'tmpfile-ring')
WAY_TEXT = {'final': 'open the final name, write, close (curl\'s way)',
            'named': 'open an exclusive temporary name, write, close, rename (NAME.part\'s '
                     'way; the sink\'s fallback)',
            'tmpfile': 'O_TMPFILE, write, linkat by descriptor, close (the sink\'s default; '
                       'through /proc where the kernel refuses, as the sink)',
            'tmpfile-proc': 'the same, linked through /proc/self/fd/N (the sink where '
                            'linking by descriptor is refused)',
            'tmpfile-ring': 'the tmpfile way through io_uring, 100 files at once, each step '
                            'submitted when the one before completes, one io-wq worker on ext4, '
                            'xfs and btrfs (the sink\'s way on a disk; not synchronous, so not a '
                            'floor: what io_uring\'s workers cost with nothing else to do)'}
# ringfetch's write size for big bodies: one receive buffer (RF_RECV_BUF_BYTES).
CHUNK = 64 * KIB
DISCARD_PEER = 'rf-discard'
FLOOR_TIMEOUT_S = 300


def ringfetch_like(tool):
    """ringfetch itself and a baseline build of it (bench/run --baseline)."""
    return tool == 'ringfetch' or tool.startswith('ringfetch-')


class FloorProgram:
    """bench/fsfloor.c, compiled into tmp; .path None (and .note why) when it
    does not compile."""

    def __init__(self, tmp):
        self.path, self.note = None, ''
        cc = which('cc') or which('gcc') or which('clang')
        if not cc:
            self.note = 'no C compiler: no floor'
            return
        exe = os.path.join(tmp, 'fsfloor')
        src = os.path.join(BENCH, 'fsfloor.c')
        # With liburing for the tmpfile-ring way; without it that way reports
        # itself unavailable and the others are measured as ever.
        r = subprocess.run([cc, '-O2', '-std=c11', '-DFLOOR_RING', '-o', exe, src, '-luring'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            r = subprocess.run([cc, '-O2', '-std=c11', '-o', exe, src],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            self.note = 'bench/fsfloor.c did not compile: ' + r.stdout.strip()[-200:]
            return
        self.path = exe

    def run(self, way, d, files, size):
        """One measurement: a dict from fsfloor's JSON line, or {'error': why}."""
        r = subprocess.run([self.path, way, d, str(files), str(size), str(min(CHUNK, size) or 1)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=FLOOR_TIMEOUT_S)
        if r.returncode == 77:
            return {'unavailable': r.stderr.strip()}
        if r.returncode != 0:
            return {'error': 'exit %d: %s' % (r.returncode, r.stderr.strip()[-200:])}
        res = json.loads(r.stdout.strip().splitlines()[-1])
        made = len(os.listdir(d))
        if made != files:
            return {'error': '%d files made, %d asked' % (made, files)}
        return res


def measure(prog, dest, corpus, rounds):
    """{way: summary} for corpus's files (its count, at its mean size) on
    dest, the ways interleaved in rounds; a way the file system refuses is
    {'unavailable': why}."""
    files = corpus.files
    size = corpus.bytes // max(1, files)
    d = os.path.join(dest.path, 'floor')
    got = {w: [] for w in WAYS}
    for rnd in range(rounds):
        # Each round starts with another way, so that no way always runs
        # first after the previous round's files were removed.
        for way in WAYS[rnd % len(WAYS):] + WAYS[:rnd % len(WAYS)]:
            clear_dir(d)
            if dest.sync_before_run:
                os.sync()  # the previous round's writeback must not land in this one
            time.sleep(dest.settle_s)  # destinations.DISK_SETTLE_S
            got[way].append(prog.run(way, d, files, size))
    clear_dir(d)
    os.rmdir(d)
    out = {}
    for way, rs in got.items():
        ok = [r for r in rs if 'files' in r]
        bad = [r for r in rs if 'files' not in r]
        if not ok:
            out[way] = {'unavailable': bad[0]['unavailable']} if 'unavailable' in bad[0] else \
                {'error': bad[0].get('error')}
            continue
        cpu = [1e6 * (r['user_s'] + r['sys_s']) / r['files'] for r in ok]
        fps = [r['files'] / r['wall_s'] for r in ok]
        out[way] = {'files': files, 'size': size, 'runs': len(ok), 'failed_runs': len(bad),
                    'cpu_us_per_file': median(cpu), 'cpu_us_per_file_range': spread(cpu),
                    'files_per_s': median(fps), 'files_per_s_range': spread(fps)}
    log('  %-5s floor %-6s %s' % (dest.name, corpus.name, '  '.join(
        '%s %s' % (w, '%.1f us/file' % s['cpu_us_per_file'] if 'cpu_us_per_file' in s else
                   'n/a') for w, s in out.items())))
    return out


def way_used(stats):
    """'tmpfile', 'named' or 'mixed' from a ringfetch run's --stats, or None."""
    if not stats or 'files_tmpfile' not in stats:
        return None
    t, n = stats.get('files_tmpfile', 0), stats.get('files_named', 0)
    return 'tmpfile' if n == 0 else 'named' if t == 0 else 'mixed'


def _floor_of(ways, stats):
    """The floor, µs per file, of the way(s) one run used (weighted when mixed)."""
    t, n = stats.get('files_tmpfile', 0), stats.get('files_named', 0)
    parts = [(t, ways.get('tmpfile', {})), (n, ways.get('named', {}))]
    if t + n == 0 or any(k and 'cpu_us_per_file' not in w for k, w in parts):
        return None
    return sum(k * w['cpu_us_per_file'] for k, w in parts if k) / (t + n)


def multiples(runs, limits):
    """[{key, tool, ...}] for every ringfetch-like tool in every row whose
    destination has a measured floor: the multiple of (floor + rf-discard)
    and of (floor + wrk) per round, their medians and ranges."""
    floors = limits.get('floor', {})
    wrk = {w['n']: 1e6 * w['cpu_s'] / w['requests'] for w in limits.get('wrk', [])
           if w.get('requests')}
    groups = {}
    for r in runs:
        if r['warmup'] or r['failed']:
            continue
        groups.setdefault(Key.of(r), {}).setdefault(r['round'], {})[r['tool']] = r
    out = []
    for key in sorted(groups, key=str):
        ways = floors.get(key.target, {}).get(key.corpus)
        if not ways or key.server != 'plain':
            continue
        tools = sorted({t for rnd in groups[key].values() for t in rnd if ringfetch_like(t)})
        for tool in tools:
            cpu, floor_us, disc, x_disc, x_wrk, used = [], [], [], [], [], set()
            for rnd, by_tool in groups[key].items():
                me = by_tool.get(tool)
                if not me or not me.get('stats'):
                    continue
                f = _floor_of(ways, me['stats'])
                if f is None:
                    continue
                used.add(way_used(me['stats']))
                mine = 1e6 * me['cpu_s'] / me['files']
                cpu.append(mine)
                floor_us.append(f)
                d = by_tool.get(DISCARD_PEER)
                if d:
                    du = 1e6 * d['cpu_s'] / d['files']
                    disc.append(du)
                    x_disc.append(mine / (f + du))
                if key.corpus == 'many' and key.n in wrk:
                    x_wrk.append(mine / (f + wrk[key.n]))
            if not cpu:
                continue
            out.append({'key': str(key), 'target': key.target, 'corpus': key.corpus, 'n': key.n,
                        'tool': tool, 'rounds': len(cpu), 'cpu_us_per_file': median(cpu),
                        'way': used.pop() if len(used) == 1 else 'mixed',
                        'floor_us': median(floor_us), 'discard_us': median(disc),
                        'wrk_us': wrk.get(key.n) if key.corpus == 'many' else None,
                        'x_discard': median(x_disc), 'x_discard_range': spread(x_disc),
                        'x_wrk': median(x_wrk), 'x_wrk_range': spread(x_wrk)})
    return out


def fs_summary(ways):
    """The old limits['fs'] entry (a median files/s and CPU per file of
    writing under the final name) from the 'final' way's figures."""
    f = ways.get('final', {})
    if 'cpu_us_per_file' not in f:
        return None
    return {k: f[k] for k in ('files', 'size', 'runs', 'files_per_s', 'files_per_s_range',
                              'cpu_us_per_file', 'cpu_us_per_file_range')}
