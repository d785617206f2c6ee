"""The engine's fallbacks for older kernels, forced on this one (issue 2).

ring.c probes each io_uring feature at start and falls back when one is
missing; RINGFETCH_RING_DISABLE switches features off so that every fallback
path runs here: the same downloads must give the same files, and --stats must
name the fallback in use. Served by nginx on a free loopback port: 300 small
files, one 404, and a 4 MiB file (many recvs, buffers lent to writes).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

COUNT = 300
SIZE = 3000
BIG_BYTES = 4 << 20

# feature switched off -> the word --stats must show instead of it
FALLBACKS = {
    'defer_taskrun': 'coop_taskrun',
    'buf_ring': 'provide_buffers',
    'socket_op,cancel_fd': 'socket_syscall',
    'registered_ring_fd': None,
    'splice': None,              # the big file then comes through buffers
    'min_wait': None,            # the batch window is then the wait's timeout
}

_served = None


def served():
    """(nginx, list of URLs, {name: source path}), started once for the file."""
    global _served
    if _served is None:
        root = rftest.session_dir('rftest-fbroot-', memory=True)
        bulk = rftest.make_bulk_corpus(os.path.join(root, 'bulk'), COUNT, SIZE)
        ng = rftest.Nginx(root)
        ng.start()
        with open(os.path.join(ng.big_dir, 'big.bin'), 'wb') as f:
            f.write(os.urandom(BIG_BYTES))
        sources = {rftest.bulk_name(i): os.path.join(bulk, rftest.bulk_name(i)) for i in range(COUNT)}
        sources['big.bin'] = os.path.join(ng.big_dir, 'big.bin')
        urls = [ng.url('/bulk/' + name) for name in sorted(sources) if name != 'big.bin']
        urls += [ng.url('/big/big.bin'), ng.url('/bulk/missing.bin')]
        _served = (ng, urls, sources)
    return _served


def fetch_with(disabled):
    ng, urls, sources = served()
    dest = rftest.tempdir(memory=True)
    env = dict(os.environ, RINGFETCH_RING_DISABLE=disabled)
    r = rftest.run([rftest.bin('ringfetch'), '-m', '20', '-o', dest, '--stats', '-q', '-i', '-'],
                   input='\n'.join(urls) + '\n', env=env, timeout=120)
    assert not r.timed_out, r.why()
    st = r.stats()
    assert st['files'] == len(urls) and st['ok'] == len(urls) - 1 and st['not_found'] == 1, st
    assert r.rc == 1, 'the 404 makes the exit status 1: %s' % r.why()
    rftest.assert_same_files((src, os.path.join(dest, name)) for name, src in sources.items())
    assert sorted(rftest.leftovers(dest)) == sorted(sources), 'unexpected files: %s' % sorted(
        set(rftest.leftovers(dest)) ^ set(sources))
    return st


def check(disabled):
    st = fetch_with(disabled)
    want = FALLBACKS[disabled]
    for name in disabled.split(','):
        assert name not in st['features'].split(), '%s still in use: %s' % (name, st['features'])
    if want:
        assert want in st['features'].split(), 'no %s in %s' % (want, st['features'])
    if 'splice' in disabled.split(','):
        assert st['direct_bodies'] == 0 and st['spliced_bytes'] == 0, st
    return st


@rftest.test
def every_feature_on_downloads_correctly():
    st = fetch_with('')
    for name in ('buf_ring', 'socket_op', 'splice', 'min_wait', 'ftruncate_op'):
        assert name in st['features'].split(), 'this kernel should offer %s: %s' % (name, st['features'])
    assert st['direct_bodies'] == 1, st  # the 4 MiB file


@rftest.test
def without_defer_taskrun_downloads_correctly():
    check('defer_taskrun')


@rftest.test
def without_buffer_ring_provide_buffers_downloads_correctly():
    check('buf_ring')


@rftest.test
def without_socket_op_and_cancel_fd_downloads_correctly():
    check('socket_op,cancel_fd')


@rftest.test
def without_registered_ring_fd_downloads_correctly():
    st = check('registered_ring_fd')
    # ringfetch makes the min_wait enter itself: here with the ring's own fd.
    assert 'min_wait' in st['features'].split(), st['features']


@rftest.test
def without_splice_downloads_correctly():
    check('splice')


@rftest.test
def without_min_wait_downloads_correctly():
    check('min_wait')


@rftest.test
def with_every_fallback_at_once_downloads_correctly():
    st = fetch_with('defer_taskrun,buf_ring,socket_op,cancel_fd,registered_ring_fd,splice,min_wait,ftruncate_op')
    assert st['features'].split() == ['coop_taskrun', 'provide_buffers', 'socket_syscall', 'cancel_shutdown'], \
        st['features']


if __name__ == '__main__':
    try:
        rftest.main()
    finally:
        if _served:
            _served[0].stop()
