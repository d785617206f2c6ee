"""The benchmark harness behind bench/run, one module per concern:

    common.py        paths, units, log/which; imports tests/e2e/rftest.py,
                     whose helpers (free ports, the nginx runner, template
                     rendering, corpus names) the bench shares with the tests
    corpora.py       the corpora (mkcorpus, cached) and verifying a download
    servers.py       server configs: nginx over plain HTTP (+ its CPU)
    hosts.py         the many-hosts server config (20 names, dnsmasq), the
                     dead-DNS time to first file, their figures and section
    destinations.py  where downloads land: tmpfs, a folder on disk, ext4/xfs/
                     btrfs made on loop-mounted images (LoopFs)
    peers.py         the tools under test: command-line builder + verifier
                     (rf-discard: ringfetch --discard, the network cost)
    rows.py          the matrix: a row = corpus x server config x
                     destination x N x peers, run in interleaved rounds
    measure.py       one measured run (bench/spawn.c: wall, CPU, peak RSS),
                     the strace cross-check, wrk's ceiling
    floor.py         the floor: each way of creating files, per destination
                     (bench/fsfloor.c), and ringfetch's CPU per file as a
                     multiple of floor + network cost
    stats.py         medians, per-round ratios and their ranges, result keys
    goals.py         the issues' targets, checked on a run's figures (and
                     the floor multiples)
    report.py        NAME.md, NAME.json and the printed headline
    plot.py          NAME.png (gnuplot)
    install.py       apt-get for what is missing
    cli.py           bench/run's options, the run, publishing, exit status

How to add a row (each is an addition, not an edit):
  - a server config (HTTPS, many host names): a class in servers.py with a
    name, start/stop, url(), cpu_s() and peer_args(peer) (the options each
    peer needs against it, None for a peer that cannot use it), added to
    SERVERS and to the servers cli.main passes to rows.plan;
  - a destination: a context manager in destinations.py with name, path,
    note, sync_before_run and settle_s (optionally wants_row / wants_peer
    to narrow its rows; raising destinations.Unavailable on enter skips it);
    a file system made on a loop device: an entry in LoopFs.MKFS;
  - a corpus: an entry in corpora.BULK;
  - a peer (ringfetch --discard for the floor, ringload): a Peer in
    peers.PEERS, with its own verifier when "the corpus was saved" is not
    what it does;
  - a target: a function in goals.GOALS (or FLOOR_GOALS, given the floor
    multiples too).
Results are keyed by stats.Key (target, corpus, n, server): plain-HTTP rows
keep the 'tmpfs/many/100' form of the committed results.
"""
