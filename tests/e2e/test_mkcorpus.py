"""build/mkcorpus: the synthetic corpora on disk and its usage errors."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402


def mkcorpus(*args):
    return rftest.run([rftest.bin('mkcorpus')] + [str(a) for a in args], timeout=60)


@rftest.test
def flags_writes_194_codes_with_gif_and_metadata():
    d = rftest.tempdir()
    r = mkcorpus('flags', d)
    assert r.rc == 0, r.why()
    codes = rftest.flag_codes(d)
    assert len(codes) == 194 and codes[0] == 'ad' and codes[-1] == 'zw', codes[:3]
    sizes = sorted(os.path.getsize(os.path.join(d, 'flags', c, c + '.gif')) for c in codes)
    assert (sizes[0], sizes[-1]) == (1193, 36332), (sizes[0], sizes[-1])
    for c in codes:
        assert os.path.getsize(os.path.join(d, 'flags', c, 'metadata.json')) > 40, c


@rftest.test
def flags_is_deterministic():
    a, b = rftest.tempdir(), rftest.tempdir()
    assert mkcorpus('flags', a).rc == 0 and mkcorpus('flags', b).rc == 0
    rftest.assert_same_files((os.path.join(a, 'flags', c, c + '.gif'), os.path.join(b, 'flags', c, c + '.gif'))
                             for c in rftest.flag_codes(a))


@rftest.test
def bulk_writes_count_files_of_bytes_with_distinct_content():
    d = rftest.tempdir()
    r = mkcorpus('bulk', d, 5, 100000)
    assert r.rc == 0, r.why()
    assert rftest.leftovers(d) == [rftest.bulk_name(i) for i in range(5)], rftest.leftovers(d)
    hashes = {rftest.sha256(os.path.join(d, rftest.bulk_name(i))) for i in range(5)}
    assert len(hashes) == 5
    assert all(os.path.getsize(os.path.join(d, rftest.bulk_name(i))) == 100000 for i in range(5))


@rftest.test
def bulk_larger_than_one_chunk_is_exact():
    d = rftest.tempdir()
    assert mkcorpus('bulk', d, 1, (1 << 20) * 2 + 7).rc == 0
    assert os.path.getsize(os.path.join(d, rftest.bulk_name(0))) == (1 << 20) * 2 + 7


@rftest.test
def usage_errors_exit_2_with_usage():
    for args in ([], ['flags'], ['flags', 'a', 'b'], ['bulk', 'd', '1'], ['bulk', 'd', 'x', '10'],
                 ['bulk', 'd', '1', '-5'], ['nonsense', 'd']):
        r = mkcorpus(*args)
        assert r.rc == 2 and 'usage:' in r.err, r.why()


@rftest.test
def unwritable_destination_exits_1():
    r = mkcorpus('flags', '/proc/rf-no-such-dir')
    assert r.rc == 1 and 'mkcorpus:' in r.err, r.why()


if __name__ == '__main__':
    rftest.main()
