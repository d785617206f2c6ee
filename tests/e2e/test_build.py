"""The build itself (issue 9, item 16): after a fresh `make -j2`, a second
`make` has nothing to do. And (issue 14) `make` on a machine without a
dependency stops before compiling, with one line naming the Debian package
and `make deps`: tested by pointing the check at a package, a file or a
command that does not exist (DEPS_PC, DEPS_FILES, DEPS_CMDS), not by
removing anything.

The build goes into a temporary BUILD directory, so the one under test
($RF_BUILD) is neither used nor touched; it takes a few seconds.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

# Inherited from `make test` (jobserver descriptors, command-line variables)
# or from the user's shell: none may steer the build under test.
MAKE_ENV_DROP = ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'BUILD', 'SANITIZE',
                 'CFLAGS', 'CPPFLAGS', 'LDFLAGS', 'LDLIBS')


def make(build, *args, timeout=300):
    return rftest.run(['make', '--no-print-directory', 'BUILD=' + build] + list(args),
                      timeout=timeout, cwd=rftest.REPO, env=dict.fromkeys(MAKE_ENV_DROP))


_fresh = None


def fresh_build():
    """A build from nothing into a temporary BUILD, made once per process."""
    global _fresh
    if _fresh is None:
        build = os.path.join(rftest.session_dir('rftest-build-', memory=True), 'b')
        r = make(build, '-j2')
        assert r.rc == 0, r.why()
        _fresh = build
    return _fresh


@rftest.test
def second_make_after_a_fresh_build_does_nothing():
    build = fresh_build()
    q = make(build, '-q')
    if q.rc != 0:
        cmds = [l.replace(build, '$BUILD') for l in make(build, '-n').out.splitlines()
                if not l.startswith('mkdir ')]
        raise AssertionError('make -q exit %d: a second make would run %d commands: %s' % (
            q.rc, len(cmds), ' | '.join(cmds[:3])))
    n = make(build, '-n')
    assert n.rc == 0 and n.out.strip() == "make: Nothing to be done for 'all'.", n.why()
    # Every test program's helper objects are still there (the make that
    # deleted them as intermediates had to rebuild them).
    helpers = [os.path.join(build, 'obj', 'tests', 'unit', f[:-2] + '.o')
               for f in os.listdir(os.path.join(rftest.REPO, 'tests', 'unit'))
               if f.endswith('.c')]
    missing = [os.path.relpath(h, build) for h in helpers if not os.path.isfile(h)]
    assert not missing, 'deleted after the build: %s' % missing


@rftest.test
def make_q_sees_a_missing_program():
    # The check above must be able to fail: with a program gone, make -q
    # reports work to do, and make rebuilds exactly that program.
    build = fresh_build()
    prog = os.path.join(build, 'ringfetch')
    os.unlink(prog)
    q = make(build, '-q')
    assert q.rc == 1, q.why()
    r = make(build)
    assert r.rc == 0 and os.access(prog, os.X_OK), r.why()
    lines = r.out.splitlines()
    assert len(lines) == 1 and ' -o %s ' % prog in lines[0], 'expected one link, ran %d: %s' % (
        len(lines), ' | '.join(l.replace(build, '$BUILD') for l in lines[:3]))
    assert make(build, '-q').rc == 0


def check_missing(build, var, value, package):
    r = make(build, var + '=' + value)
    assert r.rc == 2, r.why()
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, 'expected one line on stderr, got %d: %r' % (len(lines), r.err)
    assert package in lines[0] and 'make deps' in lines[0], lines[0]
    # Nothing was compiled: make stopped while reading the Makefile.
    assert r.out.strip() == '', r.out
    assert not os.path.exists(os.path.join(build, 'obj')), 'compiled before the check'


@rftest.test
def make_without_a_dependency_names_its_package_and_make_deps():
    build = os.path.join(rftest.tempdir(), 'b')
    check_missing(build, 'DEPS_PC', 'liburing:liburing-dev rf-no-such-pc:librf-no-such-dev',
                  'librf-no-such-dev')
    check_missing(build, 'DEPS_FILES', '/nonexistent/rf/llhttp.c:node-llhttp', 'node-llhttp')
    check_missing(build, 'DEPS_CMDS', 'rf-no-such-command:rf-no-such-tool', 'rf-no-such-tool')


@rftest.test
def the_dependency_check_passes_here_and_skips_for_deps_and_clean():
    build = os.path.join(rftest.tempdir(), 'b')
    r = make(build, '-n')
    assert r.rc == 0, r.why()
    # `make deps` must run on the machine the check would stop.
    r = make(build, '-n', 'deps', 'DEPS_PC=rf-no-such-pc:librf-no-such-dev')
    assert r.rc == 0 and 'deps.sh' in r.out, r.why()
    r = make(build, '-n', 'clean', 'DEPS_PC=rf-no-such-pc:librf-no-such-dev')
    assert r.rc == 0, r.why()


if __name__ == '__main__':
    rftest.main()
