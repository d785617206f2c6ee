#!/usr/bin/env python3
"""A folder below the output folder swapped for a symbolic link while the
run goes never sends a file elsewhere.

With -x the front end makes OUT/HOST/a one name at a time without
following a link (destdirs), but the file is only opened when its answer
comes, and it is linked or renamed into place when the body is over. A
local user who can write in OUT can swap OUT/HOST for a link to a folder
of theirs (or anywhere we can write) in between. The race is made
deterministic here by the server itself: when the request arrives (the
folder has been made and checked by then, the file not opened yet) it
moves OUT/HOST away and puts a link to OUTSIDE in its place, then answers.
The file must then be an error naming the item, nothing may appear in
OUTSIDE, and nothing under the final name.

Each case runs with each way the sink makes files (tmpfile: O_TMPFILE,
linked in; named: RINGFETCH_SINK_DISABLE=tmpfile) and with the folder walk
that stands in where openat2 is refused (RINGFETCH_SINK_DISABLE=resolve)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import FakeServer, read_request  # noqa: E402

BODY = b'a body that must land under the output folder or nowhere\n'
REPLY = b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(BODY) + BODY

WAYS = {
    'tmpfile': {},
    'named': {'RINGFETCH_SINK_DISABLE': 'tmpfile'},
    'tmpfile_walk': {'RINGFETCH_SINK_DISABLE': 'resolve'},
    'named_walk': {'RINGFETCH_SINK_DISABLE': 'tmpfile,resolve'},
}


def ringfetch(*args, env=None, timeout=30):
    # (rftest.run sets env on top of this process's, less its proxy variables)
    return rftest.run([rftest.bin('ringfetch')] + [str(a) for a in args], env=env, timeout=timeout)


for_each_way = rftest.for_each(WAYS)


class Swapper:
    """A server that, on the request numbered `at` (1 = the first), swaps
    the folder `victim` for a link to `target`, then answers every request
    with REPLY."""

    def __init__(self, at=1):
        self.at = at
        self.seen = 0
        self.victim = self.target = None
        self.swapped = False
        self.srv = FakeServer(self.handle)

    def handle(self, conn):
        while read_request(conn):
            self.seen += 1
            if self.seen == self.at and self.victim:
                os.rename(self.victim, self.victim + '.moved')
                os.symlink(self.target, self.victim)
                self.swapped = True
            conn.sendall(REPLY)

    def __enter__(self):
        self.srv.start()
        return self

    def __exit__(self, *exc):
        self.srv.stop()


def tree(base):
    """OUT (the output folder) and OUTSIDE (a folder of the attacker's, with
    the same a/ inside so that following the link would work)."""
    out = os.path.join(base, 'out')
    outside = os.path.join(base, 'outside')
    os.makedirs(os.path.join(outside, 'a'))
    os.mkdir(out)
    return out, outside


@for_each_way
def a_host_folder_swapped_for_a_link_mid_request_fails_the_item(env):
    base = rftest.tempdir()
    out, outside = tree(base)
    with Swapper() as sw:
        host = '127.0.0.1:%d' % sw.srv.port
        sw.victim, sw.target = os.path.join(out, host), outside
        url = sw.srv.url('/a/f.bin')
        r = ringfetch('-x', '-o', out, '--retry', 0, url, env=env)
    assert sw.swapped, 'the server never swapped the folder: %s' % r.why()
    assert rftest.leftovers(outside) == [], 'written through the link: %s; %s' % (
        rftest.leftovers(outside), r.why())
    assert r.rc != 0, r.why()
    assert url in r.err and 'symbolic link (not followed)' in r.err, r.why()
    # Nothing under the final name, nor in the folder moved away.
    assert rftest.leftovers(os.path.join(out, host + '.moved')) == [], r.why()
    assert os.path.islink(os.path.join(out, host))


@for_each_way
def a_deeper_folder_swapped_for_a_link_fails_the_item(env):
    # The link is the last folder of the path (OUT/HOST/a -> OUTSIDE/a).
    base = rftest.tempdir()
    out, outside = tree(base)
    with Swapper() as sw:
        host = '127.0.0.1:%d' % sw.srv.port
        sw.victim, sw.target = os.path.join(out, host, 'a'), os.path.join(outside, 'a')
        url = sw.srv.url('/a/f.bin')
        r = ringfetch('-x', '-o', out, '--retry', 0, url, env=env)
    assert sw.swapped, r.why()
    assert rftest.leftovers(outside) == [], 'written through the link: %s' % r.why()
    assert r.rc != 0 and url in r.err and 'symbolic link' in r.err, r.why()
    assert rftest.leftovers(os.path.join(out, host)) == [], r.why()


@for_each_way
def a_folder_swapped_after_its_first_file_never_takes_a_later_one_through_the_link(env):
    # The first file opens (and keeps) the folder's descriptor; the swap
    # comes with the second request. The second file may land in the folder
    # moved away (it is the one that was checked) but never outside.
    base = rftest.tempdir()
    out, outside = tree(base)
    with Swapper(at=2) as sw:
        host = '127.0.0.1:%d' % sw.srv.port
        sw.victim, sw.target = os.path.join(out, host), outside
        r = ringfetch('-x', '-m', 1, '-o', out, '--retry', 0, sw.srv.url('/a/f1'), sw.srv.url('/a/f2'),
                      env=env)
    assert sw.swapped, r.why()
    assert rftest.leftovers(outside) == [], 'written through the link: %s' % r.why()
    moved = os.path.join(out, host + '.moved')
    assert open(os.path.join(moved, 'a', 'f1'), 'rb').read() == BODY, r.why()
    assert set(rftest.leftovers(moved)) <= {'a/f1', 'a/f2'}, rftest.leftovers(moved)


@for_each_way
def resume_into_a_folder_swapped_mid_request_never_writes_outside(env):
    # -c opens NAME.part before the request; the swap comes after, before
    # the body and the rename to NAME.
    base = rftest.tempdir()
    out, outside = tree(base)
    with Swapper() as sw:
        host = '127.0.0.1:%d' % sw.srv.port
        sw.victim, sw.target = os.path.join(out, host), outside
        r = ringfetch('-x', '-c', '-o', out, '--retry', 0, sw.srv.url('/a/f.bin'), env=env)
    assert sw.swapped, r.why()
    assert rftest.leftovers(outside) == [], 'written through the link: %s' % r.why()
    # The part was opened in the real folder: the body is completed there.
    moved = os.path.join(out, host + '.moved')
    assert r.rc == 0, r.why()
    assert rftest.leftovers(moved) == ['a/f.bin'], rftest.leftovers(moved)
    assert open(os.path.join(moved, 'a', 'f.bin'), 'rb').read() == BODY


@for_each_way
def nested_folders_and_a_linked_output_folder_still_work(env):
    # The normal path: -x folders made and filled, several files per
    # folder, and -o itself a link (the user's choice, followed).
    base = rftest.tempdir()
    real = os.path.join(base, 'real')
    os.mkdir(real)
    out = os.path.join(base, 'out-link')
    os.symlink(real, out)
    paths = ['/a/b/f1', '/a/b/f2', '/a/f3', '/c/f4', '/f5']
    with FakeServer.canned(REPLY, close=False) as srv:
        host = '127.0.0.1:%d' % srv.port
        r = ringfetch('-x', '-m', 3, '-o', out, '--stats', *[srv.url(p) for p in paths], env=env)
    assert r.rc == 0, r.why()
    want = sorted(host + p for p in paths)
    assert rftest.leftovers(real) == want, rftest.leftovers(real)
    for p in paths:
        assert open(os.path.join(real, host + p), 'rb').read() == BODY
    # Without -x the files go straight into the (linked) output folder.
    with FakeServer.canned(REPLY, close=False) as srv:
        r = ringfetch('-o', out, srv.url('/g1'), srv.url('/g2'), env=env)
    assert r.rc == 0, r.why()
    assert os.path.isfile(os.path.join(real, 'g1')) and os.path.isfile(os.path.join(real, 'g2'))


if __name__ == '__main__':
    rftest.main()
