"""bench/run's command line: what to measure (parse_args), measuring it
(main), and publishing the results (publish: report, JSON, plot, headline,
exit status)."""

import argparse
import datetime
import os
import platform
import shutil
import signal
import sys
import tempfile
import time

from . import floor, hosts, install, load, measure, report, rows, stats
from .common import REPO, RESULTS, log, repo_path
from .corpora import ALL_CORPORA, BULK, make_corpora
from .destinations import FILE_SYSTEMS, Disk, LoopFs, Tmpfs, Unavailable
from .goals import targets
from .peers import (ALL_TOOLS, BASELINE_PEER, BY_NAME, PEERS, Spec, add_peer, aiohttp_python,
                    baseline_peer, write_lists)
from .plot import plot
from .servers import SERVERS, Nginx

ALL_CONC = [1, 10, 100]
STRACE_ROW = ('many', 100)  # the cross-check's corpus and N (tmpfs, plain HTTP)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description='Benchmark ringfetch against curl, wget2, aria2c and an aiohttp client.')
    ap.add_argument('--quick', action='store_true',
                    help='one round of many at N=100: ringfetch, curl, wget2 (< 1 minute)')
    # Five, not three: on a small shared VM single runs vary by +-30%.
    ap.add_argument('--rounds', type=int, default=5, help='counted rounds (default 5)')
    ap.add_argument('--warmups', type=int, default=1, help='discarded warm-up rounds (default 1)')
    ap.add_argument('--corpora', default=None, help='comma list of ' + ','.join(ALL_CORPORA))
    ap.add_argument('--tools', default=None, help='comma list of ' + ','.join(ALL_TOOLS))
    ap.add_argument('--conc', default=None, help='comma list of concurrencies (default 1,10,100)')
    ap.add_argument('--big-conc', default=None,
                    help='concurrencies for big (default: --conc capped at the 8 files: 1,8)')
    ap.add_argument('--disk', nargs='?', const='', default=None, metavar='DIR',
                    help='also download into a folder on disk (default: WORK/disk)')
    ap.add_argument('--fs', default=None, metavar='LIST',
                    help='file systems to make on loop-mounted images and download into: comma '
                    'list of %s, or none (default: all of them; none with --quick and --hosts); one the '
                    'machine cannot make or mount is skipped with a note' % ','.join(FILE_SYSTEMS))
    ap.add_argument('--fs-size', type=int, default=1536, metavar='MIB',
                    help='size of each file-system image (default 1536 MiB: big fits with room)')
    ap.add_argument('--floor-rounds', type=int, default=3,
                    help='rounds of the file-creation floor per destination and corpus (default 3)')
    ap.add_argument('--work', default=os.environ.get('RF_BENCH_WORK', '/var/tmp/ringfetch-bench'),
                    help='cache for corpora, lists and the tmpfs mount point')
    ap.add_argument('--build', default=os.environ.get('RF_BUILD') or 'build',
                    help='folder with ringfetch, flags2, mkcorpus (default $RF_BUILD or build)')
    ap.add_argument('--no-install', action='store_true', help='never run apt-get')
    ap.add_argument('--no-wrk', action='store_true', help='skip the wrk ceiling')
    ap.add_argument('--wrk-seconds', type=int, default=5)
    ap.add_argument('--wrk-runs', type=int, default=None,
                    help='wrk runs per N, the best is the ceiling (default 3; 1 with --quick)')
    ap.add_argument('--baseline', metavar='BUILD', default=None,
                    help='also run ringfetch from another build folder (e.g. the previous '
                    'commit), interleaved with this one: an A/B of two versions')
    ap.add_argument('--servers', default=None,
                    help='comma list of server configs: plain (HTTP), https (nginx with TLS; '
                    'default: both, plain only with --quick)')
    ap.add_argument('--hosts', action='store_true',
                    help='only the many-hosts row (many at N=100 over 20 names from a local '
                    'dnsmasq: ringfetch, curl, aria2c) and the dead-DNS time to first file; '
                    'writes bench/results/hosts.* (see rfbench/hosts.py)')
    ap.add_argument('--load', action='store_true',
                    help='the load section instead: ringload against wrk (plain and pipelined) '
                    'and h2load --h1, io_uring against epoll; writes bench/results/load.* '
                    '(see rfbench/load.py)')
    ap.add_argument('--load-conc', default=None, help='--load: connections (default 1,10,100,1000)')
    ap.add_argument('--load-seconds', type=int, default=3, help='--load: seconds per run (default 3)')
    ap.add_argument('--load-rounds', type=int, default=3,
                    help='--load: counted rounds (default 3, after --warmups)')
    ap.add_argument('--no-big', action='store_true', help='--load: skip the c=10,000 runs')
    ap.add_argument('--replot', metavar='NAME', default=None,
                    help='only redraw bench/results/NAME.png from NAME.json')
    ap.add_argument('--out', default=None, help='report name in bench/results (default latest, '
                    'or quick with --quick)')
    return ap.parse_args(argv)


