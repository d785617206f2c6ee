"""Many hosts, and a name server that never answers (issue 11, Performance).

    the row   the `many` corpus (10,000 x 8 KiB) over 20 host names,
              h01.bench.test ... h20.bench.test, file i on host i mod 20 (so
              consecutive URLs change host), at N=100; one nginx listens on
              127.0.0.2 ... 127.0.0.21 (and on 127.0.0.1, where the runner
              checks it is up); the names come from a dnsmasq the bench starts:
                ringfetch -m 100 --max-per-host 8 --dns-servers DNS
                aria2c -j 100 -x 1 --async-dns-server=ADDR: aria2's only
                       per-server cap is -x, connections per download (it has
                       none across downloads); its option takes addresses
                       without a port, so dnsmasq listens on port 53 of
                       127.0.0.22 when the bench may bind it (root), and
                       aria2c is left out of the row when it may not
                curl --parallel-max 100 --resolve NAME:PORT:ADDR (x 20):
                       Debian's curl has the threaded resolver, which cannot be
                       given a name server (--dns-servers needs c-ares), so it
                       is handed the names and makes no lookup at all
              Every peer reuses its connections per host. Targets: ringfetch
              >= 1.5x the best peer's files/s (the median of same-round
              ratios), and exactly 20 lookups per ringfetch run.
    dead DNS  a list of 1,000 items of dead.bench.test, which dnsmasq
              forwards to a UDP socket that never answers, then 100 items of
              h01.bench.test; the time from the bench starting ringfetch
              (exec and start-up included) until the first of the live
              items' files appears under its final name (inotify sees the
              link), against the same 100 items alone, in interleaved rounds.
              Target: under 100 ms. ringfetch runs with --timeout 2, so the
              dead items end (as errors) within seconds.

The row is a server config (HostsServer, registered in servers.SERVERS as
'hosts'): it joins every run that plans all server configs, and
`bench/run --hosts` runs it alone. summarise() turns its runs and the dead-DNS
runs into limits['hosts'], targets() and failures() judge it, append_md()
writes its section of the report. Only processes started here are signalled,
by pid."""

import ctypes
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
import zlib

from .common import clear_dir, log, which
from .measure import last_json
from .servers import SERVERS, Nginx
from .stats import Key, median, spread

NAMES = 20
PER_HOST = 8                 # ringfetch's --max-per-host in the row
ROW_N = 100
DOMAIN = 'bench.test'
DEAD = 'dead.' + DOMAIN
DNS_ADDR_53 = '127.0.0.22'   # past the 20 hosts' addresses
DEAD_ITEMS = 1000
LIVE_ITEMS = 100
TTFB_TIMEOUT_S = 2           # ringfetch --timeout: bounds the dead lookup, so a round ends
TTFB_TARGET_MS = 100.0
RATIO_TARGET = 1.5
RUN_LIMIT_S = 60


def host_name(i):
    return 'h%02d.%s' % (i + 1, DOMAIN)


def host_addr(i):
    return '127.0.0.%d' % (i + 2)


def host_index(path):
    """Which of the NAMES hosts serves path: file number mod NAMES for the
    bulk corpora's fNNNNNN.bin, a hash of the path for anything else."""
    m = re.search(r'(\d+)\.[a-z]+$', path)
    return (int(m.group(1)) if m else zlib.crc32(path.encode())) % NAMES


# ---------------------------------------------------------------- DNS


def dns_query(name, qtype=1, qid=0x4242):
    """A DNS query for name (type A by default), recursion desired."""
    q = b''.join(bytes([len(p)]) + p.encode() for p in name.split('.')) + b'\0'
    return struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 0) + q + struct.pack('>HH', qtype, 1)


def dns_rcode(reply):
    """The response code of a DNS reply (0: NOERROR), None when it is not one."""
    if len(reply) < 12 or not reply[2] & 0x80:
        return None
    return reply[3] & 0x0f


