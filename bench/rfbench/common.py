"""Paths, units and small helpers every part of the bench uses, and the one
place that makes the tests' helpers (tests/e2e/rftest.py) importable."""

import os
import shutil
import sys

PKG = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(PKG)
REPO = os.path.dirname(BENCH)
RESULTS = os.path.join(BENCH, 'results')
KIB = 1024
MIB = 1024 * 1024

# The tests' helpers (free_port, the nginx runner and its template renderer)
# are shared rather than written twice; rftest is stdlib-only like the bench.
sys.path.insert(0, os.path.join(REPO, 'tests', 'e2e'))
import rftest  # noqa: E402  (after the path it needs)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def repo_path(value):
    return value if os.path.isabs(value) else os.path.join(REPO, value)


def which(cmd):
    """The path of cmd, also in /usr/sbin (nginx) when PATH lacks it."""
    return shutil.which(cmd) or next((p for p in ('/usr/sbin/' + cmd, '/usr/bin/' + cmd)
                                      if os.access(p, os.X_OK)), None)


def clear_dir(d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
