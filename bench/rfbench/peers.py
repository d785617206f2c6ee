"""The tools under test ("peers"): for each, how to build its command line for
one run and how to tell that the run did its job.

A peer is a command-line builder plus a verifier. The builder gets a Spec
(corpus, N, output folder, URL list, curl config, server, extra options the
row asks for) and returns argv; the verifier gets the Spec and the run's
stdout/stderr once the tool exited 0, and returns '' or why the run failed
(the default: the output folder holds exactly the corpus, byte for byte).

To add a peer, append one Peer to PEERS. To let a row pass options to peers
(a CA file for HTTPS, a DNS server for many hosts), give the row's server a
peer_args() that returns them: they arrive as spec.extra, which every builder
places where its tool wants options."""

import functools
import os
import subprocess
import sys

from . import corpora
from .common import BENCH, which
from .measure import last_json


class Spec:
    """One run's parameters, as a command-line builder sees them. n, out_dir,
    urls and cfg may be placeholders ('N', 'DIR', ...) when the command is only
    printed in the report."""

    def __init__(self, corpus, n, out_dir, urls, cfg, server, build, extra=()):
        self.corpus, self.n, self.out_dir = corpus, n, out_dir
        self.urls, self.cfg = urls, cfg
        self.server, self.build = server, build
        self.extra = list(extra)


def verify_saved(spec, out, err):
    """The default verifier: exactly the corpus under spec.out_dir."""
    return corpora.verify(spec.corpus, spec.out_dir)


class Peer:
    """name      the tool's name in reports (and --tools)
    argv      fn(Spec) -> [str]
    exe       fn(build folder) -> the program to check for, or None if absent
    package   the Debian package installed when it is not available, or None
    corpora   names of the corpora it can fetch (None: all)
    stats     'out' or 'err': where it prints a --stats JSON line, if anywhere
    verify    fn(Spec, stdout, stderr) -> '' or why the run failed"""

    def __init__(self, name, argv, exe, package=None, corpora=None, stats=None,
                 verify=verify_saved):
        self.name, self.argv, self.exe, self.package = name, argv, exe, package
        self.corpora, self.stats, self.verify = corpora, stats, verify

    def available(self, build):
        return self.exe(build) is not None

    def fetches(self, corpus_name):
        return self.corpora is None or corpus_name in self.corpora

    def command(self, spec):
        return [str(a) for a in self.argv(spec)]


def built(prog):
    """exe for a program of this repository: build/PROG when it is built."""
    def exe(build):
        path = os.path.join(build, prog)
        return path if os.access(path, os.X_OK) else None
    return exe


def installed(cmd):
    return lambda build: which(cmd)


@functools.lru_cache(maxsize=None)
def aiohttp_python():
    """An interpreter that can import aiohttp (Debian's python3-aiohttp lives
    in /usr/bin/python3's path, which may not be the python3 first in PATH)."""
    for py in dict.fromkeys([sys.executable, '/usr/bin/python3']):
        if py and os.access(py, os.X_OK) and subprocess.run(
                [py, '-c', 'import aiohttp'], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL).returncode == 0:
            return py
    return None


def write_lists(corpus, server, lists_dir):
    """The URL list and curl config for corpus on server (rewritten for each
    row: the port changes). Returns (urls path, cfg path)."""
    urls = os.path.join(lists_dir, corpus.name + '.urls')
    cfg = os.path.join(lists_dir, corpus.name + '.curl')
    with open(urls, 'w') as u, open(cfg, 'w') as c:
        for path, name, _ in corpus.items:
            u.write(server.url(path) + '\n')
            c.write('url = "%s"\noutput = "%s"\n' % (server.url(path), name))
    return urls, cfg


def _ringfetch(s):
    return [os.path.join(s.build, 'ringfetch'), '-m', s.n, '-i', s.urls, '-o', s.out_dir,
            '--stats', '-q'] + s.extra