class Dnsmasq:
    """dnsmasq answering hNN.bench.test with 127.0.0.(NN+1), NXDOMAIN for
    any other name under bench.test (--local: no AAAA goes upstream),
    and forwarding dead.bench.test to a UDP socket of ours that is never
    read (a name server that never answers). No /etc/hosts, no resolv.conf.
    Listens on 127.0.0.22:53 when it can (aria2c's --async-dns-server takes
    no port), else on 127.0.0.1:PORT."""

    package = ('dnsmasq', 'dnsmasq-base')  # (command, Debian package)

    def __init__(self):
        self.proc = None
        self.hole = None
        self.addr, self.port = None, None
        self.why_not_53 = ''

    def start(self):
        exe = which('dnsmasq')
        if not exe:
            raise SystemExit('bench: dnsmasq is not installed (Debian dnsmasq-base; run '
                             'without --no-install)')
        self.hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.hole.bind(('127.0.0.1', 0))
        tries = [(DNS_ADDR_53, 53), ('127.0.0.1', None)]
        for addr, port in tries:
            port = port or _free_udp_port()
            why = self._try(exe, addr, port)
            if not why:
                self.addr, self.port = addr, port
                log('bench: dnsmasq pid %d on %s' % (self.proc.pid, self.server()))
                return self
            if port == 53:
                self.why_not_53 = why
                log('bench: dnsmasq cannot listen on %s:53 (%s): aria2c is left out of the '
                    'many-hosts row' % (addr, why))
        self.stop()
        raise SystemExit('bench: dnsmasq did not start: %s' % why)

    def _try(self, exe, addr, port):
        args = [exe, '-k', '--port=%d' % port, '--listen-address=' + addr, '--bind-interfaces',
                '--no-resolv', '--no-hosts', '--pid-file=', '--log-facility=-',
                '--local=/%s/' % DOMAIN,
                '--server=/%s/127.0.0.1#%d' % (DEAD, self.hole.getsockname()[1])]
        if os.geteuid() == 0:
            args.append('--user=root')
        args += ['--address=/%s/%s' % (host_name(i), host_addr(i)) for i in range(NAMES)]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 5
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.1)
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    why = self.proc.stderr.read().decode(errors='replace').strip()
                    self.proc.stderr.close()
                    self.proc = None
                    return why.splitlines()[-1] if why else 'exited'
                try:
                    s.sendto(dns_query(host_name(0)), (addr, port))
                    if dns_rcode(s.recvfrom(512)[0]) == 0:
                        return ''
                except OSError:
                    time.sleep(0.05)
        self._end()
        return 'no answer within 5 s'

    def server(self):
        """ringfetch's --dns-servers value."""
        return '%s:%d' % (self.addr, self.port)

    def _end(self):
        if self.proc is not None:
            self.proc.terminate()  # our own child, by pid
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stderr.close()
            self.proc = None

    def stop(self):
        self._end()
        if self.hole is not None:
            self.hole.close()
            self.hole = None


def _free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# ------------------------------------------------------------- the server


class HostsServer(Nginx):
    """The bench's nginx listening on the 20 hosts' addresses too, and the
    dnsmasq that names them. Rows: many at N=100 only."""

    name = 'hosts'

    def __init__(self, root, flags_dir):
        super().__init__(root, flags_dir)
        self.dns = Dnsmasq()

    def conf_text(self):
        text = super().conf_text()
        listen = 'listen 127.0.0.1:%d backlog=16384;' % self.port
        if listen not in text:
            raise SystemExit('bench: %s has no "%s" line to add the hosts to' % (
                self.template, listen))
        more = ''.join('\n        listen %s:%d backlog=16384;' % (host_addr(i), self.port)
                       for i in range(NAMES))
        return text.replace(listen, listen + more, 1)

    def start(self):
        super().start()
        try:
            self.dns.start()
        except BaseException:
            super().stop()
            raise
        return self

    def stop(self):
        self.dns.stop()
        super().stop()

    def url(self, path='', host=None):
        return 'http://%s:%d%s' % (host or host_name(host_index(path)), self.port, path)

    def placeholder_url(self):
        return 'http://hNN.%s:PORT' % DOMAIN

    def wants(self, corpus_name, n):
        return corpus_name == 'many' and n == ROW_N

    def resolve_args(self):
        """curl's --resolve options for the 20 names."""
        out = []
        for i in range(NAMES):
            out += ['--resolve', '%s:%d:%s' % (host_name(i), self.port, host_addr(i))]
        return out

    def peer_args(self, peer):
        if peer.startswith('ringfetch'):   # and a --baseline build's
            return ['--dns-servers', self.dns.server(), '--max-per-host', str(PER_HOST)]
        if peer == 'aria2c':
            if self.dns.port != 53:
                return None
            return ['--async-dns=true', '--async-dns-server=' + self.dns.addr]
        if peer == 'curl':
            return self.resolve_args()
        return None   # wget2, the aiohttp client: no way to give them the names

    def how_named(self, peer):
        """How peer learns the names, for the report."""
        if peer.startswith('ringfetch'):
            return 'dnsmasq (--dns-servers %s)' % self.dns.server()
        if peer == 'aria2c':
            return 'dnsmasq (--async-dns-server=%s, port 53)' % self.dns.addr
        if peer == 'curl':
            return '--resolve (no lookups: Debian curl cannot be given a name server)'
        return ''


