"""Running one tool once and measuring it: wall time, the client's user+sys
CPU and peak RSS (wait4 in bench/spawn.c), the server's CPU over the run,
ringfetch's own counters (--stats); the io_uring_enter cross-check under
strace; and the limits (wrk's request ceiling, the file-system floor).

Only processes started here are ever signalled, always by pid."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

from .common import BENCH, clear_dir, which

RUN_TIMEOUT_S = 180  # no run here takes more than ~20 s; a stuck one fails

# strace must count exactly the io_uring_enter calls ringfetch counts itself:
# ringfetch adds one to its counter around each liburing call that makes
# exactly one io_uring_enter (src/engine/ring.c), and strace -f -c counts
# every such system call of the same process, failed ones (EINTR, ETIME)
# included, which ringfetch counts too. strace slows the run, which changes
# how many enters there are, but both count the same run, so no difference
# is noise: one enter more or less means the counter (and so every
# enters/file in the report) is wrong.
STRACE_TOLERANCE = 0


class Usage:
    def __init__(self, utime, stime, maxrss):
        self.ru_utime, self.ru_stime, self.ru_maxrss = utime, stime, maxrss


class Spawner:
    """Starts measured commands through bench/spawn.c when it compiles (so a
    tool's peak RSS is its own, not the harness's: Linux keeps the peak across
    execve), else waits for them from here."""

    def __init__(self, tmp):
        self.path, self.note = None, ''
        self.tmp = tmp
        cc = which('cc') or which('gcc') or which('clang')
        if not cc:
            self.note = 'no C compiler: peak RSS includes the harness\'s own'
            return
        exe = os.path.join(tmp, 'spawn')
        src = os.path.join(BENCH, 'spawn.c')
        for extra in (['-static'], []):
            r = subprocess.run([cc, '-O2', '-o', exe, src] + extra, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            if r.returncode == 0:
                self.path = exe
                self.note = 'tools started by bench/spawn.c (%s)' % (
                    'static' if extra else 'dynamic')
                return
        self.note = 'bench/spawn.c did not compile: peak RSS includes the harness\'s own'

    def run(self, cmd, timeout, out_path, err_path, cwd=None):
        """Run cmd and return (exit code, Usage, wall_s, timed_out); the child
        is killed by pid at the timeout."""
        if self.path is None:
            return _wait_direct(cmd, timeout, out_path, err_path, cwd)
        # The result file lives in our temp dir, whatever out_path is (it may
        # be /dev/null).
        res_path = os.path.join(self.tmp, 'spawn.res')
        if os.path.exists(res_path):
            os.unlink(res_path)
        with open(out_path, 'wb') as out, open(err_path, 'wb') as err:
            proc = subprocess.Popen([self.path, res_path, str(int(timeout))] + list(cmd),
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd)
            try:
                rc = proc.wait(timeout + 30)
            except BaseException:
                proc.terminate()  # our spawn, by pid: it kills the tool, by pid
                proc.wait()
                raise
        if rc != 0 or not os.path.exists(res_path):
            raise RuntimeError('bench/spawn failed (%s) for %s' % (rc, cmd[0]))
        with open(res_path) as f:
            code, wall_ns, ut, st, rss, killed = (int(x) for x in f.read().split())
        return code, Usage(ut / 1e6, st / 1e6, rss), wall_ns / 1e9, bool(killed)


def _wait_direct(cmd, timeout, out_path, err_path, cwd=None):
    """wait4 from here; WNOWAIT keeps the pid from being reused before the
    timeout timer is disarmed."""
    lock = threading.Lock()
    state = {'done': False, 'killed': False}
    with open(out_path, 'wb') as out, open(err_path, 'wb') as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd)

        def kill():
            with lock:
                if not state['done']:
                    state['killed'] = True
                    os.kill(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            wall = time.perf_counter() - t0
            with lock:
                state['done'] = True
            timer.cancel()
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            with lock:
                if not state['done']:
                    state['done'] = True
                    proc.kill()
            timer.cancel()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here
    return proc.returncode, usage, wall, state['killed']


def last_json(text):
    """The last line of text that is a JSON object (a --stats line), or None."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith('{'):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


