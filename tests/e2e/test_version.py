"""--version (issue 14): every program prints its version, the libraries it
was built with and runs with, and the io_uring features this kernel offers,
probed when asked (so RINGFETCH_RING_DISABLE shows in it)."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

PROGRAMS = ('ringfetch', 'ringload', 'flags2', 'flagserver')
FEATURE_WORDS = {'defer_taskrun', 'coop_taskrun', 'buf_ring', 'provide_buffers', 'socket_op',
                 'socket_syscall', 'cancel_fd', 'cancel_shutdown', 'registered_ring_fd',
                 'splice', 'multishot_accept', 'min_wait', 'ftruncate_op'}


def engine_version():
    with open(os.path.join(rftest.REPO, 'include', 'ringfetch', 'engine.h')) as f:
        return re.search(r'#define RF_VERSION "([^"]+)"', f.read()).group(1)


def version(prog, env=None):
    r = rftest.run([rftest.bin(prog), '--version'], timeout=20, env=env)
    assert r.rc == 0 and r.err == '', r.why()
    lines = r.out.splitlines()
    assert len(lines) == 4, 'expected 4 lines, got %d: %r' % (len(lines), r.out)
    return lines


def pkg_version(pkg):
    r = subprocess.run(['pkg-config', '--modversion', pkg], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, universal_newlines=True)
    assert r.returncode == 0, 'pkg-config knows no %s' % pkg
    return r.stdout.strip()


def ring_words(line):
    assert line.startswith('io_uring: '), line
    rest = line[len('io_uring: '):]
    if rest.startswith('not available ('):
        rftest.skip('no io_uring here: ' + rest)
    words = set(rest.split())
    assert words and words <= FEATURE_WORDS, 'unknown feature words: %s' % (words - FEATURE_WORDS)
    return words


@rftest.test
def every_program_prints_its_name_and_the_engine_version_first():
    want = engine_version()
    for prog in PROGRAMS:
        lines = version(prog)
        assert lines[0] == '%s %s' % (prog, want), '%s: %r' % (prog, lines[0])


@rftest.test
def built_with_names_the_library_versions_of_this_build():
    liburing, openssl, cares = pkg_version('liburing'), pkg_version('libssl'), pkg_version('libcares')
    for prog in PROGRAMS:
        built = version(prog)[1]
        want = 'built with: liburing %s, OpenSSL %s, c-ares %s, llhttp ' % (liburing, openssl, cares)
        assert built.startswith(want), '%s: %r, expected it to start %r' % (prog, built, want)
        assert re.fullmatch(r'.*, llhttp \d+\.\d+\.\d+', built), built


@rftest.test
def running_on_names_this_kernel_and_the_loaded_openssl():
    kernel = os.uname().release
    r = subprocess.run(['openssl', 'version'], stdout=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0
    openssl = r.stdout.split()[1]     # "OpenSSL 3.0.19 1 Jul 2025 (Library: ...)"
    line = version('ringfetch')[2]
    assert line.startswith('running on: Linux %s, OpenSSL %s, c-ares ' % (kernel, openssl)), line


@rftest.test
def ring_features_are_probed_when_asked():
    words = ring_words(version('ringfetch')[3])
    assert ('defer_taskrun' in words) != ('coop_taskrun' in words), words
    assert ('buf_ring' in words) != ('provide_buffers' in words), words
    # The features a run would use: switched off the way the tests force a
    # fallback, --version shows the fallback.
    off = ring_words(version('flagserver', env={'RINGFETCH_RING_DISABLE': 'buf_ring,defer_taskrun'})[3])
    assert 'provide_buffers' in off and 'coop_taskrun' in off, off
    assert 'buf_ring' not in off and 'defer_taskrun' not in off, off
    # The splice direct path (issue 13) is a feature like the others.
    if 'splice' in words:
        off = ring_words(version('ringfetch', env={'RINGFETCH_RING_DISABLE': 'splice'})[3])
        assert 'splice' not in off and 'buf_ring' in off, off


@rftest.test
def version_is_in_every_help():
    for prog in PROGRAMS:
        r = rftest.run([rftest.bin(prog), '--help'], timeout=10)
        assert r.rc == 0 and '--version' in r.out, r.why()


if __name__ == '__main__':
    rftest.main()