def choose(args):
    """What to measure, from the options: (corpus names, tool names, N list,
    conc_for(corpus name) -> N list, report name). Also settles --quick's
    rounds and wrk runs in args."""
    if args.quick:
        corpora_names = ['many']
        tools = ['ringfetch', 'curl', 'wget2']
        conc = [100]
        args.rounds, args.warmups = 1, 0
        out_name = args.out or 'quick'
        args.wrk_runs = args.wrk_runs or 1
    elif args.hosts:
        corpora_names, tools, conc = ['many'], ['ringfetch', 'curl', 'aria2c'], [hosts.ROW_N]
        out_name = args.out or 'hosts'
        args.servers = args.servers or 'hosts'
        args.no_wrk = True
        args.wrk_runs = args.wrk_runs or 1
    else:
        corpora_names = ALL_CORPORA
        tools = list(ALL_TOOLS)
        conc = ALL_CONC
        out_name = args.out or 'latest'
        args.wrk_runs = args.wrk_runs or 3
    if args.corpora:
        corpora_names = [c for c in args.corpora.split(',') if c]
    if args.tools:
        tools = [t for t in args.tools.split(',') if t]
    if args.baseline:
        add_peer(baseline_peer(repo_path(args.baseline)), after='ringfetch')
        if BASELINE_PEER not in tools:
            tools.insert(tools.index('ringfetch') + 1 if 'ringfetch' in tools else 0, BASELINE_PEER)
    if args.conc:
        conc = [int(x) for x in args.conc.split(',')]
    for c in corpora_names:
        if c not in ALL_CORPORA:
            raise SystemExit('bench: unknown corpus %r' % c)
    for t in tools:
        if t not in ALL_TOOLS:
            raise SystemExit('bench: unknown tool %r' % t)
    if stats.BASELINE not in tools:
        log('bench: %s is not in --tools: no ratios' % stats.BASELINE)
    # More than 8 in flight cannot differ from 8 with 8 files: cap big's N.
    big_conc = ([int(x) for x in args.big_conc.split(',')] if args.big_conc else
                sorted(set(min(n, BULK['big'][0]) for n in conc)))

    def conc_for(corpus_name):
        return big_conc if corpus_name == 'big' else conc
    return corpora_names, tools, conc, conc_for, out_name