class Runner:
    """Runs peers, one measured run at a time, into a destination's `out`
    folder; logs (the last run's stdout and stderr) go to logs_dir."""

    def __init__(self, spawner, logs_dir, timeout=RUN_TIMEOUT_S):
        self.spawner, self.logs, self.timeout = spawner, logs_dir, timeout
        os.makedirs(logs_dir, exist_ok=True)

    def run_once(self, peer, spec, row):
        """One run of peer as spec says, on row's server and destination: a
        dict of what was measured, with 'failed' '' or why the run does not
        count (timed out, exit status, or the peer's verifier said no)."""
        clear_dir(spec.out_dir)
        if row.destination.sync_before_run:
            os.sync()  # earlier runs' writeback must not land in this one
        time.sleep(row.destination.settle_s)  # destinations.DISK_SETTLE_S
        cmd = peer.command(spec)
        out_p = os.path.join(self.logs, 'last.out')
        err_p = os.path.join(self.logs, 'last.err')
        srv0 = row.server.cpu_s()
        rc, usage, wall, killed = self.spawner.run(cmd, self.timeout, out_p, err_p)
        srv1 = row.server.cpu_s()
        with open(out_p, errors='replace') as f:
            out = f.read()
        with open(err_p, errors='replace') as f:
            err = f.read()
        corpus = spec.corpus
        r = dict(tool=peer.name, corpus=corpus.name, n=row.n, target=row.destination.name,
                 server=row.server.name, rc=rc, wall_s=wall,
                 cpu_s=usage.ru_utime + usage.ru_stime, user_s=usage.ru_utime,
                 sys_s=usage.ru_stime, rss_kib=usage.ru_maxrss, nginx_cpu_s=srv1 - srv0,
                 files=corpus.files, bytes=corpus.bytes)
        if killed:
            why = 'timed out after %ds' % self.timeout
        elif rc != 0:
            why = 'exit status %s: %s' % (rc, ' | '.join(err.strip().splitlines()[-3:])[:300])
        else:
            why = peer.verify(spec, out, err)
        if peer.stats:
            st = last_json(out if peer.stats == 'out' else err)
            if st:
                r['stats'] = st
        r['failed'] = why
        clear_dir(spec.out_dir)
        return r


# ------------------------------------------------------------ cross-check

def strace_check(peer, spec, logs_dir):
    """Count the io_uring_enter calls of one ringfetch run with strace and
    compare them with its own --stats count (strace slows it; not timed).
    The result's 'failed' is '' or why the check failed (strace_verdict)."""
    if not which('strace'):
        return {'corpus': spec.corpus.name, 'n': spec.n, 'skipped': 'strace not installed'}
    clear_dir(spec.out_dir)
    trace = os.path.join(logs_dir, 'strace.txt')
    cmd = ['strace', '-f', '-c', '-e', 'trace=io_uring_enter', '-o', trace] + peer.command(spec)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=RUN_TIMEOUT_S)
    res = {'corpus': spec.corpus.name, 'n': spec.n, 'rc': r.returncode,
           'verify': (peer.verify(spec, r.stdout, r.stderr) if r.returncode == 0
                      else 'exit %d' % r.returncode)}
    st = last_json(r.stdout) or {}
    res['stats_enters'] = st.get('enters')
    res['stats_sqes'] = st.get('sqes')
    res.update(parse_strace_summary(trace))
    res['tolerance'] = STRACE_TOLERANCE
    res['failed'] = strace_verdict(res)
    clear_dir(spec.out_dir)
    return res


def parse_strace_summary(path):
    """{'strace_calls': N, 'strace_errors': N} from `strace -c -o PATH`'s
    table; {} when io_uring_enter is not in it (strace lists only the calls
    that were made)."""
    res = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts and parts[-1] == 'io_uring_enter':
                nums = parts[:-1]
                # % time, seconds, usecs/call, calls, [errors]
                res['strace_calls'] = int(nums[3])
                res['strace_errors'] = int(nums[4]) if len(nums) > 4 else 0
    return res


def strace_verdict(res):
    """'' when the cross-check passed, else why not: the run under strace must
    have succeeded and the two counts must agree within STRACE_TOLERANCE."""
    if res.get('skipped'):
        return ''
    if res.get('verify'):
        return 'the run under strace failed: %s' % res['verify']
    calls, enters = res.get('strace_calls'), res.get('stats_enters')
    if enters is None:
        return 'ringfetch printed no enters in --stats'
    if calls is None:
        return 'strace counted no io_uring_enter calls (ringfetch reported %d)' % enters
    if abs(calls - enters) > res.get('tolerance', STRACE_TOLERANCE):
        return 'strace counted %d io_uring_enter calls, ringfetch --stats %d' % (calls, enters)
    return ''


# ------------------------------------------------------------------ limits

def wrk(spawner, logs_dir, server, n, path, seconds):
    """requests/s of wrk on one file with N connections: the network and
    server ceiling, no files written."""
    if not which('wrk'):
        return {'n': n, 'error': 'wrk not installed'}
    out_p = os.path.join(logs_dir, 'wrk.out')
    err_p = os.path.join(logs_dir, 'wrk.err')
    srv0 = server.cpu_s()
    rc, usage, wall, killed = spawner.run(
        ['wrk', '-c', str(n), '-d', '%ds' % seconds, '-t', '1', server.url(path)], 60,
        out_p, err_p)
    srv1 = server.cpu_s()
    with open(out_p) as f:
        text = f.read()
    m = re.search(r'^\s*(\d+) requests in ([\d.]+)(\w+)', text, re.M)
    rps = re.search(r'Requests/sec:\s*([\d.]+)', text)
    res = {'n': n, 'rc': rc, 'cpu_s': usage.ru_utime + usage.ru_stime, 'wall_s': wall,
           'nginx_cpu_s': srv1 - srv0}
    if rc != 0 or not rps or 'Non-2xx' in text or 'Socket errors' in text:
        res['error'] = 'wrk: ' + ' | '.join(text.strip().splitlines()[-3:])
        return res
    res['rps'] = float(rps.group(1))
    res['requests'] = int(m.group(1)) if m else None
    if res['requests']:
        res['nginx_us_per_req'] = 1e6 * res['nginx_cpu_s'] / res['requests']
    return res

