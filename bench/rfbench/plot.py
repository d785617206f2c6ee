"""The chart: files/s and client CPU µs/file per destination and corpus (one
row of two panels each: tmpfs first, then the file systems the run made),
clusters by N, one bar per tool; gnuplot draws it."""

import os
import shutil
import subprocess
import tempfile

from .common import which
from .corpora import ALL_CORPORA
from .report import TARGET_ORDER

COLOURS = {'ringfetch': '#9400d3', 'flags2': '#c080ff', 'curl': '#009e73', 'wget2': '#56b4e9',
           'aria2c': '#e69f00', 'aiohttp': '#f0e442', 'rf-discard': '#d0b0e0',
           'ringfetch-base': '#5a005a'}
OTHER_COLOUR = '#808080'  # a peer added without a colour of its own


def plot(path_png, table, tools, server='plain'):
    """Draws path_png from the summary table; '' on success, else why not."""
    gp = which('gnuplot')
    if not gp:
        return 'gnuplot not installed'
    keys = [k for k in table if k.server == server]
    targets = sorted({k.target for k in keys}, key=lambda t: (
        TARGET_ORDER.index(t) if t in TARGET_ORDER else len(TARGET_ORDER), t))
    panels = [(t, c) for t in targets for c in ALL_CORPORA
              if any(k.target == t and k.corpus == c for k in keys)]
    if not panels:
        return 'nothing to plot'
    tmp = tempfile.mkdtemp(prefix='rfbench-plot-')
    try:
        script = ['set terminal pngcairo size 1500,%d font ",10"' % (380 * len(panels)),
                  'set output "%s"' % path_png,
                  'set style data histograms', 'set style histogram clustered gap 1',
                  'set style fill solid 0.85 border -1', 'set boxwidth 0.9',
                  'set datafile missing "?"', 'set key outside right top', 'set grid ytics',
                  'set yrange [0:*]',
                  'set multiplot layout %d,2 title "ringfetch bench (median of counted '
                  'rounds)"' % len(panels)]
        for target, c in panels:
            ckeys = sorted((k for k in keys if k.corpus == c and k.target == target),
                           key=lambda k: k.n)
            present = [t for t in tools if any(r['tool'] == t for k in ckeys
                                               for r in table[k])]
            for metric, title in (('files_per_s', 'files/s (higher is better)'),
                                  ('cpu_us_per_file', 'client CPU µs/file (lower is better)')):
                dat = os.path.join(tmp, '%s-%s-%s.dat' % (target, c, metric))
                with open(dat, 'w') as f:
                    f.write('N ' + ' '.join(present) + '\n')
                    for k in ckeys:
                        vals = []
                        for t in present:
                            r = next((r for r in table[k] if r['tool'] == t), None)
                            vals.append('%.3f' % r[metric] if r and r['ok'] else '?')
                        f.write('N=%d %s\n' % (k.n, ' '.join(vals)))
                script.append('set title "%s on %s: %s"' % (c, target, title))
                script.append('colours = "%s"' % ' '.join(COLOURS.get(t, OTHER_COLOUR)
                                                          for t in present))
                script.append('plot for [i=2:%d] "%s" using i:xtic(1) title columnheader(i) '
                              'lc rgb word(colours, i-1)' % (len(present) + 1, dat))
        script.append('unset multiplot')
        sp = os.path.join(tmp, 'plot.gp')
        with open(sp, 'w') as f:
            f.write('\n'.join(script) + '\n')
        r = subprocess.run([gp, sp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            return 'gnuplot failed: ' + r.stdout.strip()[-300:]
        return ''
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
