"""make install / make uninstall (issue 14): into a temporary DESTDIR, the
programs, man pages, completions, the engine library, its headers and
ringfetch.pc land where the README says; examples/ build against that copy
with `pkg-config --cflags --libs ringfetch` alone (not the source tree's
headers) and work against a local flagserver; uninstall removes every file.

How pkg-config finds the staged copy: a DESTDIR install is a staging root,
so ringfetch.pc names PREFIX (/usr/local), where the files will live, not
DESTDIR. PKG_CONFIG_SYSROOT_DIR=DESTDIR is pkg-config's own way to read such
a root: it puts DESTDIR before every -I and -L it prints. Nothing is
rewritten for the test.

Uses $RF_BUILD's objects (make install builds nothing when they are up to
date); under `make asan` the library holds sanitized objects, so the
examples are linked with the same -fsanitize flags.
"""

import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

MAKE_ENV_DROP = ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'BUILD', 'SANITIZE',
                 'CFLAGS', 'CPPFLAGS', 'LDFLAGS', 'LDLIBS', 'PREFIX', 'DESTDIR',
                 'PKG_CONFIG_PATH', 'PKG_CONFIG_SYSROOT_DIR')
PROGRAMS = ('ringfetch', 'ringload', 'flags2', 'flagserver')
# flags2's default codes: in flagserver's built-in corpus.
TOP20 = 'cn in us id br pk ng bd ru jp mx ph vn et eg de ir tr cd fr'.split()


def sanitized():
    """Is $RF_BUILD a sanitizer build (make asan)?"""
    with open(rftest.bin('ringfetch'), 'rb') as f:
        return b'__asan_init' in f.read()


def make(*args, timeout=300):
    extra = ['SANITIZE=1'] if sanitized() else []
    return rftest.run(['make', '--no-print-directory', 'BUILD=' + rftest.BUILD] + extra +
                      list(args), timeout=timeout, cwd=rftest.REPO,
                      env=dict.fromkeys(MAKE_ENV_DROP))


def files_under(root):
    out = set()
    for d, _, names in os.walk(root):
        out.update(os.path.relpath(os.path.join(d, n), root) for n in names)
    return out


def expected_files(prefix):
    p = prefix.lstrip('/')
    want = {'%s/bin/%s' % (p, prog) for prog in PROGRAMS}
    want |= {'%s/share/man/man1/%s.1' % (p, prog) for prog in PROGRAMS}
    want |= {'%s/share/man/man3/ringfetch-engine.3' % p}
    want |= {'%s/share/bash-completion/completions/%s' % (p, prog) for prog in PROGRAMS}
    want |= {'%s/share/zsh/vendor-completions/_%s' % (p, prog) for prog in PROGRAMS}
    want |= {'%s/lib/libringfetch.a' % p, '%s/lib/pkgconfig/ringfetch.pc' % p}
    headers = os.listdir(os.path.join(rftest.REPO, 'include', 'ringfetch'))
    want |= {'%s/include/ringfetch/%s' % (p, h) for h in headers if h.endswith('.h')}
    return want


def pkg_config(destdir, prefix, *args):
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(destdir, prefix.lstrip('/'), 'lib',
                                                        'pkgconfig'),
               PKG_CONFIG_SYSROOT_DIR=destdir)
    r = subprocess.run(['pkg-config'] + list(args) + ['ringfetch'], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, env=env)
    assert r.returncode == 0, 'pkg-config %s: %s' % (args, r.stderr)
    return r.stdout.split()


def build_example(name, flags, out_dir):
    exe = os.path.join(out_dir, name)
    cmd = ['cc', '-std=c11', '-Wall', '-Wextra', '-Werror',
           os.path.join(rftest.REPO, 'examples', name + '.c')] + flags + ['-o', exe]
    if sanitized():
        cmd[1:1] = ['-fsanitize=address,undefined']
    # From an empty folder, so that no header of the source tree is found
    # by accident: only pkg-config's -I is searched.
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, cwd=out_dir, timeout=120)
    assert r.returncode == 0, 'building %s: %s' % (name, r.stdout[-1500:])
    return exe


_installed = None


def installed():
    """One `make install DESTDIR=...` per process (PREFIX /usr/local)."""
    global _installed
    if _installed is None:
        destdir = os.path.join(rftest.session_dir('rftest-install-'), 'stage')
        r = make('install', 'DESTDIR=' + destdir)
        assert r.rc == 0, r.why()
        _installed = destdir
    return _installed


@rftest.test
def install_puts_every_file_in_its_place():
    destdir = installed()
    have = files_under(destdir)
    want = expected_files('/usr/local')
    assert have == want, 'missing %s, unexpected %s' % (sorted(want - have), sorted(have - want))
    for prog in PROGRAMS:
        path = os.path.join(destdir, 'usr/local/bin', prog)
        assert os.access(path, os.X_OK), path
        r = rftest.run([path, '--version'], timeout=20)
        assert r.rc == 0 and r.out.startswith(prog + ' '), r.why()
    with open(os.path.join(destdir, 'usr/local/lib/pkgconfig/ringfetch.pc')) as f:
        pc = f.read()
    # The .pc says where the files will live, never the staging folder.
    assert 'prefix=/usr/local\n' in pc and destdir not in pc, pc