def main(argv=None):
    """bench/run; returns its exit status."""
    given = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(given)
    t_start = time.monotonic()
    if args.replot:
        table = report.read_summary(os.path.join(RESULTS, args.replot + '.json'))
        why = plot(os.path.join(RESULTS, args.replot + '.png'), table, ALL_TOOLS)
        if why:
            log('bench: ' + why)
        return 1 if why else 0
    if args.load:
        if not args.no_install:
            install.install_missing([(install.commands_present('wrk'), 'wrk'),
                                     (install.commands_present('h2load'), 'nghttp2-client'),
                                     (install.commands_present('gnuplot'), 'gnuplot-nox'),
                                     (install.commands_present(Nginx.package[0]), Nginx.package[1])],
                                    True)
        args.rounds = args.load_rounds
        return load.main(args, given)
    corpora_names, tools, conc, conc_for, out_name = choose(args)

    build = repo_path(args.build)
    shared = repo_path(os.environ.get('RF_SHARED') or os.path.join('..', 'shared'))
    for prog in ('ringfetch', 'mkcorpus'):
        if not os.access(os.path.join(build, prog), os.X_OK):
            raise SystemExit('bench: %s/%s is not built (make BUILD=%s)' % (
                build, prog, args.build))

    needs = [(install.commands_present(Nginx.package[0]), Nginx.package[1])]
    needs += [(lambda p=p: p.available(build), p.package) for p in PEERS if p.package]
    needs += [(install.commands_present(cmd), pkg) for cmd, pkg in install.TOOLS]
    if not args.quick and (not args.servers or 'hosts' in args.servers.split(',')):
        needs.append((install.commands_present(hosts.Dnsmasq.package[0]), hosts.Dnsmasq.package[1]))
    if install.install_missing(needs, not args.no_install):
        aiohttp_python.cache_clear()
    work = args.work
    os.makedirs(work, exist_ok=True)
    # many is always made: the cross-check and wrk use it.
    root, flags_dir, corpora = make_corpora(corpora_names + (['many'] if 'many' not in
                                                              corpora_names else []),
                                            work, build, shared)
    lists_dir = tempfile.mkdtemp(prefix='rfbench-lists-', dir=work)
    spawner = measure.Spawner(lists_dir)
    log('bench: %s' % spawner.note)
    os.makedirs(RESULTS, exist_ok=True)

    # SIGTERM (make's or a timeout's) must still unmount and stop nginx.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = Nginx(root, flags_dir)
    names = ([x for x in args.servers.split(',') if x] if args.servers else
             ['plain'] if args.quick else list(SERVERS))
    for x in names:
        if x not in SERVERS:
            raise SystemExit('bench: unknown server config %r' % x)
    # plain is always started: the cross-check and wrk use it.
    servers = [server] + [SERVERS[x](root, flags_dir) for x in names if x != 'plain']
    destinations = [lambda: Tmpfs(os.path.join(work, 'tmpfs'))]
    if args.disk is not None:
        destinations.append(lambda: Disk(args.disk or os.path.join(work, 'disk')))
    for fs in choose_fs(args):
        destinations.append(lambda fs=fs: LoopFs(fs, work, args.fs_size))
    floor_prog = floor.FloorProgram(lists_dir)
    if floor_prog.note:
        log('bench: ' + floor_prog.note)
    runs, limits, strace, notes = [], {'wrk': [], 'fs': {}, 'floor': {}}, [], []
    hosts_srv = next((s for s in servers if s.name == 'hosts'), None)
    ttfb = []
    try:
        for srv in servers:
            srv.start()
        logs = os.path.join(lists_dir, 'logs')
        runner = measure.Runner(spawner, logs)
        present = [BY_NAME[t] for t in tools if BY_NAME[t].available(build)]
        for t in tools:
            if not BY_NAME[t].available(build):
                log('bench: %s is not available: skipped' % t)
        for make in destinations:
            made = make()
            try:
                dest = made.__enter__()
            except Unavailable as e:
                log('bench: %s: not measured: %s' % (made.name, e))
                notes.append('%s not measured: %s' % (made.name, e))
                continue
            try:
                notes.append(dest.note)
                plan = rows.plan(dest, [s for s in servers if s.name in names],
                                 [corpora[c] for c in corpora_names], conc_for, present)
                for row in plan:
                    runs += rows.run_row(row, runner, lists_dir, build, args.warmups,
                                         args.rounds)
                if floor_prog.path and args.floor_rounds > 0:
                    ways = {}
                    for cname in dict.fromkeys(row.corpus.name for row in plan):
                        ways[cname] = floor.measure(floor_prog, dest, corpora[cname],
                                                    args.floor_rounds)
                    limits['floor'][dest.name] = ways
                    fs = floor.fs_summary(ways.get('many', {}))
                    if fs:
                        limits['fs'][dest.name] = fs
                if dest.name == 'tmpfs' and BY_NAME['ringfetch'] in present:
                    strace.append(cross_check(dest, server, corpora, lists_dir, build, logs))
                    if hosts_srv:
                        ttfb = hosts.measure_ttfb(build, hosts_srv, dest, lists_dir, logs,
                                                  args.warmups, args.rounds)
            finally:
                made.__exit__(None, None, None)
        if not args.no_wrk:
            # wrk's own thread competes with nginx for 2 cores, so one 5-second
            # run can land far below the ceiling: the best of wrk_runs is the
            # ceiling.
            for n in conc:
                tries = [measure.wrk(spawner, logs, server, n, corpora['many'].items[0][0],
                                     args.wrk_seconds) for _ in range(args.wrk_runs)]
                good = [w for w in tries if 'rps' in w]
                w = max(good, key=lambda w: w['rps']) if good else tries[0]
                w['rps_runs'] = [t.get('rps') for t in tries]
                limits['wrk'].append(w)
                log('  wrk -c %d: %s' % (n, w['rps_runs'] if good else w.get('error')))
        commands = command_lines(present, corpora.get('flags') or corpora['many'], server,
                                 build, args.build)
        if hosts_srv:
            limits['hosts'] = hosts.summarise(runs, ttfb, hosts_srv)
    finally:
        for srv in servers:
            srv.stop()
        shutil.rmtree(lists_dir, ignore_errors=True)

    meta = {
        'title': 'quick' if args.quick else 'many hosts' if args.hosts else 'full run',
        'reproduce': ('bench/run --quick' if args.quick else 'make bench') if
        len(given) <= (1 if args.quick else 0) else 'bench/run ' + ' '.join(given),
        'date': datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
        'elapsed_s': time.monotonic() - t_start,
        'cpu': report.cpu_model(), 'kernel': platform.release(), 'tmpfs': '; '.join(notes),
        'tools': [p.name for p in present], 'warmups': args.warmups, 'rounds': args.rounds,
        'wrk_seconds': args.wrk_seconds, 'wrk_runs': args.wrk_runs,
        'versions': report.tool_versions(), 'big_conc': conc_for('big'), 'spawn': spawner.note,
    }
    return publish(RESULTS, out_name, meta, runs, limits, strace, corpora, commands, tools,
                   t_start)


