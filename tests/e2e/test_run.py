"""tests/run itself (issue 9, item 21): it counts skips, ends with
`N passed, N failed, N skipped`, and under RF_REQUIRE=1 a skip for a missing
dependency fails while a skip for what the machine lacks stays a skip.

Each test runs a copy of tests/run in a scratch tree that holds only fake
test files: e2e scripts using a copy of rftest.py, and a real cmocka program
(compiled here) with one test that passes and one that skips.
"""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

LAST_LINE = re.compile(r'^(\d+) passed, (\d+) failed, (\d+) skipped$')

FAKE_PASS_AND_SKIPS = '''
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest

@rftest.test
def passes():
    pass

@rftest.test
def skips_for_a_kernel_feature():
    rftest.skip('no such kernel feature here')

@rftest.test
def skips_for_a_missing_package():
    rftest.skip_missing('nginx not installed')

rftest.main()
'''

FAKE_ALL_SKIP = '''
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest

@rftest.test
def needs_root():
    rftest.skip('not root')

@rftest.test
def needs_ipv6():
    rftest.skip('no IPv6 loopback here')

rftest.main()
'''

FAKE_UNIT = r'''
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

static void test_passes(void **state) { (void)state; assert_true(1); }
static void test_skips(void **state) { (void)state; skip(); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passes),
        cmocka_unit_test(test_skips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
'''

_tree = None


def fake_tree():
    """ROOT/tests/run, ROOT/tests/e2e/{rftest.py, test_fake_*.py},
    ROOT/build/tests/test_fakeunit; made once per process."""
    global _tree
    if _tree is None:
        root = rftest.session_dir('rftest-runner-')
        e2e = os.path.join(root, 'tests', 'e2e')
        unit = os.path.join(root, 'build', 'tests')
        os.makedirs(e2e)
        os.makedirs(unit)
        shutil.copy2(os.path.join(rftest.REPO, 'tests', 'run'), os.path.join(root, 'tests', 'run'))
        shutil.copy2(os.path.join(rftest.E2E_DIR, 'rftest.py'), e2e)
        for name, text in (('test_fake_pass_and_skips.py', FAKE_PASS_AND_SKIPS),
                           ('test_fake_all_skip.py', FAKE_ALL_SKIP)):
            with open(os.path.join(e2e, name), 'w') as f:
                f.write(text)
        src = os.path.join(root, 'fakeunit.c')
        with open(src, 'w') as f:
            f.write(FAKE_UNIT)
        r = rftest.run(['cc', '-o', os.path.join(unit, 'test_fakeunit'), src, '-lcmocka'])
        assert r.rc == 0, r.why()
        _tree = root
    return _tree


def runner(*names, require=False, jobs=1):
    root = fake_tree()
    env = {'RF_BUILD': 'build', 'RF_REQUIRE': '1' if require else None, 'RF_TEST_TIMEOUT': '60',
           'RF_TEST_JOBS': str(jobs)}
    return rftest.run([sys.executable, os.path.join(root, 'tests', 'run')] + list(names),
                      env=env, timeout=120)


def last_counts(r):
    lines = r.out.splitlines()
    assert lines, r.why()
    m = LAST_LINE.match(lines[-1])
    assert m, 'last line %r is not "N passed, N failed, N skipped"' % lines[-1]
    # The brief's older form, `N passed, N failed`, is still its prefix.
    assert re.match(r'^\d+ passed, \d+ failed', lines[-1])
    return tuple(int(g) for g in m.groups())


def file_line(r, name):
    found = [l for l in r.out.splitlines() if l.startswith('-- ') and name in l]
    assert len(found) == 1, 'no "-- %s" line: %s' % (name, r.why())
    return re.sub(r' \(\d+\.\ds\)$', '', found[0])


@rftest.test
def runner_counts_skips_in_the_last_line():
    r = runner()
    assert r.rc == 0, r.why()
    # unit: 1 passed, 1 skipped; e2e: 1 passed, 2 skipped + 2 skipped.
    assert last_counts(r) == (2, 0, 5), r.out
    assert file_line(r, 'test_fakeunit') == '-- build/tests/test_fakeunit: 1 passed, 0 failed, 1 skipped'
    assert file_line(r, 'test_fake_all_skip') == \
        '-- tests/e2e/test_fake_all_skip.py: 0 passed, 0 failed, 2 skipped'
    assert 'SKIP skips_for_a_missing_package: missing dependency: nginx not installed' in r.out, r.out


@rftest.test
def runner_with_two_jobs_counts_the_same_and_keeps_each_file_together():
    one, two = runner(), runner(jobs=2)
    assert two.rc == one.rc == 0, two.why()
    assert last_counts(two) == last_counts(one) == (2, 0, 5), two.out
    for name in ('test_fakeunit', 'test_fake_all_skip', 'test_fake_pass_and_skips'):
        assert file_line(two, name) == file_line(one, name)
    # Each file's output is one block: its '==' line, its lines, its '--' line.
    lines = two.out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith('== '):
            name = line[3:]
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(('== ', '-- ')))
            assert lines[end].startswith('-- %s:' % name), lines[i:end + 1]


@rftest.test
def runner_under_rf_require_fails_missing_dependencies_only():
    r = runner(require=True)
    assert r.rc == 1, r.why()
    # The missing package and the skipped unit test fail; the kernel, root
    # and IPv6 skips stay skips.
    assert last_counts(r) == (2, 2, 3), r.out
    assert 'FAIL skips_for_a_missing_package: missing dependency (RF_REQUIRE=1): nginx not installed' \
        in r.out, r.out
    assert file_line(r, 'test_fakeunit') == '-- build/tests/test_fakeunit: 1 passed, 1 failed'
    assert file_line(r, 'test_fake_all_skip') == \
        '-- tests/e2e/test_fake_all_skip.py: 0 passed, 0 failed, 2 skipped'
    failing = [l for l in r.out.splitlines() if l.startswith('failing: ')]
    assert failing == ['failing: build/tests/test_fakeunit tests/e2e/test_fake_pass_and_skips.py'], r.out


@rftest.test
def runner_fails_when_every_test_skipped():
    r = runner('fake_all_skip')
    assert r.rc == 1, r.why()
    assert last_counts(r) == (0, 0, 2), r.out
    assert 'no test ran' in r.out.splitlines(), r.out


if __name__ == '__main__':
    rftest.main()
