#!/usr/bin/env python3
"""-c, --continue (issue 11 item 5): NAME.part is kept across runs and
continued with Range + If-Range using the validator recorded when it was
started; a 200 starts over, a 206 at its end appends, anything inconsistent
starts over. A final name is never a truncated file; a link at NAME.part is
never followed."""

import os
import signal
import subprocess
import time

import rftest
from rftest import FakeServer

BODY = bytes(range(256)) * 400            # 102,400 bytes, every offset distinct
ETAG = b'"v1"'


def header(head, name):
    for line in head.split(b'\r\n')[1:]:
        k, _, v = line.partition(b':')
        if k.strip().lower() == name:
            return v.strip()
    return None


class RangeServer(FakeServer):
    """Serves BODY with an ETag. Honours Range (and If-Range) when ranges is
    True; cut_at: send only that many body bytes of a full answer, then
    close; start_override: answer a range with this first byte instead."""

    def __init__(self, body=BODY, etag=ETAG, ranges=True, cut_at=None, start_override=None, status416=False):
        super().__init__()
        self.body, self.etag, self.ranges = body, etag, ranges
        self.cut_at, self.start_override, self.status416 = cut_at, start_override, status416
        self.heads = []

    def handle(self, conn):
        for head in rftest.requests(conn):
            self.heads.append(head)
            rng, if_range = header(head, b'range'), header(head, b'if-range')
            body, status, extra = self.body, b'200 OK', b''
            if rng and self.ranges and (if_range is None or if_range == self.etag):
                if self.status416:
                    conn.sendall(b'HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\n\r\n')
                    continue
                start = int(rng.split(b'=')[1].split(b'-')[0])
                if self.start_override is not None:
                    start = self.start_override
                body = self.body[start:]
                status = b'206 Partial Content'
                extra = b'Content-Range: bytes %d-%d/%d\r\n' % (start, len(self.body) - 1, len(self.body))
            conn.sendall(b'HTTP/1.1 ' + status + b'\r\nETag: ' + self.etag + b'\r\n' + extra +
                         b'Content-Length: %d\r\n\r\n' % len(body))
            if self.cut_at is not None and status.startswith(b'200'):
                conn.sendall(body[:self.cut_at])
                time.sleep(0.2)
                conn.close()
                return
            conn.sendall(body)


def ringfetch(*args):
    return rftest.run([rftest.bin('ringfetch'), '--retry', '0'] + list(args), timeout=30)


def a_part_of(out, k):
    """A run against a server that cuts the body after k bytes leaves NAME.part."""
    with RangeServer(cut_at=k) as srv:
        r = ringfetch('-c', '-o', out, srv.url('/f.bin'))
    assert r.rc == 1, r.why()
    assert rftest.leftovers(out) == ['f.bin.part'], rftest.leftovers(out)
    assert open(os.path.join(out, 'f.bin.part'), 'rb').read() == BODY[:k]
    return os.path.join(out, 'f.bin.part')


@rftest.test
def a_part_from_a_failed_run_is_completed_with_range():
    out = rftest.tempdir()
    a_part_of(out, 30000)
    with RangeServer() as srv:
        r = ringfetch('-c', '-o', out, '--stats', srv.url('/f.bin'))
        head = srv.heads[0]
    assert r.rc == 0, r.why()
    assert header(head, b'range') == b'bytes=30000-', head
    assert header(head, b'if-range') == ETAG, head
    assert rftest.leftovers(out) == ['f.bin']
    assert open(os.path.join(out, 'f.bin'), 'rb').read() == BODY


@rftest.test
def a_changed_etag_starts_over():
    out = rftest.tempdir()
    a_part_of(out, 30000)
    new = BODY[::-1]
    with RangeServer(body=new, etag=b'"v2"') as srv:
        r = ringfetch('-c', '-o', out, srv.url('/f.bin'))
    assert r.rc == 0, r.why()
    assert open(os.path.join(out, 'f.bin'), 'rb').read() == new
    assert rftest.leftovers(out) == ['f.bin']


@rftest.test
def a_server_without_ranges_starts_over():
    out = rftest.tempdir()
    a_part_of(out, 50000)
    with RangeServer(ranges=False) as srv:
        r = ringfetch('-c', '-o', out, srv.url('/f.bin'))
    assert r.rc == 0, r.why()
    assert open(os.path.join(out, 'f.bin'), 'rb').read() == BODY


def a_shorter_new_body_replaces_a_longer_part(disable):
    """Starting over truncates the part: a new body shorter than the part
    must not keep the part's tail. The truncation is IORING_OP_FTRUNCATE
    where the kernel has it (6.9), else ftruncate(2)."""
    out = rftest.tempdir()
    a_part_of(out, 50000)
    new = bytes(range(256)) * 80  # 20480 bytes, shorter than the part
    env = dict(os.environ, RINGFETCH_RING_DISABLE=disable)
    with RangeServer(body=new, etag=b'"v3"') as srv:
        r = rftest.run([rftest.bin('ringfetch'), '--retry', '0', '-c', '-o', out, '--stats', '-q',
                        srv.url('/f.bin')], env=env, timeout=30)
    assert r.rc == 0, r.why()
    assert open(os.path.join(out, 'f.bin'), 'rb').read() == new
    assert rftest.leftovers(out) == ['f.bin']
    return r.stats()['features'].split()