def choose_fs(args):
    """The file systems to make, from --fs (none with --quick or --hosts unless
    asked)."""
    if args.fs is None:
        return [] if args.quick or args.hosts else list(FILE_SYSTEMS)
    wanted = [x for x in args.fs.split(',') if x and x != 'none']
    for x in wanted:
        if x not in FILE_SYSTEMS:
            raise SystemExit('bench: unknown file system %r (known: %s)' % (
                x, ','.join(FILE_SYSTEMS)))
    return wanted


def cross_check(dest, server, corpora, lists_dir, build, logs):
    """ringfetch's io_uring_enter count against strace's, on STRACE_ROW."""
    cname, n = STRACE_ROW
    row = rows.Row(corpora[cname], n, dest, server, [BY_NAME['ringfetch']])
    urls, cfg = write_lists(row.corpus, server, lists_dir)
    spec = row.spec(BY_NAME['ringfetch'], os.path.join(dest.path, 'out'), urls, cfg, build)
    return measure.strace_check(BY_NAME['ringfetch'], spec, logs)


def command_lines(peers, corpus, server, build, build_arg):
    """{peer: its command line as the report shows it}, with placeholders."""
    out = {}
    for p in peers:
        spec = Spec(corpus, 'N', 'DIR', 'LIST', 'CFG', server, build, server.peer_args(p.name))
        out[p.name] = (' '.join(p.command(spec)).replace(build + '/', '%s/' % build_arg)
                       .replace(REPO + '/', '').replace(server.url(''), server.placeholder_url()))
    return out


def publish(results_dir, out_name, meta, runs, limits, strace, corpora, commands, tools,
            t_start, draw=True):
    """Writes NAME.md, NAME.json and NAME.png in results_dir, prints the
    headline; returns bench/run's exit status: 1 when a counted run failed
    or the io_uring_enter cross-check failed (stats.failures), else 0. The
    report is written either way, so the failures can be read there."""
    table = stats.summarise(runs, tools)
    multiples = floor.multiples(runs, limits)
    tgt = targets(table, multiples) + hosts.targets(limits)
    md = os.path.join(results_dir, out_name + '.md')
    report.write_md(md, meta, table, corpora, limits, strace, tgt, commands, multiples)
    hosts.append_md(md, limits)
    report.write_json(os.path.join(results_dir, out_name + '.json'), meta, runs, limits,
                      strace, table, tgt, multiples)
    png = os.path.join(results_dir, out_name + '.png')
    why = plot(png, table, tools) if draw else 'not drawn'
    print(report.headline(table, tgt))
    print('')
    for s in strace:
        print('io_uring_enter cross-check (%s N=%s): %s' % (
            s.get('corpus'), s.get('n'), 'not run: ' + s['skipped'] if s.get('skipped') else
            'strace %s calls, --stats %s enters: %s' % (
                s.get('strace_calls'), s.get('stats_enters'),
                'FAILED' if s.get('failed') else 'equal')))
    for target, fl in limits['fs'].items():
        print('fs floor (%s): %.0f files/s' % (target, fl['files_per_s']))
    for m in multiples:
        if m['corpus'] == 'many' and m['n'] == 100:
            print('%s on %s, many N=100: CPU/file %.1f us = %s x (floor %.1f + discard %s)' % (
                m['tool'], m['target'], m['cpu_us_per_file'], report.fmt(m['x_discard'], '%.2f'),
                m['floor_us'], report.fmt(m['discard_us'], '%.1f')))
    for w in limits['wrk']:
        print('wrk -c %d: %s req/s' % (w['n'], report.fmt(w.get('rps'))))
    print('report: %s%s (%.0f s)' % (os.path.relpath(md), '' if why else ', ' +
                                     os.path.relpath(png), time.monotonic() - t_start))
    if why:
        log('bench: no plot: %s' % why)
    failed = stats.failures(runs, strace) + hosts.failures(limits)
    for why in failed:
        log('bench: FAILED: %s' % why)
    if failed:
        log('bench: %d failure(s) (see %s): exit status 1' % (len(failed), md))
        return 1
    return 0
