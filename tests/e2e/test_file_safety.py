#!/usr/bin/env python3
"""What ringfetch leaves on disk when names are hostile or runs go wrong
(issue 9 items 1 and 4, issue 8's setup defect): a link at NAME.part or
at NAME is never followed, a user's own files are never touched, a failed
or killed download leaves nothing under a final name and no temporary,
a transfer coding we did not ask for is refused by name, and a ring that
cannot be set up is an error, not a crash.

Every file test runs twice: with the default way of creating files (an
unnamed O_TMPFILE inode linked in at the end) and with the fallback
(RINGFETCH_SINK_DISABLE=tmpfile: an exclusive temporary name, renamed)."""

import os
import signal
import subprocess
import time

import rftest
from rftest import FakeServer

BODY = b'the body of f6, complete\n'
REPLY = b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(BODY) + BODY

WAYS = {'tmpfile': {}, 'named': {'RINGFETCH_SINK_DISABLE': 'tmpfile'}}


def ringfetch(*args, env=None, timeout=30):
    # (rftest.run sets env on top of this process's, less its proxy variables)
    return rftest.run([rftest.bin('ringfetch')] + list(args), env=env, timeout=timeout)


def victim_in(base):
    path = os.path.join(base, 'victim')
    with open(path, 'wb') as f:
        f.write(b'VICTIM, not ours\n')
    return path


for_each_way = rftest.for_each(WAYS)


@for_each_way
def a_link_at_the_part_name_is_never_followed(env):
    base = rftest.tempdir()
    victim = victim_in(base)
    out = os.path.join(base, 'out')
    os.mkdir(out)
    os.symlink('../victim', os.path.join(out, 'f6.bin.part'))
    with FakeServer.canned(REPLY) as srv:
        r = ringfetch('-o', out, srv.url('/f6.bin'), env=env)
    assert r.rc == 0, r.why()
    assert open(victim, 'rb').read() == b'VICTIM, not ours\n'
    final = os.path.join(out, 'f6.bin')
    assert not os.path.islink(final) and open(final, 'rb').read() == BODY
    assert os.readlink(os.path.join(out, 'f6.bin.part')) == '../victim'
    assert rftest.leftovers(out) == ['f6.bin', 'f6.bin.part'], rftest.leftovers(out)


@for_each_way
def a_link_at_the_final_name_is_replaced_not_followed(env):
    base = rftest.tempdir()
    victim = victim_in(base)
    out = os.path.join(base, 'out')
    os.mkdir(out)
    os.symlink('../victim', os.path.join(out, 'f6.bin'))
    with FakeServer.canned(REPLY) as srv:
        r = ringfetch('-o', out, srv.url('/f6.bin'), env=env)
    assert r.rc == 0, r.why()
    assert open(victim, 'rb').read() == b'VICTIM, not ours\n'
    final = os.path.join(out, 'f6.bin')
    assert not os.path.islink(final) and open(final, 'rb').read() == BODY
    assert rftest.leftovers(out) == ['f6.bin'], rftest.leftovers(out)


@for_each_way
def a_failed_download_leaves_the_link_and_its_target_alone(env):
    base = rftest.tempdir()
    victim = victim_in(base)
    out = os.path.join(base, 'out')
    os.mkdir(out)
    os.symlink('../victim', os.path.join(out, 'f6.bin'))
    with FakeServer.truncating(1000) as srv:
        r = ringfetch('-o', out, srv.url('/f6.bin'), env=env)
    assert r.rc == 1, r.why()
    assert 'truncated' in r.err, r.why()
    assert open(victim, 'rb').read() == b'VICTIM, not ours\n'
    assert os.readlink(os.path.join(out, 'f6.bin')) == '../victim'
    assert rftest.leftovers(out) == ['f6.bin'], rftest.leftovers(out)