@rftest.test
def starting_over_truncates_the_part_through_the_ring():
    features = a_shorter_new_body_replaces_a_longer_part('')
    if rftest.BACKEND == 'epoll':
        return  # no ring: ftruncate(2), as the next test checks on the ring's fallback
    assert 'ftruncate_op' in features, 'this kernel (6.9+) should offer it: %s' % features


@rftest.test
def starting_over_truncates_the_part_without_the_ring_op():
    features = a_shorter_new_body_replaces_a_longer_part('ftruncate_op')
    assert 'ftruncate_op' not in features, features


@rftest.test
def a_range_that_does_not_start_at_the_end_starts_over():
    out = rftest.tempdir()
    a_part_of(out, 30000)
    with RangeServer(start_override=1000) as srv:
        r = ringfetch('-c', '-o', out, srv.url('/f.bin'))
        heads = list(srv.heads)
    assert r.rc == 0, r.why()
    assert open(os.path.join(out, 'f.bin'), 'rb').read() == BODY
    assert len(heads) == 2 and header(heads[1], b'range') is None, heads


@rftest.test
def range_not_satisfiable_starts_over():
    out = rftest.tempdir()
    a_part_of(out, 30000)
    with RangeServer(status416=True) as srv:
        r = ringfetch('-c', '-o', out, srv.url('/f.bin'))
    assert r.rc == 0, r.why()
    assert open(os.path.join(out, 'f.bin'), 'rb').read() == BODY


@rftest.test
def a_part_without_a_validator_is_not_trusted():
    out = rftest.tempdir()
    with open(os.path.join(out, 'f.bin.part'), 'wb') as f:
        f.write(b'somebody else\'s bytes')
    with RangeServer() as srv:
        r = ringfetch('-c', '-o', out, srv.url('/f.bin'))
        head = srv.heads[0]
    assert r.rc == 0, r.why()
    assert header(head, b'range') is None, head
    assert open(os.path.join(out, 'f.bin'), 'rb').read() == BODY


@rftest.test
def a_stopped_run_keeps_its_part_only_with_continue():
    for resume in (True, False):
        out = rftest.tempdir()

        def handle(conn):
            rftest.read_request(conn)
            conn.sendall(b'HTTP/1.1 200 OK\r\nETag: "v1"\r\nContent-Length: 102400\r\n\r\n' + BODY[:20000])
            time.sleep(5)
        with FakeServer(handle) as srv:
            args = [rftest.bin('ringfetch'), '-o', out, srv.url('/f.bin')]
            if resume:
                args.insert(1, '-c')
            p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 5
            part = os.path.join(out, 'f.bin.part')
            while time.monotonic() < deadline and not (resume and os.path.exists(part) and
                                                        os.path.getsize(part) == 20000):
                time.sleep(0.05)
                if not resume and time.monotonic() > deadline - 4:
                    break
            p.send_signal(signal.SIGTERM)
            assert p.wait(5) == 143
        if resume:
            assert rftest.leftovers(out) == ['f.bin.part'], rftest.leftovers(out)
            assert os.path.getsize(os.path.join(out, 'f.bin.part')) == 20000
        else:
            assert rftest.leftovers(out) == [], rftest.leftovers(out)


@rftest.test
def a_link_at_the_part_name_is_refused_never_followed():
    base = rftest.tempdir()
    victim = os.path.join(base, 'victim')
    with open(victim, 'wb') as f:
        f.write(b'VICTIM')
    out = os.path.join(base, 'out')
    os.mkdir(out)
    os.symlink('../victim', os.path.join(out, 'f.bin.part'))
    with RangeServer() as srv:
        r = ringfetch('-c', '-o', out, srv.url('/f.bin'))
    assert r.rc == 1, r.why()
    assert 'cannot resume into' in r.err and 'link' in r.err, r.why()
    assert open(victim, 'rb').read() == b'VICTIM'
    assert os.path.islink(os.path.join(out, 'f.bin.part'))
    assert not os.path.exists(os.path.join(out, 'f.bin'))


@rftest.test
def a_truncated_resume_is_retried_from_where_it_stopped():
    # retries with -c: the second attempt asks for the rest of what the first wrote
    out = rftest.tempdir()
    a_part_of(out, 10000)
    attempts = []

    def handle(conn):
        for head in rftest.requests(conn):
            attempts.append(header(head, b'range'))
            start = int(header(head, b'range').split(b'=')[1].split(b'-')[0])
            rest = BODY[start:]
            conn.sendall(b'HTTP/1.1 206 Partial Content\r\nETag: "v1"\r\nContent-Range: bytes %d-%d/%d\r\n'
                         b'Content-Length: %d\r\n\r\n' % (start, len(BODY) - 1, len(BODY), len(rest)))
            if len(attempts) == 1:
                conn.sendall(rest[:20000])
                conn.close()
                return
            conn.sendall(rest)
    with FakeServer(handle) as srv:
        r = rftest.run([rftest.bin('ringfetch'), '-c', '--retry', '2', '--retry-delay', '0.05', '-o', out,
                        srv.url('/f.bin')], timeout=30)
    assert r.rc == 0, r.why()
    assert attempts == [b'bytes=10000-', b'bytes=30000-'], attempts
    assert open(os.path.join(out, 'f.bin'), 'rb').read() == BODY


if __name__ == '__main__':
    rftest.main()
