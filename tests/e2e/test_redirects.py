#!/usr/bin/env python3
"""ringfetch follows redirects (issue 11, item 1): 301, 302, 303, 307 and 308
up to --max-redirs hops (default 10, 0 for none), relative Locations
resolved against the URL just requested; a loop, too many hops or another
scheme is an error for that item naming the chain's length; https -> http
is refused unless --allow-downgrade. A file keeps the name of the URL in the
list, and --log-json records the final URL."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
import rftls  # noqa: E402
from rftest import RouteServer, reply  # noqa: E402

BODY = b'the real thing\n' * 100


def moved(status, location):
    return reply(status, b'moved', [('Location', location)])


def ringfetch(*args, cwd=None):
    return rftest.run([rftest.bin('ringfetch')] + [str(a) for a in args], timeout=60, cwd=cwd)


def log_of(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


@rftest.test
def a_301_302_200_chain_is_followed_and_saved_under_the_first_name():
    out, tmp = rftest.tempdir(), rftest.tempdir()
    srv = RouteServer({})
    srv.routes.update({
        '/start.bin': moved(301, srv.url('/second')),
        '/second': moved(302, '/final/real.bin'),      # relative to the host
        '/final/real.bin': reply(200, BODY),
    })
    log = os.path.join(tmp, 'log.json')
    with srv:
        r = ringfetch('-o', out, '--log-json', log, '--stats', srv.url('/start.bin'))
    assert r.rc == 0, r.why()
    assert rftest.leftovers(out) == ['start.bin'], rftest.leftovers(out)
    with open(os.path.join(out, 'start.bin'), 'rb') as f:
        assert f.read() == BODY
    assert [q.path for q in srv.log] == ['/start.bin', '/second', '/final/real.bin']
    entry, = log_of(log)
    assert entry['url'] == srv.url('/start.bin') and entry['final_url'] == srv.url('/final/real.bin'), entry
    assert entry['outcome'] == 'ok' and entry['http_status'] == 200 and entry['attempts'] == 1, entry
    assert r.stats()['redirects'] == 2, r.out
    assert ', 2 redirects' in r.err, r.err


@rftest.test
def every_redirect_status_is_followed_and_303_307_308_too():
    out = rftest.tempdir()
    srv = RouteServer({})
    for code in (301, 302, 303, 307, 308):
        srv.routes['/r%d' % code] = moved(code, '/t%d' % code)
        srv.routes['/t%d' % code] = reply(200, b'%d' % code)
    with srv:
        r = ringfetch('-o', out, *[srv.url('/r%d' % c) for c in (301, 302, 303, 307, 308)])
    assert r.rc == 0, r.why()
    for code in (301, 302, 303, 307, 308):
        with open(os.path.join(out, 'r%d' % code), 'rb') as f:
            assert f.read() == b'%d' % code


@rftest.test
def relative_locations_are_resolved_against_the_url_just_requested():
    out = rftest.tempdir()
    srv = RouteServer({
        '/a/b/start': moved(302, 'c/next'),            # -> /a/b/c/next
        '/a/b/c/next': moved(302, '../../up?x=1'),     # -> /a/up?x=1
        '/a/up?x=1': moved(302, '//127.0.0.1:%d/abs'),  # filled in below
        '/abs': reply(200, b'done'),
    })
    srv.routes['/a/up?x=1'] = moved(302, '//127.0.0.1:%d/abs' % srv.port)
    with srv:
        r = ringfetch('-o', out, srv.url('/a/b/start'))
    assert r.rc == 0, r.why()
    assert [q.path for q in srv.log] == ['/a/b/start', '/a/b/c/next', '/a/up?x=1', '/abs']
    assert rftest.leftovers(out) == ['start']


@rftest.test
def a_loop_is_an_error_naming_the_chain_length():
    out = rftest.tempdir()
    srv = RouteServer({'/x': moved(302, '/y'), '/y': moved(302, '/x')})
    with srv:
        r = ringfetch('-o', out, srv.url('/x'))
    assert r.rc == 1, r.why()
    assert 'ERR %s: redirect not followed: a redirect loop (after 1 redirect)' % srv.url('/x') in r.err, r.err
    assert srv.count('/x') == 1 and srv.count('/y') == 1
    assert rftest.leftovers(out) == []


@rftest.test
def too_many_hops_is_an_error_naming_the_chain_length():
    out = rftest.tempdir()
    srv = RouteServer({'/h%d' % i: moved(301, '/h%d' % (i + 1)) for i in range(20)})
    with srv:
        r = ringfetch('-o', out, '--max-redirs', 3, srv.url('/h0'))
        assert r.rc == 1, r.why()
        assert 'redirect not followed: too many redirects (after 3 redirects)' in r.err, r.err
        assert [q.path for q in srv.log] == ['/h0', '/h1', '/h2', '/h3']
        # the default is 10
        del srv.log[:]
        r = ringfetch('-o', out, srv.url('/h0'))
        assert 'too many redirects (after 10 redirects)' in r.err, r.err
        assert len(srv.log) == 11
    assert rftest.leftovers(out) == []


@rftest.test
def max_redirs_0_makes_a_redirect_an_http_error():
    out = rftest.tempdir()
    srv = RouteServer({'/a': moved(302, '/b'), '/b': reply(200, b'b')})
    with srv:
        r = ringfetch('-o', out, '--max-redirs', 0, srv.url('/a'))
    assert r.rc == 1, r.why()
    assert 'ERR %s: HTTP error 302' % srv.url('/a') in r.err, r.err
    assert [q.path for q in srv.log] == ['/a']


@rftest.test
def a_redirect_to_another_scheme_is_refused():
    out = rftest.tempdir()
    srv = RouteServer({'/a': moved(302, 'ftp://127.0.0.1/file'), '/b': moved(301, 'file:///etc/passwd')})
    with srv:
        r = ringfetch('-o', out, srv.url('/a'), srv.url('/b'))
    assert r.rc == 1, r.why()
    for path in ('/a', '/b'):
        assert ('ERR %s: redirect not followed: a redirect to a scheme other than http and https '
                '(after 0 redirects)' % srv.url(path)) in r.err, r.err
    assert rftest.leftovers(out) == []


@rftest.test
def a_redirect_to_another_host_is_followed():
    # 127.0.0.2 is another host (another origin) on the loopback.
    out = rftest.tempdir()
    far = RouteServer({'/there': reply(200, b'far')}, host='127.0.0.2')
    near = RouteServer({'/here': moved(307, far.url('/there'))})
    with far, near:
        r = ringfetch('-o', out, near.url('/here'))
    assert r.rc == 0, r.why()
    with open(os.path.join(out, 'here'), 'rb') as f:
        assert f.read() == b'far'


@rftest.test
def credentials_stay_with_the_origin_the_user_named():
    # --user and -H Authorization/Cookie go to the named origin, not to the
    # host a redirect points at (127.0.0.2); other -H headers go to both.
    out = rftest.tempdir()
    far = RouteServer({'/there': reply(200, b'far')}, host='127.0.0.2')
    near = RouteServer({'/here': moved(302, far.url('/there')), '/stay': moved(302, '/home.bin'),
                        '/home.bin': reply(200, b'home')})
    with far, near:
        r = ringfetch('-o', out, '--user', 'alice:s3cret', '-H', 'Cookie: id=42', '-H', 'X-Trace: 7',
                      near.url('/here'), near.url('/stay'))
    assert r.rc == 0, r.why()
    asked = {q.path: q.headers for q in near.log}
    assert asked['/here'].get('authorization', '').startswith('Basic '), asked
    assert asked['/home.bin'].get('authorization', '').startswith('Basic '), asked
    assert asked['/home.bin'].get('cookie') == 'id=42', asked
    there, = far.log
    assert 'authorization' not in there.headers and 'cookie' not in there.headers, there.headers
    assert there.headers.get('x-trace') == '7', there.headers


def tls_redirect_to(location):
    """An https server answering every request with a 302 to location."""
    def handle(conn):
        for _ in rftest.requests(conn):
            conn.sendall(moved(302, location))
    return rftls.TLSServer(handle)


@rftest.test
def https_to_http_is_refused_without_allow_downgrade():
    out = rftest.tempdir()
    plain = RouteServer({'/plain.bin': reply(200, b'in the clear')})
    with plain, tls_redirect_to(plain.url('/plain.bin')) as tls:
        r = ringfetch('-o', out, '--cacert', rftls.pki().ca, tls.url('/secure.bin'))
        assert r.rc == 1, r.why()
        assert ('ERR %s: redirect not followed: a redirect from https to http (--allow-downgrade '
                'allows it) (after 0 redirects)' % tls.url('/secure.bin')) in r.err, r.err
        assert plain.log == [], 'the plain server was asked'
        r = ringfetch('-o', out, '--cacert', rftls.pki().ca, '--allow-downgrade', tls.url('/secure.bin'))
        assert r.rc == 0, r.why()
    with open(os.path.join(out, 'secure.bin'), 'rb') as f:
        assert f.read() == b'in the clear'


@rftest.test
def http_to_https_is_followed():
    # The TLS context is made for the first https URL, which here is a
    # redirect's (it failed with ENOMEM before the engine made it there too).
    out = rftest.tempdir()

    def handle(conn):
        for _ in rftest.requests(conn):
            conn.sendall(reply(200, b'now secure'))
    with rftls.TLSServer(handle) as tls:
        plain = RouteServer({'/up.bin': moved(301, tls.url('/up.bin'))})
        with plain:
            r = ringfetch('-o', out, '--cacert', rftls.pki().ca, plain.url('/up.bin'))
    assert r.rc == 0, r.why()
    with open(os.path.join(out, 'up.bin'), 'rb') as f:
        assert f.read() == b'now secure'


if __name__ == '__main__':
    rftest.main()
