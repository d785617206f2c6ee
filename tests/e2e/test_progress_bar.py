"""The progress bar as a user sees it: stderr on a pseudo-terminal (issue 9,
item 15). ringfetch shows items done (of the total when it is known, with
an ETA), body bytes and their rate as they arrive, and the errors so far;
flags2 keeps the book's plain tqdm bar."""

import os
import pty
import re
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer  # noqa: E402


def run_on_pty(cmd, timeout=30):
    """Run cmd with stderr on a pty (stdout to a pipe); returns (rc, the
    bytes written to the terminal, stdout)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    screen = b''
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:   # EIO: the child closed the terminal's last descriptor
                    break
                if not chunk:
                    break
                screen += chunk
            elif p.poll() is not None:
                break
        out = p.stdout.read()
        rc = p.wait(max(deadline - time.monotonic(), 1))
    finally:
        if p.poll() is None:
            p.kill()   # our own child, by pid
            p.wait()
        os.close(master)
        p.stdout.close()
    return rc, screen.decode('utf-8', 'replace'), out


def frames(screen):
    """The bar's successive lines: the text between carriage returns."""
    return [f.strip() for f in re.split(r'[\r\n]', screen) if f.strip()]


class DripServer(FakeServer):
    """One body of `size` bytes with its Content-Length, sent in `pieces`
    pieces over `seconds`: a big file that takes a while."""

    def __init__(self, size, pieces, seconds):
        super().__init__()
        self.size, self.pieces, self.seconds = size, pieces, seconds

    def handle(self, conn):
        for _ in rftest.requests(conn):
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % self.size)
            piece = self.size // self.pieces
            for i in range(self.pieces):
                n = piece if i < self.pieces - 1 else self.size - piece * i
                conn.sendall(b'x' * n)
                time.sleep(self.seconds / self.pieces)


SIZE_RATE_ERRORS = r'\d+(\.\d)? [kMG]?B, (\d+(\.\d)? [kMG]?B|\? B)/s, \d+ errors?\]'


@rftest.test
def ringfetch_bar_shows_the_bytes_of_one_big_file_while_it_arrives():
    with DripServer(4000000, 20, 2.0) as srv:
        rc, screen, _ = run_on_pty([rftest.bin('ringfetch'), '-o', rftest.tempdir(),
                                    srv.url('/big.bin')])
    assert rc == 0, screen[-300:]
    lines = frames(screen)
    moving = [l for l in lines if re.search(r'\| 0/1 \[\d\d:\d\d<\?, \?it/s, ' + SIZE_RATE_ERRORS, l)]
    assert moving, 'no "0/1 [..., BYTES, RATE/s, N errors]" line while the file came: %s' % lines[:8]
    got = [float(m.group(1)) * {'B': 1, 'kB': 1e3, 'MB': 1e6}[m.group(2)]
           for m in (re.search(r'\?it/s, (\d+(?:\.\d)?) (B|kB|MB),', l) for l in moving) if m]
    assert any(0 < b < 4000000 for b in got), 'bytes never shown mid-file: %s' % moving[:5]
    assert re.search(r'100%\|.*\| 1/1 \[.*, 4\.0 MB, .*0 errors\]', lines[-2] if len(lines) > 1 else ''), lines[-3:]


@rftest.test
def ringfetch_bar_counts_errors_and_has_a_total_and_eta_for_url_arguments():
    dead = 'http://127.0.0.1:%d' % rftest.free_port()
    with DripServer(200000, 10, 1.0) as srv:
        rc, screen, _ = run_on_pty([rftest.bin('ringfetch'), '-m', '1', '--retry', '0',
                                    '-o', rftest.tempdir(), dead + '/a', srv.url('/b'), srv.url('/c')])
    assert rc == 1, screen[-300:]
    lines = frames(screen)
    assert any(re.search(r'\| 1/3 \[\d\d:\d\d<(\d\d:\d\d|\?), .*, 1 error\]', l) for l in lines), \
        'no "1/3 [...<ETA, ..., 1 error]" line: %s' % lines[:10]


