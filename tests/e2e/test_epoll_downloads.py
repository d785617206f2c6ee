#!/usr/bin/env python3
"""The end-to-end download tests again, on the epoll backend.

Each script below is run with RF_BACKEND=epoll, which makes rftest.run() give
every ringfetch, flags2 and ringload it starts `--backend epoll`: the same
assertions (exact files, byte for byte, the same counts and messages) must
hold on both backends. Their lines are reported here as `epoll:SCRIPT:TEST`.

Not rerun (time): test_default_limits (30 s of deadlines) and
test_fault_matrix (18 s); the faults they cover are rerun here through
test_fetch_faults and test_short_bodies.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

SCRIPTS = [
    'test_fetch_nginx.py', 'test_fetch_faults.py', 'test_file_safety.py',
    'test_flags2_flagserver.py', 'test_flags3.py', 'test_local_failures.py',
    'test_short_bodies.py', 'test_window.py', 'test_urls.py', 'test_output_modes.py',
    'test_response_corpus.py',
]

LINE = re.compile(r'^(PASS|FAIL|SKIP) (\S+)(.*)$')


def main():
    env = dict(os.environ, RF_BACKEND='epoll')
    failed = 0
    for script in SCRIPTS:
        path = os.path.join(rftest.E2E_DIR, script)
        p = subprocess.run([sys.executable, path], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        out = p.stdout.decode('utf-8', 'replace')
        seen = 0
        for line in out.splitlines():
            m = LINE.match(line)
            if not m:
                continue
            seen += 1
            failed += m.group(1) == 'FAIL'
            print('%s epoll:%s:%s%s' % (m.group(1), script[:-3], m.group(2), m.group(3)),
                  flush=True)
        if p.returncode != 0 and not any(l.startswith('FAIL ') for l in out.splitlines()):
            failed += 1
            print('FAIL epoll:%s: exit status %d: %s' % (script[:-3], p.returncode,
                                                         rftest._tail(out)), flush=True)
        elif seen == 0:
            failed += 1
            print('FAIL epoll:%s: ran no test' % script[:-3], flush=True)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
