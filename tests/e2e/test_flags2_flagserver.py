"""flags2 against our flagserver playing the book's servers (issue 3).

ERROR (seeded): every code counted once, errors in the book's proportion,
every saved flag byte-identical, exit status 1, -v lines carry the HTTP status.
DELAY: the delay is real and every flag arrives. --http10: one connection
per request, all 194 flags.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

ALL = 194
REASONS = {500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway',
           503: 'Service Unavailable'}


def flags2(fs, dest, *args, timeout=60):
    r = rftest.run([rftest.bin('flags2'), '--url', fs.base, '--dest', dest] + [str(a) for a in args],
                   timeout=timeout)
    assert not r.timed_out, r.why()
    assert 'Sanitizer' not in r.err and 'runtime error:' not in r.err, r.err[-2000:]
    return r


def assert_saved_flags_identical(dest):
    """Every file saved is the synthetic flag of its code (flagserver serves mkcorpus's corpus)."""
    root = rftest.make_flags_corpus(rftest.tempdir())
    names = rftest.leftovers(dest)
    assert not [n for n in names if not re.fullmatch(r'[a-z]{2}\.gif', n)], names
    rftest.assert_same_files((os.path.join(root, 'flags', n[:2], n), os.path.join(dest, n)) for n in names)
    return names


@rftest.test
def error_preset_counts_every_code_once_and_names_the_status():
    dest = rftest.tempdir()
    with rftest.FlagServer('--preset', 'ERROR', '--seed', 7) as fs:
        r = flags2(fs, dest, '-s', 'ERROR', '-a', '-m', 100, '-v')
    assert r.rc == 1, 'errors must make the exit status 1: %s' % r.why()
    lines = r.out.splitlines()
    ok = [l for l in lines if re.fullmatch(r'[A-Z]{2} OK', l)]
    errors = [l for l in lines if l.startswith('*** Error for ')]
    assert len(ok) + len(errors) == ALL, 'each code once: %d ok + %d errors' % (len(ok), len(errors))
    codes = [l[:2] for l in ok] + [l[14:16] for l in errors]
    assert len(set(codes)) == ALL, 'a code was reported twice'
    assert 0.15 * ALL <= len(errors) <= 0.35 * ALL, '%d errors of %d' % (len(errors), ALL)
    for l in errors:
        m = re.fullmatch(r'\*\*\* Error for [A-Z]{2}: HTTP error (\d{3}) - (.+)', l)
        assert m and REASONS.get(int(m.group(1))) == m.group(2), l
    assert '%d flags downloaded.' % len(ok) in lines and '%d errors.' % len(errors) in lines, lines[-4:]
    assert len(assert_saved_flags_identical(dest)) == len(ok)


@rftest.test
def delay_preset_takes_at_least_the_delay_and_every_flag_arrives():
    dest = rftest.tempdir()
    with rftest.FlagServer('--preset', 'DELAY') as fs:
        start = time.monotonic()
        r = flags2(fs, dest, '-s', 'DELAY', '-a', '-m', ALL)
        took = time.monotonic() - start
    assert r.rc == 0, r.why()
    assert took >= 0.5, 'every response is 0.5 s late, yet the run took %.2f s' % took
    m = re.search(r'Elapsed time: (\d+\.\d\d)s', r.out)
    assert m and float(m.group(1)) >= 0.5, r.out
    assert '%d flags downloaded.' % ALL in r.out, r.out
    assert len(assert_saved_flags_identical(dest)) == ALL


@rftest.test
def http10_server_gets_one_connection_per_request():
    dest = rftest.tempdir()
    with rftest.FlagServer('--http10') as fs:
        r = flags2(fs, dest, '-a', '-m', 20, '--stats')
    assert r.rc == 0, r.why()
    st = r.stats('err')
    assert st['ok'] == ALL and st['connects'] == ALL and st['reused'] == 0, st
    assert len(assert_saved_flags_identical(dest)) == ALL


if __name__ == '__main__':
    rftest.main()