@rftest.test
def ringfetch_bar_with_a_list_counts_up_with_bytes():
    d = rftest.tempdir()
    with DripServer(100000, 5, 0.5) as srv:
        lst = os.path.join(d, 'list')
        with open(lst, 'w') as f:
            f.write(''.join(srv.url('/f%d' % i) + '\n' for i in range(3)))
        rc, screen, _ = run_on_pty([rftest.bin('ringfetch'), '-m', '1', '-i', lst,
                                    '-o', os.path.join(d, 'out')])
    assert rc == 0, screen[-300:]
    lines = frames(screen)
    assert any(re.match(r'^\d+it \[\d\d:\d\d, .*it/s, ' + SIZE_RATE_ERRORS + '$', l)
               for l in lines), lines[:8]


@rftest.test
def ringfetch_bar_gets_the_total_of_a_list_file_counted_beside_the_run():
    # Issue 9 item 15: a regular list is counted by a second read through the
    # engine (blank and comment lines left out), without delaying the first
    # request; the bar then has a total and an ETA.
    d = rftest.tempdir()
    with DripServer(100000, 5, 0.5) as srv:
        lst = os.path.join(d, 'list')
        with open(lst, 'w') as f:
            f.write('# three files\n\n' + ''.join(srv.url('/f%d' % i) + '\n' for i in range(3)))
        rc, screen, _ = run_on_pty([rftest.bin('ringfetch'), '-m', '1', '-i', lst,
                                    '-o', os.path.join(d, 'out')])
    assert rc == 0, screen[-300:]
    lines = frames(screen)
    assert any(re.match(r'^ *\d+%\|.*\| [0-2]/3 \[\d\d:\d\d<[\d:?]+, ', l) for l in lines), lines[:8]
    bars = [l for l in lines if '|' in l]
    assert re.match(r'^100%\|.*\| 3/3 ', bars[-1]), bars[-3:]


@rftest.test
def ringfetch_bar_shows_retries_waiting():
    # Two items wait 2 s for their retry (Retry-After): the bar says so
    # meanwhile, and says nothing of retries once they are done.
    def busy_once(req):
        return rftest.reply(503, b'', [('Retry-After', '2')]) if req.nth == 1 else rftest.reply(200, b'ok')
    srv = rftest.RouteServer({'/a': busy_once, '/b': busy_once, '/c': rftest.reply(200, b'c')})
    with srv:
        rc, screen, _ = run_on_pty([rftest.bin('ringfetch'), '-o', rftest.tempdir(),
                                    srv.url('/a'), srv.url('/b'), srv.url('/c')])
    assert rc == 0, screen[-300:]
    lines = frames(screen)
    assert any(re.search(r'\| 1/3 \[.*, 0 errors, 2 retrying\]$', l) for l in lines), lines[:12]
    assert re.search(r'\| 3/3 \[.*, 0 errors\]$', lines[-2]), lines[-3:]


def dot_server(n_ok, n_missing):
    routes = {'/ok%02d' % i: rftest.reply(200, b'x' * 100) for i in range(n_ok)}
    return rftest.RouteServer(routes), ['/ok%02d' % i for i in range(n_ok)] + \
        ['/missing%d' % i for i in range(n_missing)]