@rftest.test
def examples_build_against_the_installed_copy_with_pkg_config():
    destdir = installed()
    flags = pkg_config(destdir, '/usr/local', '--cflags', '--libs')
    assert '-I%s/usr/local/include' % destdir in flags, flags
    assert '-L%s/usr/local/lib' % destdir in flags and '-lringfetch' in flags, flags
    assert not any(rftest.REPO in f for f in flags), flags
    out_dir = rftest.tempdir()
    fetchlist = build_example('fetchlist', flags, out_dir)
    batching = build_example('batching', flags, out_dir)
    # The installed flagserver serves; the example fetches two flags and a
    # missing one, a line per result.
    with rftest.FlagServer() as fs:
        dest = os.path.join(out_dir, 'out')
        os.mkdir(dest)
        urls = [fs.url('/flags/br/br.gif'), fs.url('/flags/cn/cn.gif'),
                fs.url('/flags/xx/xx.gif')]
        r = rftest.run([fetchlist, dest], input=''.join(u + '\n' for u in urls), timeout=60)
        assert r.rc == 1, r.why()     # one URL failed: 404
        lines = r.out.splitlines()
        assert len(lines) == 4 and lines[-1] == '2 fetched, 1 failed', r.why()
        for cc in ('br', 'cn'):
            with urllib.request.urlopen(fs.url('/flags/%s/%s.gif' % (cc, cc)), timeout=10) as u:
                body = u.read()
            ok = [l for l in lines if l.startswith('ok ') and l.endswith('/%s.gif' % cc)]
            assert len(ok) == 1 and ' %d bytes ' % len(body) in ok[0], (cc, lines)
            with open(os.path.join(dest, cc + '.gif'), 'rb') as f:
                assert f.read() == body, cc
        assert any(l.startswith('404 ') and 'xx.gif' in l for l in lines), lines
        assert sorted(os.listdir(dest)) == ['br.gif', 'cn.gif'], os.listdir(dest)

        codes = TOP20 * 2
        r = rftest.run([batching], input=''.join(fs.url('/flags/%s/%s.gif' % (c, c)) + '\n'
                                                for c in codes), timeout=120)
        assert r.rc == 0, r.why()
    rows = [l.split() for l in r.out.splitlines()[1:]]
    assert [int(row[0]) for row in rows] == [1, 4, 16, 64], r.out
    assert all(row[1] == '40' and row[-1] == '0' for row in rows), r.out
    per_enter = [float(row[5]) for row in rows]
    # Batching: more operations per system call with a wider window.
    assert per_enter[0] < per_enter[-1] and per_enter[-1] >= 4, r.out


@rftest.test
def the_installed_flagserver_and_ringfetch_work_together():
    destdir = installed()
    bindir = os.path.join(destdir, 'usr/local/bin')
    with rftest.flagserver_at(os.path.join(bindir, 'flagserver')) as port:
        dest = rftest.tempdir()
        r = rftest.run([os.path.join(bindir, 'ringfetch'), '-q', '-o', dest,
                        'http://127.0.0.1:%d/flags/fr/fr.gif' % port], timeout=60)
        assert r.rc == 0 and os.listdir(dest) == ['fr.gif'], r.why()


@rftest.test
def uninstall_removes_every_file_install_made():
    destdir = os.path.join(rftest.tempdir(), 'stage')
    r = make('install', 'DESTDIR=' + destdir)
    assert r.rc == 0, r.why()
    assert files_under(destdir), 'install made nothing'
    r = make('uninstall', 'DESTDIR=' + destdir)
    assert r.rc == 0, r.why()
    left = files_under(destdir)
    assert not left, 'left behind: %s' % sorted(left)
    dirs = [os.path.relpath(d, destdir) for d, _, _ in os.walk(destdir)]
    # Only the shared folders (bin, share/man/man1...) stay, empty.
    assert not [d for d in dirs if 'ringfetch' in d], dirs
    # Twice is fine: nothing to remove is no error.
    r = make('uninstall', 'DESTDIR=' + destdir)
    assert r.rc == 0, r.why()


@rftest.test
def prefix_moves_everything_and_the_pc_follows():
    destdir = os.path.join(rftest.tempdir(), 'stage')
    r = make('install', 'DESTDIR=' + destdir, 'PREFIX=/opt/rf')
    assert r.rc == 0, r.why()
    have = files_under(destdir)
    want = expected_files('/opt/rf')
    assert have == want, 'missing %s, unexpected %s' % (sorted(want - have), sorted(have - want))
    with open(os.path.join(destdir, 'opt/rf/lib/pkgconfig/ringfetch.pc')) as f:
        pc = f.read()
    assert 'prefix=/opt/rf\n' in pc and 'libdir=/opt/rf/lib\n' in pc, pc
    flags = pkg_config(destdir, '/opt/rf', '--cflags', '--libs')
    assert '-I%s/opt/rf/include' % destdir in flags, flags
    r = make('uninstall', 'DESTDIR=' + destdir, 'PREFIX=/opt/rf')
    assert r.rc == 0 and not files_under(destdir), r.why()


if __name__ == '__main__':
    rftest.main()
