#!/usr/bin/env python3
"""Where ringfetch saves, and what it leaves alone (issue 11, items 5 and 6):
--skip-existing counts an item whose file is there as skipped (a class of
its own in the summary, --stats and --log-json, and no request); -x saves
HOST[:PORT]/PATH under -o; a list's indented out=NAME / dir=DIR lines (aria2's
convention) name a URL's file and folder; every name from them goes through
the same safety checks, and no symbolic link in the tree is followed."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import RouteServer, reply  # noqa: E402


def ringfetch(*args, input=None):
    return rftest.run([rftest.bin('ringfetch')] + [str(a) for a in args], timeout=60, input=input)


def server(*paths):
    return RouteServer({p: reply(200, ('body of %s' % p).encode()) for p in paths})


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def write_list(lines):
    path = os.path.join(rftest.tempdir(), 'list.txt')
    with open(path, 'w') as f:
        f.write(''.join(line + '\n' for line in lines))
    return path


# ------------------------------------------------------------- --skip-existing

@rftest.test
def skip_existing_counts_skipped_and_sends_no_request():
    out, tmp = rftest.tempdir(), rftest.tempdir()
    with open(os.path.join(out, 'old.bin'), 'wb') as f:
        f.write(b'kept as it is')
    os.mkdir(os.path.join(out, 'dir.bin'))            # a folder is not "the file"
    log = os.path.join(tmp, 'log.json')
    srv = server('/old.bin', '/new.bin', '/dir.bin')
    with srv:
        r = ringfetch('-o', out, '--skip-existing', '--stats', '--log-json', log, '-v',
                      srv.url('/old.bin'), srv.url('/new.bin'))
    assert r.rc == 0, r.why()
    assert [q.path for q in srv.log] == ['/new.bin'], [q.path for q in srv.log]
    assert read(os.path.join(out, 'old.bin')) == b'kept as it is'
    assert 'SKIP %s -> %s/old.bin (the file exists)\n' % (srv.url('/old.bin'), out) in r.out, r.out
    st = r.stats()
    assert (st['files'], st['ok'], st['skipped'], st['errors']) == (2, 1, 1, 0), st
    assert r.err.splitlines()[-1].startswith('2 files, 16 B, 1 skipped, 0 errors in '), r.err
    outcomes = sorted((e['url'], e['outcome'], e['attempts']) for e in map(json.loads, open(log)))
    assert outcomes == [(srv.url('/new.bin'), 'ok', 1), (srv.url('/old.bin'), 'skipped', 0)], outcomes


@rftest.test
def without_skip_existing_a_file_there_is_replaced():
    out = rftest.tempdir()
    with open(os.path.join(out, 'old.bin'), 'wb') as f:
        f.write(b'stale')
    srv = server('/old.bin')
    with srv:
        r = ringfetch('-o', out, srv.url('/old.bin'))
    assert r.rc == 0, r.why()
    assert read(os.path.join(out, 'old.bin')) == b'body of /old.bin'


@rftest.test
def skip_existing_looks_under_x_folders_and_a_link_is_not_a_file():
    out = rftest.tempdir()
    srv = server('/a/b/c.txt', '/a/link.txt')
    host = '127.0.0.1:%d' % srv.port
    os.makedirs(os.path.join(out, host, 'a', 'b'))
    with open(os.path.join(out, host, 'a', 'b', 'c.txt'), 'w') as f:
        f.write('there')
    os.symlink('/etc/hostname', os.path.join(out, host, 'a', 'link.txt'))
    with srv:
        r = ringfetch('-o', out, '-x', '--skip-existing', srv.url('/a/b/c.txt'), srv.url('/a/link.txt'))
    assert r.rc == 0, r.why()
    assert [q.path for q in srv.log] == ['/a/link.txt']
    # The link at the final name is replaced, never followed.
    assert not os.path.islink(os.path.join(out, host, 'a', 'link.txt'))
    assert read(os.path.join(out, host, 'a', 'link.txt')) == b'body of /a/link.txt'


# -------------------------------------------------------------------------- -x

@rftest.test
def x_saves_host_and_path_folders_under_o():
    out = rftest.tempdir()
    srv = server('/a/b/c.txt', '/a/c.txt', '/top.txt', '/dir/', '/sp%20ace/x.txt', '/q/r.txt?v=1')
    far = RouteServer({'/a/b/c.txt': reply(200, b'far')}, host='127.0.0.2')
    with srv, far:
        r = ringfetch('-o', out, '-x', srv.url('/a/b/c.txt'), srv.url('/a/c.txt'), srv.url('/top.txt'),
                      srv.url('/dir/'), srv.url('/sp%20ace/x.txt'), srv.url('/a/x/../b/c.txt'),
                      srv.url('/q/r.txt?v=1'), far.url('/a/b/c.txt'))
    assert r.rc == 0, r.why()
    h, f = '127.0.0.1:%d' % srv.port, '127.0.0.2:%d' % far.port
    assert rftest.leftovers(out) == sorted([
        '%s/a/b/c.txt' % h, '%s/a/c.txt' % h, '%s/top.txt' % h, '%s/dir/index.html' % h,
        '%s/sp ace/x.txt' % h, '%s/q/r.txt' % h, '%s/a/b/c.txt' % f]), rftest.leftovers(out)
    # /a/x/../b/c.txt asks for /a/b/c.txt: the same request, fetched once.
    assert 'DUP argument 6: same URL as argument 1' in r.err, r.err
    assert read(os.path.join(out, f, 'a', 'b', 'c.txt')) == b'far'


@rftest.test
def x_refuses_a_folder_name_that_is_not_safe():
    out = rftest.tempdir()
    srv = server('/a%2fb/c.txt', '/a%5cb/c.txt', '/a%01b/c.txt', '/ok/c.txt')
    with srv:
        r = ringfetch('-o', out, '-x', srv.url('/a%2fb/c.txt'), srv.url('/a%5cb/c.txt'),
                      srv.url('/a%01b/c.txt'), srv.url('/ok/c.txt'))
    assert r.rc == 1, r.why()
    assert "ERR argument 1: bad URL '%s': folder 'a/b' of its path holds '/', '\\' or a control " \
           "character once decoded, so it cannot be a folder (-x)" % srv.url('/a%2fb/c.txt') in r.err, r.err
    assert r.err.count('ERR ') == 3, r.err
    assert [q.path for q in srv.log] == ['/ok/c.txt']
    assert rftest.leftovers(out) == ['127.0.0.1:%d/ok/c.txt' % srv.port]


@rftest.test
def x_never_follows_a_link_planted_in_the_tree():
    out, elsewhere = rftest.tempdir(), rftest.tempdir()
    srv = server('/a/c.txt', '/b/c.txt')
    host = '127.0.0.1:%d' % srv.port
    os.makedirs(os.path.join(out, host))
    os.symlink(elsewhere, os.path.join(out, host, 'a'))
    with open(os.path.join(out, host, 'b'), 'w') as f:
        f.write('a file where a folder should be')
    with srv:
        r = ringfetch('-o', out, '-x', srv.url('/a/c.txt'), srv.url('/b/c.txt'))
    assert r.rc == 1, r.why()
    assert os.listdir(elsewhere) == [], 'a file went through the link'
    assert 'ERR argument 1: cannot make folder %s/%s/a for \'%s\': it is a symbolic link (not followed)' % (
        out, host, srv.url('/a/c.txt')) in r.err, r.err
    assert 'ERR argument 2: cannot make folder %s/%s/b for \'%s\': Not a directory' % (
        out, host, srv.url('/b/c.txt')) in r.err, r.err
    assert srv.log == []


# ------------------------------------------------------- aria2's option lines

@rftest.test
def out_and_dir_lines_name_the_file_and_folder_of_their_url():
    out = rftest.tempdir()
    srv = server('/a.bin', '/b.bin', '/c.bin', '/d.bin')
    lst = write_list([
        srv.url('/a.bin'), '  out=first.bin',
        srv.url('/b.bin'), '\tdir=sub/deeper', '\tout=second.bin',
        srv.url('/c.bin'), ' dir=other/',
        '# a comment', srv.url('/d.bin')])
    with srv:
        r = ringfetch('-o', out, '-i', lst, '-x')
    assert r.rc == 0, r.why()
    # dir= replaces -x's folders; out= the name.
    assert rftest.leftovers(out) == sorted([
        'first.bin'.join(['127.0.0.1:%d/' % srv.port, '']), 'sub/deeper/second.bin', 'other/c.bin',
        '127.0.0.1:%d/d.bin' % srv.port]), rftest.leftovers(out)
    assert read(os.path.join(out, 'sub', 'deeper', 'second.bin')) == b'body of /b.bin'


@rftest.test
def unsafe_or_unknown_option_lines_are_errors_naming_their_line():
    out = rftest.tempdir()
    srv = server('/a', '/b', '/c', '/d', '/e', '/f', '/g', '/ok')
    lst = write_list([
        srv.url('/a'), '  out=../escape',
        srv.url('/b'), '  out=x/y',
        srv.url('/c'), '  dir=/etc',
        srv.url('/d'), '  dir=a/../../up',
        srv.url('/e'), '  split=4',
        srv.url('/f'), '  out=one', '  out=two',
        srv.url('/g'), '  out=..',
        '# the next option line has no URL',
        '  dir=stray',
        srv.url('/ok'), '  out=fine.bin'])
    with srv:
        r = ringfetch('-o', out, '-i', lst)
    assert r.rc == 1, r.why()
    err = r.err
    for words in [
        "ERR line 1: out='../escape' for '%s' is not a safe file name: it holds '/', '\\' or a "
        "control character" % srv.url('/a'),
        "ERR line 3: out='x/y' for '%s' is not a safe file name" % srv.url('/b'),
        "ERR line 5: dir='/etc' for '%s' is not a folder under -o: it must not start with '/'" % srv.url('/c'),
        "ERR line 7: dir='a/../../up' for '%s' is not a folder under -o: '..' is '.' or '..'" % srv.url('/d'),
        "ERR line 9: option 'split' on line 10 is not supported (only out= and dir=), so '%s' is not "
        "fetched" % srv.url('/e'),
        "ERR line 11: option 'out' given again on line 13, so '%s' is not fetched" % srv.url('/f'),
        "ERR line 14: out='..' for '%s' is not a safe file name: it is '.' or '..'" % srv.url('/g'),
        "ERR line 17: option line 'dir=stray' does not follow a URL line",
    ]:
        assert words in err, '%r not in %s' % (words, err)
    assert [q.path for q in srv.log] == ['/ok']
    assert rftest.leftovers(out) == ['fine.bin']
    assert r.err.splitlines()[-1].startswith('9 files, 11 B, 8 errors in '), r.err


@rftest.test
def option_lines_sent_with_their_url_on_a_pipe_apply():
    # On a pipe a URL starts once nothing more of the list has arrived:
    # option lines written together with it (one write) go with it.
    out = rftest.tempdir()
    srv = server('/p.bin')
    with srv:
        r = ringfetch('-o', out, '-i', '-', input='%s\n  out=piped.bin\n' % srv.url('/p.bin'))
    assert r.rc == 0, r.why()
    assert rftest.leftovers(out) == ['piped.bin']


# --------------------------------------------------------------------- shards

@rftest.test
def shards_of_one_list_are_disjoint_and_cover_it():
    # The same list and K = 0..N-1: every URL fetched exactly once overall.
    n_urls, n_shards = 60, 3
    paths = ['/s%02d.bin' % i for i in range(n_urls)]
    srv = server(*paths)
    lst = write_list([srv.url(p) for p in paths])
    with srv:
        for k in range(n_shards):
            r = ringfetch('-o', rftest.tempdir(), '-i', lst, '--shard', '%d/%d' % (k, n_shards), '--stats')
            assert r.rc == 0, r.why()
            assert 0 < r.stats()['files'] < n_urls, r.stats()
        asked = sorted(q.path for q in srv.log)
    assert asked == paths, 'fetched: %s' % asked


if __name__ == '__main__':
    rftest.main()