SERVERS['hosts'] = HostsServer


# ------------------------------------------------------ dead DNS: TTFB


class Watch:
    """The times at which names of `wanted` appear in folder d (created or
    moved there), from inotify; None when inotify is not available."""

    IN_CREATE, IN_MOVED_TO = 0x100, 0x80

    def __init__(self, d, wanted):
        self.wanted = set(wanted)
        self.seen = {}
        self.stop = False
        self.fd = -1
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
        if fd < 0:
            raise OSError(ctypes.get_errno(), 'inotify_init1')
        self.fd = fd
        if libc.inotify_add_watch(fd, d.encode(), self.IN_CREATE | self.IN_MOVED_TO) < 0:
            err = ctypes.get_errno()
            os.close(fd)
            raise OSError(err, 'inotify_add_watch ' + d)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stop:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            now = time.monotonic()
            try:
                buf = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            at = 0
            while at + 16 <= len(buf):
                _, _, _, n = struct.unpack_from('iIII', buf, at)
                name = buf[at + 16:at + 16 + n].split(b'\0', 1)[0].decode(errors='replace')
                at += 16 + n
                if name in self.wanted and name not in self.seen:
                    self.seen[name] = now

    def close(self):
        self.stop = True
        self.thread.join()
        os.close(self.fd)


def ttfb_lists(server, lists_dir):
    """(dead-first list, live-only list, the live items' file names). The
    live items are files 1000..1099 of `many`, all on h01, after 1,000
    items of dead.bench.test (files 0..999: names that never collide)."""
    live = ['f%06d.bin' % (DEAD_ITEMS + i) for i in range(LIVE_ITEMS)]
    live_urls = [server.url('/many/' + n, host=host_name(0)) for n in live]
    dead_urls = [server.url('/many/f%06d.bin' % i, host=DEAD) for i in range(DEAD_ITEMS)]
    dead_first = os.path.join(lists_dir, 'ttfb-dead-first.urls')
    live_only = os.path.join(lists_dir, 'ttfb-live-only.urls')
    with open(dead_first, 'w') as f:
        f.write(''.join(u + '\n' for u in dead_urls + live_urls))
    with open(live_only, 'w') as f:
        f.write(''.join(u + '\n' for u in live_urls))
    return dead_first, live_only, live


def ttfb_command(build, server, lst, out_dir, n=ROW_N):
    return [os.path.join(build, 'ringfetch'), '-m', str(n), '--max-per-host', str(PER_HOST),
            '--dns-servers', server.dns.server(), '--timeout', str(TTFB_TIMEOUT_S), '-q',
            '--stats', '-o', out_dir, '-i', lst]


