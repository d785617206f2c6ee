"""The Debian packages (issue 14): `make deb` runs dpkg-buildpackage -us -uc
-b on a copy of the tree and lintian on the result (an error fails it); the
packages hold what they should, declare the shared libraries the programs
link (${shlibs:Depends}) and the programs run once unpacked. Nothing is
installed on the system: the package is unpacked with dpkg-deb -x.

The build takes about 30 s here (a build with Debian's flags, no unit
tests), so it is part of `make test`; under `make asan` it is skipped, since
it builds its own unsanitized copy and would only repeat itself.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

MAKE_ENV_DROP = ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'BUILD', 'SANITIZE',
                 'CFLAGS', 'CPPFLAGS', 'LDFLAGS', 'LDLIBS', 'DEB_BUILD_OPTIONS')
PROGRAMS = ('flags2', 'flagserver', 'ringfetch', 'ringload')


def version():
    with open(os.path.join(rftest.REPO, 'include', 'ringfetch', 'engine.h')) as f:
        return re.search(r'#define RF_VERSION "([^"]+)"', f.read()).group(1)


def arch():
    return subprocess.check_output(['dpkg', '--print-architecture'],
                                   universal_newlines=True).strip()


_built = None


def built():
    """`make deb` into a temporary DEB_DIR, once per process."""
    global _built
    if _built is None:
        with open(rftest.bin('ringfetch'), 'rb') as f:
            if b'__asan_init' in f.read():
                rftest.skip('a sanitizer run: the package build does not use $RF_BUILD')
        for tool in ('dpkg-buildpackage', 'dh', 'lintian', 'fakeroot'):
            if subprocess.run(['sh', '-c', 'command -v ' + tool],
                              stdout=subprocess.DEVNULL).returncode:
                rftest.skip_missing(tool + ' (make deps installs it)')
        deb_dir = os.path.join(rftest.session_dir('rftest-deb-'), 'deb')
        parent = os.path.dirname(rftest.REPO)
        before = set(os.listdir(parent))
        r = rftest.run(['make', '--no-print-directory', 'deb', 'DEB_DIR=' + deb_dir],
                       timeout=600, cwd=rftest.REPO, env=dict.fromkeys(MAKE_ENV_DROP))
        assert r.rc == 0, r.why()
        new = sorted(set(os.listdir(parent)) - before)
        assert not [n for n in new if n.startswith(('ringfetch', 'libringfetch'))], (
            'make deb left files beside the tree: %s' % new)
        _built = (deb_dir, r)
    return _built


def deb(name):
    return os.path.join(built()[0], '%s_%s_%s.deb' % (name, version(), arch()))


def contents(path):
    out = subprocess.check_output(['dpkg-deb', '-c', path], universal_newlines=True)
    return {line.split()[-1].lstrip('.') for line in out.splitlines()
            if not line.startswith('d')}


@rftest.test
def make_deb_builds_the_packages_lintian_clean():
    deb_dir, r = built()
    names = sorted(os.listdir(deb_dir))
    want = ['libringfetch-dev_%s_%s.deb', 'ringfetch-dbgsym_%s_%s.deb', 'ringfetch_%s_%s.deb',
            'ringfetch_%s_%s.buildinfo', 'ringfetch_%s_%s.changes']
    assert names == sorted(w % (version(), arch()) for w in want), names
    # make deb ran lintian --fail-on error; see that it found no error or
    # warning now (informational tags are fine).
    lint = subprocess.run(['lintian', os.path.join(deb_dir, 'ringfetch_%s_%s.changes' % (
        version(), arch()))], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, timeout=300)
    bad = [l for l in lint.stdout.splitlines() if l.startswith(('E:', 'W:'))]
    assert lint.returncode == 0 and not bad, lint.stdout[-1500:]


@rftest.test
def the_program_package_holds_programs_pages_and_completions():
    have = contents(deb('ringfetch'))
    want = {'/usr/bin/' + p for p in PROGRAMS}
    want |= {'/usr/share/man/man1/%s.1.gz' % p for p in PROGRAMS}
    want |= {'/usr/share/bash-completion/completions/' + p for p in PROGRAMS}
    want |= {'/usr/share/zsh/vendor-completions/_' + p for p in PROGRAMS}
    want |= {'/usr/share/doc/ringfetch/changelog.gz', '/usr/share/doc/ringfetch/copyright'}
    assert have == want, 'missing %s, unexpected %s' % (sorted(want - have), sorted(have - want))


@rftest.test
def the_dev_package_holds_the_library_headers_pc_and_page():
    have = contents(deb('libringfetch-dev'))
    multiarch = subprocess.check_output(['dpkg-architecture', '-qDEB_HOST_MULTIARCH'],
                                        universal_newlines=True).strip()
    for path in ('/usr/lib/%s/libringfetch.a' % multiarch,
                 '/usr/lib/%s/pkgconfig/ringfetch.pc' % multiarch,
                 '/usr/include/ringfetch/engine.h', '/usr/share/man/man3/ringfetch-engine.3.gz'):
        assert path in have, (path, sorted(have))


@rftest.test
def the_package_depends_on_the_libraries_the_programs_link():
    depends = subprocess.check_output(['dpkg-deb', '-f', deb('ringfetch'), 'Depends'],
                                      universal_newlines=True)
    for lib in ('liburing2', 'libc-ares2', 'libssl3', 'libjson-c5', 'libc6'):
        assert re.search(r'\b%s\b' % re.escape(lib), depends), (lib, depends)


@rftest.test
def the_unpacked_programs_run():
    root = rftest.tempdir()
    subprocess.check_call(['dpkg-deb', '-x', deb('ringfetch'), root])
    bindir = os.path.join(root, 'usr', 'bin')
    for p in PROGRAMS:
        r = rftest.run([os.path.join(bindir, p), '--version'], timeout=20)
        assert r.rc == 0 and r.out.startswith('%s %s' % (p, version())), r.why()
    with rftest.flagserver_at(os.path.join(bindir, 'flagserver')) as port:
        dest = rftest.tempdir()
        r = rftest.run([os.path.join(bindir, 'flags2'), '--url',
                        'http://127.0.0.1:%d/flags' % port, '--dest', dest, 'BR', 'CN'],
                       timeout=60)
        assert r.rc == 0 and sorted(os.listdir(dest)) == ['br.gif', 'cn.gif'], r.why()


@rftest.test
def the_debian_version_is_the_programs():
    with open(os.path.join(rftest.REPO, 'debian', 'changelog')) as f:
        first = f.readline()
    assert first.startswith('ringfetch (%s)' % version()), first


if __name__ == '__main__':
    rftest.main()
