"""The matrix of measurements: a row is one corpus, served by one server
config, downloaded into one destination at one concurrency N, by a set of
peers that run interleaved in rounds, the first `warmups` rounds discarded.
The first round runs the peers in their given order; the later ones follow
rows of a Williams design (the order 0, 1, n-1, 2, n-2, ... shifted by one
each round; for an odd n each such row is followed by its reverse), in
which, for an even n, a peer follows each other peer exactly once in n
rounds (an odd n needs 2n rounds, and each pair comes twice); in 5 counted
rounds after one warm-up, a peer follows the same peer at most once from 6
peers on, at most twice from 3: a run's place matters on a disk (the same
binary run right after aria2c's 512 MB on ext4 took 0.30-0.65 s and run
again at once 0.17-0.30 s, big, N=8), and a fixed order, or one only turned
round by round, has a tool follow the same other tool in nearly every round
and pay for its after-effects. Each run records its place in its round.

plan() lays the rows out for one destination: every server config, every
corpus, every N (big's N capped at its 8 files), each row with the peers
that can fetch that corpus from that server (peer.fetches(corpus) and
server.peer_args(peer) is not None), narrowed by what the destination
wants (its wants_row(server, corpus) and wants_peer(peer, corpus, N), when
it has them: the file-system images take the bulk corpora over plain HTTP
and the tools the disk targets name). Adding a server config, a destination,
a corpus or a peer adds rows here without an edit."""

import os

from .common import log
from .peers import Spec, write_lists
from .stats import Key


class Row:
    def __init__(self, corpus, n, destination, server, peers):
        self.corpus, self.n = corpus, n
        self.destination, self.server = destination, server
        self.peers = peers

    @property
    def key(self):
        return Key(self.destination.name, self.corpus.name, self.n, self.server.name)

    def spec(self, peer, out_dir, urls, cfg, build, n=None):
        """peer's Spec in this row (n: a placeholder instead of the row's N)."""
        return Spec(self.corpus, self.n if n is None else n, out_dir, urls, cfg, self.server,
                    build, extra=self.server.peer_args(peer.name))


def plan(destination, servers, corpora, conc_for, peers):
    """Rows for one destination. corpora: [Corpus] in order; conc_for(corpus
    name) -> [N]; peers: the available peers, in the first round's order."""
    rows = []
    row_ok = getattr(destination, 'wants_row', lambda server, corpus: True)
    peer_ok = getattr(destination, 'wants_peer', lambda peer, corpus, n: True)
    for server in servers:
        for corpus in corpora:
            if not row_ok(server.name, corpus.name):
                continue
            for n in conc_for(corpus.name):
                if getattr(server, 'wants', None) and not server.wants(corpus.name, n):
                    continue
                mine = [p for p in peers if p.fetches(corpus.name)
                        and peer_ok(p.name, corpus.name, n)
                        and server.peer_args(p.name) is not None]
                if mine:
                    rows.append(Row(corpus, n, destination, server, mine))
    return rows


def round_order(peers, rnd):
    """The peers in the order they run in round rnd (0: the first, warm-up
    or not): as given, then the Williams rows (see above)."""
    n = len(peers)
    if rnd == 0 or n < 2:
        return list(peers)
    zigzag, lo, hi = [0], 1, n - 1
    while len(zigzag) < n:
        zigzag.append(lo)
        lo += 1
        if len(zigzag) < n:
            zigzag.append(hi)
            hi -= 1
    j = rnd - 1
    if n % 2 == 0:
        return [peers[(z + j) % n] for z in zigzag]
    order = [peers[(z + j // 2) % n] for z in zigzag]
    return order[::-1] if j % 2 else order


def run_row(row, runner, lists_dir, build, warmups, counted):
    """Every round of row; returns the runs, warm-ups marked."""
    urls, cfg = write_lists(row.corpus, row.server, lists_dir)
    out_dir = os.path.join(row.destination.path, 'out')
    runs = []
    for rnd in range(warmups + counted):
        warm = rnd < warmups
        for place, peer in enumerate(round_order(row.peers, rnd)):
            r = runner.run_once(peer, row.spec(peer, out_dir, urls, cfg, build), row)
            r['round'] = rnd - warmups  # -1.. for warm-ups
            r['place'] = place
            r['warmup'] = warm
            runs.append(r)
            log('  %-5s %-6s N=%-3d %-9s %s %s' % (
                row.destination.name, row.corpus.name + (
                    '' if row.server.name == 'plain' else '/' + row.server.name),
                row.n, peer.name, 'warm ' if warm else 'r%d   ' % (rnd - warmups),
                ('FAILED: ' + r['failed']) if r['failed'] else
                '%7.3fs %8.0f files/s %6.0f us/file' % (
                    r['wall_s'], r['files'] / r['wall_s'], 1e6 * r['cpu_s'] / r['files'])))
    return runs