def ttfb_once(build, server, variant, lst, live, out_dir, logs):
    """One run: {'variant', 'first_ms', 'all_ms', 'wall_s', 'stats', 'failed'}."""
    clear_dir(out_dir)
    cmd = ttfb_command(build, server, lst, out_dir)
    watch = Watch(out_dir, live)
    out_p, err_p = os.path.join(logs, 'ttfb.out'), os.path.join(logs, 'ttfb.err')
    with open(out_p, 'wb') as out, open(err_p, 'wb') as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        try:
            rc = proc.wait(RUN_LIMIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()  # our own child, by pid
            rc = proc.wait()
        wall = time.monotonic() - t0
    time.sleep(0.05)  # the last events in flight
    watch.close()
    seen = sorted(watch.seen.values())
    with open(out_p, errors='replace') as f:
        st = last_json(f.read()) or {}
    with open(err_p, errors='replace') as f:
        err_text = f.read()
    dead = DEAD_ITEMS if variant == 'dead-first' else 0
    want = {'ok': LIVE_ITEMS, 'errors': dead, 'dns_lookups': 2 if dead else 1}
    got = {k: st.get(k) for k in want}
    r = {'variant': variant, 'rc': rc, 'wall_s': wall, 'files_seen': len(seen),
         'first_ms': 1e3 * (seen[0] - t0) if seen else None,
         'all_ms': 1e3 * (seen[-1] - t0) if len(seen) == LIVE_ITEMS else None,
         'stats': {k: st.get(k) for k in ('ok', 'errors', 'dns_lookups', 'elapsed_s')}}
    present = sorted(n for n in os.listdir(out_dir) if n in watch.wanted)
    if rc != (1 if dead else 0) or got != want:
        r['failed'] = 'exit status %s, %s (want %s): %s' % (
            rc, got, want, ' | '.join(err_text.strip().splitlines()[-2:])[:200])
    elif len(present) != LIVE_ITEMS or len(seen) != LIVE_ITEMS:
        r['failed'] = '%d live files saved, %d seen appear' % (len(present), len(seen))
    else:
        r['failed'] = ''
    clear_dir(out_dir)
    return r


def measure_ttfb(build, server, dest, lists_dir, logs, warmups, rounds):
    """The dead-DNS runs: dead-first and live-only, interleaved, warm-ups
    marked. [] with a log line when inotify cannot be used."""
    dead_first, live_only, live = ttfb_lists(server, lists_dir)
    out_dir = os.path.join(dest.path, 'ttfb')
    os.makedirs(logs, exist_ok=True)
    runs = []
    for rnd in range(warmups + rounds):
        for variant, lst in (('dead-first', dead_first), ('live-only', live_only)):
            try:
                r = ttfb_once(build, server, variant, lst, live, out_dir, logs)
            except OSError as e:
                log('bench: no time to first file: %s' % e)
                return runs
            r['round'], r['warmup'] = rnd - warmups, rnd < warmups
            runs.append(r)
            log('  ttfb  %-10s %s %s' % (variant, 'warm ' if r['warmup'] else 'r%d   ' % r['round'],
                                         'FAILED: ' + r['failed'] if r['failed'] else
                                         'first live file %.1f ms, all %d %.1f ms, run %.2f s' % (
                                             r['first_ms'], LIVE_ITEMS, r['all_ms'], r['wall_s'])))
    shutil.rmtree(out_dir, ignore_errors=True)
    return runs


# ---------------------------------------------------- figures and report


def summarise(runs, ttfb_runs, server=None, target='tmpfs'):
    """limits['hosts']: the row's figures per tool with the ratio of
    ringfetch's files/s to the best peer's (per round, then the median),
    ringfetch's lookups per run, and the dead-DNS figures; None when the row
    was not run."""
    key = Key(target, 'many', ROW_N, 'hosts')
    mine = [r for r in runs if Key.of(r) == key and not r['warmup']]
    if not mine and not ttfb_runs:
        return None
    tools = list(dict.fromkeys(r['tool'] for r in mine))
    by_round = {}
    for r in mine:
        if not r['failed']:
            by_round.setdefault(r['round'], {})[r['tool']] = r
    rows = []
    for tool in tools:
        ok = [r for r in mine if r['tool'] == tool and not r['failed']]
        row = {'tool': tool, 'runs': len([r for r in mine if r['tool'] == tool]), 'ok': len(ok)}
        if ok:
            row.update(files_per_s=median([r['files'] / r['wall_s'] for r in ok]),
                       cpu_us_per_file=median([1e6 * r['cpu_s'] / r['files'] for r in ok]),
                       rss_mib=median([r['rss_kib'] / 1024 for r in ok]),
                       rss_mib_max=max(r['rss_kib'] / 1024 for r in ok))
        if server is not None:
            row['names'] = server.how_named(tool)
        if tool == 'ringfetch':
            row['dns_lookups'] = [(r.get('stats') or {}).get('dns_lookups') for r in ok]
        rows.append(row)
    peers = [row for row in rows if not row['tool'].startswith('ringfetch') and row['ok']]
    out = {'key': str(key), 'rows': rows, 'names': NAMES, 'per_host': PER_HOST}
    rf = next((row for row in rows if row['tool'] == 'ringfetch' and row['ok']), None)
    if rf and peers:
        best = max(peers, key=lambda row: row['files_per_s'])
        # Same files in both: the ratio of files/s is that of wall times, inverted.
        ratios = [rnd[best['tool']]['wall_s'] / rnd['ringfetch']['wall_s']
                  for rnd in by_round.values() if 'ringfetch' in rnd and best['tool'] in rnd]
        out['best_peer'] = best['tool']
        out['vs_best'] = median(ratios)
        out['vs_best_range'] = spread(ratios)
        out['vs_best_rounds'] = len(ratios)
    if server is not None:
        out['dns'] = server.dns.server()
        out['dns_note'] = server.dns.why_not_53
    counted = [r for r in ttfb_runs if not r['warmup']]
    tt = {}
    for variant in ('dead-first', 'live-only'):
        rs = [r for r in counted if r['variant'] == variant]
        ok = [r for r in rs if not r['failed']]
        tt[variant] = {'runs': len(rs), 'ok': len(ok),
                       'failures': sorted(set(r['failed'] for r in rs if r['failed'])),
                       'first_ms': median([r['first_ms'] for r in ok]),
                       'first_ms_range': spread([r['first_ms'] for r in ok]),
                       'all_ms': median([r['all_ms'] for r in ok]),
                       'all_ms_range': spread([r['all_ms'] for r in ok]),
                       'wall_s': median([r['wall_s'] for r in ok])}
    out['ttfb'] = tt
    out['ttfb_runs'] = ttfb_runs
    return out


def _range(rng, spec):
    if not rng or rng[0] == rng[1]:
        return ''
    return (' (' + spec + '–' + spec + ')') % (rng[0], rng[1])


def targets(limits):
    """[(name, measured, met)] for the many-hosts row and dead DNS."""
    h = limits.get('hosts')
    if not h:
        return []
    out = []
    rows = {row['tool']: row for row in h['rows']}
    rf = rows.get('ringfetch')
    if h.get('vs_best') is not None:
        best = rows[h['best_peer']]
        out.append(('many hosts (%d names, N=%d, --max-per-host %d): ringfetch files/s >= %.1fx '
                    'the best peer' % (NAMES, ROW_N, PER_HOST, RATIO_TARGET),
                    '%.2fx%s vs %s (%.0f vs %.0f files/s)' % (
                        h['vs_best'], _range(h['vs_best_range'], '%.2f'), best['tool'],
                        rf['files_per_s'], best['files_per_s']),
                    h['vs_best'] >= RATIO_TARGET))
    if rf and rf['ok']:
        looks = rf.get('dns_lookups') or []
        out.append(('many hosts: ringfetch makes %d DNS lookups per run' % NAMES,
                    'dns_lookups %s' % ', '.join(str(x) for x in looks),
                    bool(looks) and all(x == NAMES for x in looks)))
    dead = (h.get('ttfb') or {}).get('dead-first')
    if dead and dead['ok']:
        live = h['ttfb']['live-only']
        out.append(('{:,} items of a host whose DNS never answers first: first live file in '
                    '< {:.0f} ms'.format(DEAD_ITEMS, TTFB_TARGET_MS),
                    '%.1f ms%s (the live items alone: %s ms)' % (
                        dead['first_ms'], _range(dead['first_ms_range'], '%.1f'),
                        '%.1f' % live['first_ms'] if live.get('first_ms') is not None else '—'),
                    dead['first_ms'] < TTFB_TARGET_MS))
    return out


def failures(limits):
    """Counted dead-DNS runs that failed, one line each (they fail the bench)."""
    h = limits.get('hosts') or {}
    return ['dead DNS %s round %d: %s' % (r['variant'], r['round'], r['failed'])
            for r in h.get('ttfb_runs', []) if r['failed'] and not r['warmup']]


def _f(x, spec='%.0f'):
    return '—' if x is None else spec % x


def section_md(limits, build_arg='build'):
    """The report's many-hosts section (markdown lines), [] without the row."""
    h = limits.get('hosts')
    if not h:
        return []
    L = ['## Many hosts and a dead name server (issue 11)', '',
         'The `many` corpus (10,000 x 8 KiB) over %d host names, h01.%s ... h%02d.%s, file i '
         'on host i mod %d, served by the same nginx listening on 127.0.0.2 ... 127.0.0.%d; '
         'N=%d. The names come from a dnsmasq started by the bench (%s; NXDOMAIN for other '
         'names under %s). ringfetch runs with `--max-per-host %d`; aria2c with `-j %d -x 1` '
         '(aria2 has no per-server cap across downloads: -x is per download); curl with '
         '`--parallel-max %d`. Interleaved rounds as above; the ratio to the best peer (the '
         'peer with the higher median files/s) is the median of same-round ratios, with the '
         'lowest and highest round in brackets.' % (
             NAMES, DOMAIN, NAMES, DOMAIN, NAMES, NAMES + 1, ROW_N, h.get('dns', '?'), DOMAIN,
             PER_HOST, ROW_N, ROW_N), '']
    if h.get('dns_note'):
        L += ['dnsmasq could not listen on port 53 (%s): aria2c, whose --async-dns-server '
              'takes no port, was left out.' % h['dns_note'], '']
    L += ['| tool | ok runs | files/s | CPU µs/file | peak RSS MiB | files/s vs best peer | '
          'DNS lookups per run | names from |', '|---|---|---:|---:|---:|---:|---|---|']
    for row in h['rows']:
        if not row['ok']:
            L.append('| %s | 0/%d FAILED | | | | | | |' % (row['tool'], row['runs']))
            continue
        vs = ''
        if row['tool'] == 'ringfetch' and h.get('vs_best') is not None:
            vs = '%.2fx%s vs %s' % (h['vs_best'], _range(h['vs_best_range'], '%.2f'),
                                    h['best_peer'])
        elif row['tool'] == h.get('best_peer'):
            vs = '1.00x (the best peer)'
        L.append('| %s | %d/%d | %s | %s | %s | %s | %s | %s |' % (
            row['tool'], row['ok'], row['runs'], _f(row['files_per_s']),
            _f(row['cpu_us_per_file'], '%.1f'), _f(row['rss_mib'], '%.1f'), vs,
            ', '.join(str(x) for x in row.get('dns_lookups', [])) or '—', row.get('names', '')))
    tt = h.get('ttfb') or {}
    L += ['', '### A name server that never answers', '',
          'The list: %s items of %s, which dnsmasq forwards to a UDP socket that never '
          'answers, then %d items of h01.%s (through the same dnsmasq); the control: those '
          '%d items alone. Measured: the time from just before the bench starts ringfetch '
          '(fork, exec and start-up included) until the first live item\'s file appears under '
          'its final name (inotify on the output folder: the file is whole by then, so this '
          'is a bound on the time to first byte), and until all %d have. Both lists in '
          'interleaved rounds; `--timeout %d` ends the dead items (as errors) so that a round '
          'ends; every counted run must end with %d ok, the dead items as errors and one '
          'lookup per host.' % ('{:,}'.format(DEAD_ITEMS), DEAD, LIVE_ITEMS, DOMAIN, LIVE_ITEMS,
                                LIVE_ITEMS, TTFB_TIMEOUT_S, LIVE_ITEMS), '',
          '| list | ok runs | first live file, ms | all %d live files, ms | run, s |' % LIVE_ITEMS,
          '|---|---|---:|---:|---:|']
    for variant, title in (('dead-first', '{:,} dead, then {} live'.format(DEAD_ITEMS, LIVE_ITEMS)),
                           ('live-only', '%d live only' % LIVE_ITEMS)):
        t = tt.get(variant)
        if not t or not t['runs']:
            continue
        if not t['ok']:
            L.append('| %s | 0/%d FAILED: %s | | | |' % (title, t['runs'],
                                                        '; '.join(t['failures'])[:200]))
            continue
        L.append('| %s | %d/%d | %s%s | %s%s | %s |' % (
            title, t['ok'], t['runs'], _f(t['first_ms'], '%.1f'),
            _range(t['first_ms_range'], '%.1f'), _f(t['all_ms'], '%.1f'),
            _range(t['all_ms_range'], '%.1f'), _f(t['wall_s'], '%.2f')))
    L += ['', 'Commands (DNS is the dnsmasq above, ADDR its address):', '',
          '- ringfetch: `%s/ringfetch -m %d -i LIST -o DIR --stats -q --dns-servers DNS '
          '--max-per-host %d`' % (build_arg, ROW_N, PER_HOST),
          '- aria2c: `aria2c -j %d -x 1 ... --async-dns=true --async-dns-server=ADDR -i LIST -d '
          'DIR` (the rest as in Commands above)' % ROW_N,
          '- curl: `curl ... --parallel-max %d ... --resolve h01.%s:PORT:127.0.0.2 ... (x %d) '
          '-K CFG`' % (ROW_N, DOMAIN, NAMES),
          '- dead DNS: `%s/ringfetch -m %d --max-per-host %d --dns-servers DNS --timeout %d -q '
          '--stats -o DIR -i LIST`' % (build_arg, ROW_N, PER_HOST, TTFB_TIMEOUT_S), '']
    return L


def append_md(path_md, limits, build_arg='build'):
    lines = section_md(limits, build_arg)
    if lines:
        with open(path_md, 'a') as f:
            f.write('\n' + '\n'.join(lines) + '\n')