@rftest.test
def ringfetch_progress_dot_off_a_terminal_draws_a_character_per_item():
    srv, paths = dot_server(57, 3)
    with srv:
        r = rftest.run([rftest.bin('ringfetch'), '-m', '4', '--progress=dot', '-o', rftest.tempdir()] +
                       [srv.url(p) for p in paths], timeout=60)
    assert r.rc == 1, r.why()
    errs = [l for l in r.err.splitlines() if l.startswith('ERR ')]
    lines = [l for l in r.err.splitlines() if not l.startswith('ERR ')]
    assert len(errs) == 3, r.err
    # Lines of 50 in groups of 10, each ended by the counts so far; an ERR
    # line breaks a line of dots, which goes on below at its column.
    col, chars, ended = 0, '', []
    for l in lines[:-1]:
        m = re.match(r'^( *)([.! ]*?)( +\d+/60 +\d+%  .*)?$', l)
        lead, dots, counts = len(m.group(1)), m.group(2), m.group(3)
        width = col + (col - 1) // 10 + (col % 10 == 0) if col else 0
        assert lead == width, 'continued at column %d, not %d: %s' % (lead, width, lines)
        for g, group in enumerate(dots.split(' ')):
            assert group and len(group) <= 10, lines
        col += len(dots.replace(' ', ''))
        chars += dots.replace(' ', '')
        if counts:
            ended.append((col, counts))
            col = 0
    assert [c for c, _ in ended] == [50, 10], ended
    assert re.match(r'^ +50/60  83%  [\d.]+ kB  [\d.]+ [kMG]?B/s  [0-3] errors?$', ended[0][1]), ended
    assert sorted(chars) == sorted('.' * 57 + '!' * 3), chars
    assert re.search(r'  60/60 100%  5\.7 kB  .*  3 errors$', lines[-2]), lines
    assert lines[-1].startswith('60 files, 5.7 kB, 3 not found, 0 errors in '), lines


@rftest.test
def ringfetch_progress_none_and_the_default_off_a_terminal_print_no_progress():
    srv, paths = dot_server(3, 1)
    with srv:
        for extra in ([], ['--progress=none'], ['--progress', 'none']):
            r = rftest.run([rftest.bin('ringfetch'), '-o', rftest.tempdir()] + extra +
                           [srv.url(p) for p in paths], timeout=60)
            assert r.rc == 1, r.why()
            lines = r.err.splitlines()
            assert len(lines) == 2 and lines[0].startswith('ERR ') and ' files, ' in lines[1], r.err


@rftest.test
def ringfetch_progress_bar_off_a_terminal_falls_back_to_dots_as_wget_does():
    srv, paths = dot_server(3, 0)
    with srv:
        r = rftest.run([rftest.bin('ringfetch'), '--progress=bar', '-o', rftest.tempdir()] +
                       [srv.url(p) for p in paths], timeout=60)
        assert r.rc == 0, r.why()
        assert re.match(r'^\.\.\. +3/3 100%  300 B  ', r.err), r.err
        r = rftest.run([rftest.bin('ringfetch'), '--progress=bar:force', '-o', rftest.tempdir()] +
                       [srv.url(p) for p in paths], timeout=60)
        assert r.rc == 0, r.why()
        assert '\r' in r.err and '| 3/3 [' in r.err, r.err


@rftest.test
def ringfetch_progress_dot_on_a_terminal_draws_dots_not_the_bar():
    srv, paths = dot_server(4, 0)
    with srv:
        rc, screen, _ = run_on_pty([rftest.bin('ringfetch'), '--progress=dot', '-o', rftest.tempdir()] +
                                   [srv.url(p) for p in paths])
    assert rc == 0, screen
    assert '|' not in screen and re.search(r'^\.\.\.\. +4/4 100%', screen), screen


@rftest.test
def flags2_bar_stays_the_books_tqdm_bar():
    root = rftest.flags_root()
    with rftest.Nginx(root) as ng:
        rc, screen, out = run_on_pty([rftest.bin('flags2'), '-a', '--url', ng.url('/flags'),
                                      '--dest', rftest.tempdir()])
    assert rc == 0, out[-300:]
    lines = frames(screen)
    assert re.match(r'^100%\|\u2588{10}\| 194/194 \[\d\d:\d\d<00:00, +\d+\.\d\dit/s\]$', lines[-1]), \
        lines[-3:]


if __name__ == '__main__':
    rftest.main()
