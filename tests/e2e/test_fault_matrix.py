"""Faults at scale (issue 5): flagserver serving a bulk corpus with its seven
faults (reset, truncate, stall, drip, garbage, badchunk, hang) mixed into 10%
of 10,000 requests, fetched by `ringfetch -m 100 --timeout 2`; and flags2 over
the same faults on the flag corpus.

Every item must be accounted for (ok + not found + errors = requested), every
ok file byte-identical to the served one, nothing else left on disk, the run
over within bounds set by the timeouts; and, from flagserver's -v log (one line
per request, naming its fault), every faulted item must be an error whose
message names what happened and every other item must be ok.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

ITEMS = 10000
ITEM_BYTES = 2000
TIMEOUT_S = 2
FAULTS = ('reset', 'truncate', 'stall', 'drip', 'garbage', 'badchunk', 'hang')

# What the client must say for each fault (any of the words).
FAULT_WORDS = {
    'reset': ('connection reset by peer', 'truncated body'),
    'truncate': ('truncated body',),
    'stall': ('timed out',),
    'drip': ('timed out',),      # 2000 bytes at 100 ms each cannot finish in 2 s
    'garbage': ('invalid response',),
    'badchunk': ('invalid response',),
    'hang': ('timed out',),
}


def check_messages(served, errors_by_path, ok_paths, where):
    """Faulted paths are errors naming their fault; all others are ok."""
    bad = []
    for path, fault in sorted(served.items()):
        msg = errors_by_path.get(path)
        if fault:
            if msg is None:
                bad.append('%s (fault %s) not an error' % (path, fault))
            elif not any(w in msg for w in FAULT_WORDS[fault]):
                bad.append('%s (fault %s): %r' % (path, fault, msg))
        elif path not in ok_paths:
            bad.append('%s (no fault) not ok: %r' % (path, msg))
    assert not bad, '%s: %d wrong: %s' % (where, len(bad), '; '.join(bad[:8]))


@rftest.test
def ringfetch_10000_items_with_mixed_faults_are_all_accounted_for():
    root = rftest.make_bulk_corpus(rftest.tempdir('rftest-fm-root-'), ITEMS, ITEM_BYTES)
    dest = rftest.tempdir('rftest-fm-out-')
    with rftest.FlagServer('--root', root, '--seed', 11, '--fault', ','.join(FAULTS), '--fault-rate', 0.1) as fs:
        lst = os.path.join(rftest.tempdir(), 'list')
        with open(lst, 'w') as f:
            f.writelines(fs.url('/' + rftest.bulk_name(i)) + '\n' for i in range(ITEMS))
        r = rftest.run([rftest.bin('ringfetch'), '-m', '100', '--retry', '0', '-o', dest, '-i', lst,
                        '--timeout', str(TIMEOUT_S), '--stats'], timeout=120)
        served = fs.requests()
    assert not r.timed_out and r.rc == 1, r.why()
    # 10% of 10,000 = 1000 faults, of which ~3/7 wait out the 2 s timeout, 100 at a time.
    assert r.elapsed < 45, 'took %.1fs' % r.elapsed
    s = r.stats()
    assert s['files'] == ITEMS and s['ok'] + s['not_found'] + s['errors'] == ITEMS, s
    assert 500 <= s['errors'] <= 1500, 'errors %d, expected about 10%% of %d' % (s['errors'], ITEMS)
    assert len(served) == ITEMS, 'server saw %d distinct paths' % len(served)
    seen = {fault for fault in served.values() if fault}
    assert seen == set(FAULTS), 'faults seen: %s' % sorted(seen)

    errors = {}
    for line in r.err.splitlines():
        m = re.match(r'ERR http://[^/]+(/\S+): (.*)$', line)
        if m:
            assert m.group(1) not in errors, 'reported twice: %s' % line
            errors[m.group(1)] = m.group(2)
    assert len(errors) == s['errors'], '%d ERR lines, %d errors' % (len(errors), s['errors'])
    files = rftest.leftovers(dest)
    assert len(files) == s['ok'], '%d files on disk, %d ok' % (len(files), s['ok'])
    assert not any(f.endswith('.part') for f in files)
    rftest.assert_same_files((os.path.join(root, f), os.path.join(dest, f)) for f in files)
    check_messages(served, errors, {'/' + f for f in files}, 'ringfetch')


@rftest.test
def flags2_all_flags_with_mixed_faults_are_all_accounted_for():
    root = rftest.flags_root()
    dest = rftest.tempdir('rftest-fm-flags-')
    with rftest.FlagServer('--root', root, '--seed', 3, '--fault', ','.join(FAULTS), '--fault-rate', 0.3) as fs:
        r = rftest.run([rftest.bin('flags2'), '-a', '-m', '100', '-v', '--url', fs.url('/flags'),
                        '--dest', dest, '--timeout', str(TIMEOUT_S)], timeout=60)
        served = fs.requests()
    out = r.out.splitlines()
    assert not r.timed_out and r.rc == 1 and r.elapsed < 15, r.why()
    oks = [l[:2] for l in out if re.match(r'^[A-Z]{2} OK$', l)]
    errs = {}
    for l in out:
        m = re.match(r'^\*\*\* Error for ([A-Z]{2}): (.*)$', l)
        if m:
            errs['/flags/%s/%s.gif' % (m.group(1).lower(), m.group(1).lower())] = m.group(2)
    assert len(oks) + len(errs) == 194, '%d ok + %d errors' % (len(oks), len(errs))
    assert '%d flags downloaded.' % len(oks) in out and '%d errors.' % len(errs) in out, out[-4:]
    files = rftest.leftovers(dest)
    assert sorted(files) == sorted(c.lower() + '.gif' for c in oks), 'files differ from the OK lines'
    rftest.assert_same_files((os.path.join(root, 'flags', f[:2], f), os.path.join(dest, f)) for f in files)
    check_messages(served, errs, {'/flags/%s/%s' % (f[:2], f) for f in files}, 'flags2')


if __name__ == '__main__':
    rftest.main()