def _rf_discard(s):
    return [os.path.join(s.build, 'ringfetch'), '-m', s.n, '-i', s.urls, '--discard', '--stats',
            '-q'] + s.extra


def verify_discarded(spec, out, err):
    """ringfetch --discard: every URL fetched (its --stats), every body byte
    counted, and nothing written."""
    st = last_json(out)
    if not st:
        return 'no --stats line'
    if st.get('ok') != spec.corpus.files or st.get('bytes') != spec.corpus.bytes:
        return '--stats says %s ok, %s bytes; the corpus has %d files, %d bytes' % (
            st.get('ok'), st.get('bytes'), spec.corpus.files, spec.corpus.bytes)
    if os.path.isdir(spec.out_dir) and os.listdir(spec.out_dir):
        return 'files written with --discard'
    return ''


def _flags2(s):
    return [os.path.join(s.build, 'flags2'), '-a', '-m', s.n, '--url', s.server.url('/flags'),
            '--dest', s.out_dir, '--stats'] + s.extra


def _curl(s):
    # Output options must come before -K: they belong to the operation the
    # config's url/output lines join. -s alone does not silence the
    # --parallel progress meter in curl 7.88, hence --no-progress-meter.
    return ['curl', '-s', '--no-progress-meter', '--fail', '--parallel', '--parallel-max', s.n,
            '--parallel-immediate', '--output-dir', s.out_dir] + s.extra + ['-K', s.cfg]


def _wget2(s):
    return ['wget2', '--max-threads', s.n, '--no-xattr', '--no-hsts', '--no-hpkp', '-q',
            '--no-directories'] + s.extra + ['-i', s.urls, '-P', s.out_dir]


def _aria2c(s):
    return ['aria2c', '-j', s.n, '-x', '1', '--file-allocation=none', '--deferred-input=true',
            '-q', '--console-log-level=error', '--summary-interval=0',
            '--auto-file-renaming=false', '--allow-overwrite=true'] + s.extra + [
            '-i', s.urls, '-d', s.out_dir]


def _aiohttp(s):
    return [aiohttp_python(), os.path.join(BENCH, 'aiohttp_flags.py'), '-m', s.n,
            '-i', s.urls, '-o', s.out_dir] + s.extra


def baseline_peer(build_dir):
    """ringfetch from another build folder, run beside this one in the same
    interleaved rounds: an A/B of two versions (bench/run --baseline)."""
    prog = os.path.join(build_dir, 'ringfetch')

    def argv(s):
        return [prog, '-m', s.n, '-i', s.urls, '-o', s.out_dir, '--stats', '-q'] + s.extra
    return Peer(BASELINE_PEER, argv, lambda build: prog if os.access(prog, os.X_OK) else None,
                stats='out')


BASELINE_PEER = 'ringfetch-base'


def add_peer(peer, after):
    """Register peer to run right after the peer named after."""
    PEERS.insert([p.name for p in PEERS].index(after) + 1, peer)
    BY_NAME[peer.name] = peer
    ALL_TOOLS[:] = [p.name for p in PEERS]


# In the order they run in a row's first round (rows.round_order) and appear
# in the tables.
PEERS = [
    Peer('ringfetch', _ringfetch, built('ringfetch'), stats='out'),
    # The network cost per request with nothing written: the floor's (b).
    Peer('rf-discard', _rf_discard, built('ringfetch'), stats='out', verify=verify_discarded),
    Peer('flags2', _flags2, built('flags2'), corpora=('flags',), stats='err'),
    Peer('curl', _curl, installed('curl'), package='curl'),
    Peer('wget2', _wget2, installed('wget2'), package='wget2'),
    Peer('aria2c', _aria2c, installed('aria2c'), package='aria2'),
    Peer('aiohttp', _aiohttp, lambda build: aiohttp_python(), package='python3-aiohttp'),
]
BY_NAME = {p.name: p for p in PEERS}
ALL_TOOLS = [p.name for p in PEERS]