@for_each_way
def many_files_some_failing_leave_only_complete_files(env):
    out = rftest.tempdir()

    def handle(conn):
        for head in rftest.requests(conn):
            n = int(head.split(b' ')[1].rsplit(b'/', 1)[1])
            if n % 3 == 0:
                conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n' + b'x' * 40)
                conn.close()
                return
            body = b'%d\n' % n * 50
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(body) + body)
    with FakeServer(handle) as srv:
        r = ringfetch('-m', '8', '-o', out, '--stats', *[srv.url('/%d' % i) for i in range(60)],
                      env=env)
    assert r.rc == 1, r.why()
    st = r.stats()
    assert st['ok'] == 40 and st['errors'] == 20, st
    left = rftest.leftovers(out)
    assert left == sorted(str(i) for i in range(60) if i % 3), left
    for name in left:
        assert open(os.path.join(out, name), 'rb').read() == b'%d\n' % int(name) * 50


@rftest.test
def files_are_made_the_cheap_way_where_the_file_system_allows():
    out = rftest.tempdir()
    with FakeServer.canned(REPLY, close=False) as srv:
        r = ringfetch('-o', out, '--stats', srv.url('/a'), srv.url('/b'))
        r2 = ringfetch('-o', out, '--stats', srv.url('/a'), env=WAYS['named'])
    assert r.rc == 0 and r2.rc == 0, r.why() + r2.why()
    assert r.stats().get('files_tmpfile') == 2, r.out
    assert r2.stats().get('files_named') == 1, r2.out


@rftest.test
def sigkill_mid_body_leaves_nothing_with_an_unnamed_file():
    out = rftest.tempdir()
    with FakeServer.dripping(100, 0.05) as srv:
        p = subprocess.Popen([rftest.bin('ringfetch'), '-o', out, srv.url('/big')],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        assert p.poll() is None, 'finished too early'
        p.send_signal(signal.SIGKILL)
        p.wait()
    assert rftest.leftovers(out) == [], rftest.leftovers(out)


def coding_reply(te):
    if b'chunked' in te:
        body = b'5\r\nhello\r\n0\r\n\r\n'
    else:
        body = b'hello'
    return b'HTTP/1.1 200 OK\r\nTransfer-Encoding: ' + te + b'\r\n\r\n' + body


@rftest.test
def a_transfer_coding_we_did_not_ask_for_is_refused_by_name():
    for te in (b'gzip', b'gzip, chunked', b'deflate', b'chunked;x=1, br'):
        out = rftest.tempdir()
        with FakeServer.canned(coding_reply(te)) as srv:
            r = ringfetch('-o', out, srv.url('/f'))
        want = te.split(b',')[0].split(b';')[0].strip().decode()
        if want == 'chunked':
            want = 'br'
        assert r.rc == 1, r.why()
        assert "unsupported transfer coding '%s'" % want in r.err, r.why()
        assert rftest.leftovers(out) == [], rftest.leftovers(out)
    # chunked alone, and with parameters, is fine
    out = rftest.tempdir()
    with FakeServer.canned(coding_reply(b'chunked')) as srv:
        r = ringfetch('-o', out, srv.url('/f'))
    assert r.rc == 0 and open(os.path.join(out, 'f'), 'rb').read() == b'hello', r.why()


@rftest.test
def a_ring_that_cannot_be_set_up_is_an_error_not_a_crash():
    # Issue 8: with too little address space the ring's setup fails; the
    # engine used to read its freed state and die of SIGSEGV.
    if os.environ.get('ASAN_OPTIONS'):
        rftest.skip('AddressSanitizer maps terabytes of shadow memory: ulimit -v cannot apply')
    with FakeServer.canned(REPLY) as srv:
        cmd = 'ulimit -v 150000; exec %s -m 1000 --discard %s' % (rftest.bin('ringfetch'), srv.url('/a'))
        r = rftest.run(['sh', '-c', cmd])
    assert r.rc not in (0, -11, 139), r.why()
    assert r.rc > 0, r.why()
    assert 'io_uring setup' in r.err and 'Cannot allocate memory' in r.err, r.why()


if __name__ == '__main__':
    rftest.main()
