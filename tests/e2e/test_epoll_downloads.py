#!/usr/bin/env python3
"""The end-to-end download tests again, on the epoll backend.

Each script below is run with RF_BACKEND=epoll, which makes every ringfetch,
flags2 and ringload it starts get `--backend epoll` (rftest.run() adds it,
and so does subprocess.Popen for the tests that start a program directly or
through `sh -c`): the same assertions (exact files, byte for byte, the same
counts and messages) must hold on both backends. Their lines are reported
here as `epoll:SCRIPT:TEST`. Each script's last line says how many programs
of ours it started and how many of those runs' --stats were checked to name
epoll; a script that started none fails here.

Not rerun (time): test_default_limits (30 s of deadlines) and
test_fault_matrix (18 s); the faults they cover are rerun here through
test_fetch_faults and test_short_bodies. Not rerun (not about the
backend): the option, naming and output-format scripts (test_saving,
test_requests, test_result_log, test_scale_out, ...), whose I/O is the
same engine path as the downloads here.
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
    'test_response_corpus.py', 'test_tls_nginx.py', 'test_tls_failures.py',
    'test_redirects.py', 'test_retries.py', 'test_resume.py', 'test_dns.py', 'test_proxy.py',
]

LINE = re.compile(r'^(PASS|FAIL|SKIP) (\S+)(.*)$')
BACKEND_LINE = re.compile(r'^BACKEND (\S+): (\d+) started, (\d+) checked by --stats$')


def main():
    env = dict(os.environ, RF_BACKEND='epoll')
    failed = 0
    for script in SCRIPTS:
        path = os.path.join(rftest.E2E_DIR, script)
        p = subprocess.run([sys.executable, path], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        out = p.stdout.decode('utf-8', 'replace')
        seen = 0
        started = checked = None
        for line in out.splitlines():
            b = BACKEND_LINE.match(line)
            if b and b.group(1) == 'epoll':
                started, checked = int(b.group(2)), int(b.group(3))
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
        elif not started:
            failed += 1
            print('FAIL epoll:%s: started no program with --backend epoll (%s)' % (
                script[:-3], 'no BACKEND line' if started is None else '0 started'), flush=True)
        else:
            print('epoll:%s: %d runs on epoll, %d of them checked by --stats' % (
                script[:-3], started, checked), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
