#!/usr/bin/env python3
"""Writes tests/corpus/*.http and tests/corpus/cases.tsv (issue 5).

The .http files are the corpus: raw bytes a server sends, byte for byte, in
answer to one GET. They are generated from the definitions below because
several hold bytes an editor would mangle (NUL, bare CR, no final newline) or
are too repetitive to write by hand (64 KiB header sections); the generated
files are committed, and this script is only re-run after editing a case.

cases.tsv (tab-separated, '#' lines are comments), one row per case:
  name      the file is NAME.http
  class     what a client must make of it:
              ok              file saved under its final name, holding exactly the body
              not_found       HTTP 404 (counted as not found)
              http_error      a non-2xx status other than 404
              protocol_error  the response is invalid ("invalid response: ...")
              truncated       the connection closed before the response was complete
              empty           the connection closed without a byte of response
              timeout         the response never completes and the server stays silent
  after     what the server does once the bytes are sent:
              close  half-close (FIN) and wait for the client to go
              hold   keep the connection open, send nothing more
              now    send without reading the request first, then close
  body_len, body_sha256
            the expected file content for class ok ('-' otherwise); taken from
            the body written in the definition, never from a client's output
  xfail     '-' or the id of a known defect (see README.md): the case is
            expected to fail until that defect is fixed
  note      what the case is about

Usage: python3 tests/corpus/gen_corpus.py   (rewrites the files in place)
"""

import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = []


def case(name, data, cls, body=None, after='close', note='', xfail='-'):
    assert (body is not None) == (cls == 'ok'), name
    assert after in ('close', 'hold', 'now'), name
    assert all(c[0] != name for c in CASES), name
    CASES.append((name, data, cls, body, after, note, xfail))


def resp(status_line, headers, body=b''):
    """A well-formed head (CRLF everywhere) plus body bytes."""
    head = status_line + b'\r\n' + b''.join(h + b'\r\n' for h in headers) + b'\r\n'
    return head + body


OK = b'HTTP/1.1 200 OK'
HELLO = b'hello world'

# ------------------------------------------------------------ baselines
case('baseline-content-length', resp(OK, [b'Content-Length: 11'], HELLO), 'ok', HELLO,
     note='plain 200 with Content-Length')
case('baseline-chunked', resp(OK, [b'Transfer-Encoding: chunked'],
                              b'5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'), 'ok', HELLO,
     note='plain chunked body')
case('baseline-close-delimited', resp(b'HTTP/1.0 200 OK', [b'Content-Type: text/plain'], HELLO),
     'ok', HELLO, note='HTTP/1.0, no length: the body ends at the close')
case('baseline-http11-close-delimited', resp(OK, [b'Connection: close'], HELLO), 'ok', HELLO,
     note='HTTP/1.1 with Connection: close and no length: body ends at the close')
case('cl-zero', resp(OK, [b'Content-Length: 0']), 'ok', b'',
     note='an empty body gives an empty file')
case('cl-leading-zeros', resp(OK, [b'Content-Length: 0005'], b'hello'), 'ok', b'hello',
     note='leading zeros are still a valid decimal length')
case('status-no-reason', resp(b'HTTP/1.1 200', [b'Content-Length: 5'], b'hello'), 'ok', b'hello',
     note='status line without a reason phrase (allowed)')
case('leading-crlf', b'\r\n' + resp(OK, [b'Content-Length: 5'], b'hello'), 'ok', b'hello',
     note='an empty line before the status line is tolerated (RFC 9112 2.2)')
case('binary-body', resp(OK, [b'Content-Length: 256'], bytes(range(256))), 'ok', bytes(range(256)),
     note='every byte value, NUL included, in a body')

# ------------------------------------------------------- Content-Length
case('cl-negative', resp(OK, [b'Content-Length: -1'], b'hello'), 'protocol_error',
     note='negative Content-Length')
case('cl-non-numeric', resp(OK, [b'Content-Length: abc'], b'hello'), 'protocol_error',
     note='non-numeric Content-Length')
case('cl-hex', resp(OK, [b'Content-Length: 0x5'], b'hello'), 'protocol_error',
     note='hex is not a Content-Length')
case('cl-plus-sign', resp(OK, [b'Content-Length: +5'], b'hello'), 'protocol_error',
     note='a sign is not part of a Content-Length')
case('cl-inner-space', resp(OK, [b'Content-Length: 1 1'], b'hello world'), 'protocol_error',
     note='digits separated by a space')
case('cl-empty', resp(OK, [b'Content-Length:'], b'hello'), 'protocol_error',
     note='empty Content-Length value')
case('cl-overflow-64', resp(OK, [b'Content-Length: 18446744073709551616'], b'hello'), 'protocol_error',
     note='2^64: one more than a 64-bit length holds')
case('cl-overflow-huge', resp(OK, [b'Content-Length: ' + b'9' * 40], b'hello'), 'protocol_error',
     note='40 nines')
case('cl-duplicate-different', resp(OK, [b'Content-Length: 5', b'Content-Length: 6'], b'hello!'),
     'protocol_error', note='two different lengths: which body is real is unknowable')
case('cl-duplicate-same', resp(OK, [b'Content-Length: 5', b'Content-Length: 5'], b'hello'),
     'protocol_error', note='leniency: identical duplicates are rejected too (llhttp default)')
case('cl-list', resp(OK, [b'Content-Length: 5, 5'], b'hello'), 'protocol_error',
     note='a list as Content-Length value')
case('cl-body-shorter-close', resp(OK, [b'Content-Length: 100'], b'x' * 10), 'truncated',
     note='10 of 100 body bytes, then FIN')
case('cl-body-shorter-hold', resp(OK, [b'Content-Length: 100'], b'x' * 10), 'timeout', after='hold',
     note='10 of 100 body bytes, then silence: the request timeout ends it')
# One byte short is the cut a length check with an off-by-one lets through.
case('cl-body-one-short-close', resp(OK, [b'Content-Length: 11'], HELLO[:-1]), 'truncated',
     note='10 of 11 body bytes (one short), then FIN')
case('cl-body-one-short-hold', resp(OK, [b'Content-Length: 11'], HELLO[:-1]), 'timeout', after='hold',
     note='10 of 11 body bytes (one short), then silence')
case('cl-body-longer', resp(OK, [b'Content-Length: 5'], b'helloEXTRA BYTES'), 'ok', b'hello',
     note='bytes past Content-Length are not part of the body (nor written)')
case('cl-3gb-then-close', resp(OK, [b'Content-Length: 3221225472'], b'x' * 1000), 'truncated',
     note='3 GB announced, 1000 bytes sent, FIN: nothing may stay on disk')
case('cl-headers-only-close', resp(OK, [b'Content-Length: 5']), 'truncated',
     note='length announced, connection closed before any body byte')

# -------------------------------------------------------------- chunked
case('chunked-trailers', resp(OK, [b'Transfer-Encoding: chunked'],
                              b'5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n'),
     'ok', b'hello', note='trailer fields after the last chunk are not body')
case('chunked-extensions', resp(OK, [b'Transfer-Encoding: chunked'],
                                b'5;name=value\r\nhello\r\n6;q="quoted"\r\n world\r\n0;last\r\n\r\n'),
     'ok', HELLO, note='chunk extensions are ignored')
case('chunked-uppercase-hex', resp(OK, [b'Transfer-Encoding: chunked'],
                                   b'A\r\n0123456789\r\n0\r\n\r\n'), 'ok', b'0123456789',
     note='upper-case hex chunk size')
case('chunked-many-tiny', resp(OK, [b'Transfer-Encoding: chunked'],
                               b''.join(b'1\r\n%c\r\n' % c for c in b'abcdefghijklmnopqrstuvwxyz' * 40)
                               + b'0\r\n\r\n'),
     'ok', b'abcdefghijklmnopqrstuvwxyz' * 40, note='1040 one-byte chunks')
case('chunk-size-overflow-64', resp(OK, [b'Transfer-Encoding: chunked'],
                                    b'10000000000000000\r\nhello\r\n0\r\n\r\n'), 'protocol_error',
     note='chunk size 2^64 (17 hex digits)')
case('chunk-size-overflow-long', resp(OK, [b'Transfer-Encoding: chunked'],
                                      b'f' * 40 + b'\r\nhello\r\n0\r\n\r\n'), 'protocol_error',
     note='40 hex digits of chunk size')
case('chunk-size-max-then-close', resp(OK, [b'Transfer-Encoding: chunked'],
                                       b'ffffffffffffffff\r\nhello'), 'truncated',
     note='chunk size 2^64-1 fits, then the connection closes')
case('chunk-size-3gb-then-close', resp(OK, [b'Transfer-Encoding: chunked'],
                                       b'c0000000\r\n' + b'x' * 1000), 'truncated',
     note='a 3 GB chunk announced, 1000 bytes, FIN')
case('chunk-size-not-hex', resp(OK, [b'Transfer-Encoding: chunked'], b'zz\r\nhello\r\n0\r\n\r\n'),
     'protocol_error', note='chunk size that is not hex')
case('chunk-size-negative', resp(OK, [b'Transfer-Encoding: chunked'], b'-5\r\nhello\r\n0\r\n\r\n'),
     'protocol_error', note='negative chunk size')
case('chunk-size-empty', resp(OK, [b'Transfer-Encoding: chunked'], b'\r\nhello\r\n0\r\n\r\n'),
     'protocol_error', note='empty chunk-size line')
case('chunk-data-no-crlf', resp(OK, [b'Transfer-Encoding: chunked'], b'5\r\nhelloXX0\r\n\r\n'),
     'protocol_error', note='chunk data not followed by CRLF (the loose llhttp build skipped 2 bytes unread)')
case('chunk-data-longer', resp(OK, [b'Transfer-Encoding: chunked'], b'3\r\nhello\r\n0\r\n\r\n'),
     'protocol_error', note='more data than the chunk size says')
case('chunk-size-bare-lf', resp(OK, [b'Transfer-Encoding: chunked'], b'5\nhello\r\n0\r\n\r\n'),
     'protocol_error', note='leniency: a chunk-size line must end in CRLF')
case('chunk-missing-last-chunk', resp(OK, [b'Transfer-Encoding: chunked'], b'5\r\nhello\r\n'),
     'truncated', note='no 0-size chunk: a cut-short body, never a complete file')
case('chunk-missing-last-chunk-hold', resp(OK, [b'Transfer-Encoding: chunked'], b'5\r\nhello\r\n'),
     'timeout', after='hold', note='no 0-size chunk, connection held open')
case('chunk-missing-final-crlf', resp(OK, [b'Transfer-Encoding: chunked'], b'5\r\nhello\r\n0\r\n'),
     'truncated', note='last chunk without the empty line that ends the message')
case('chunk-data-one-short-close', resp(OK, [b'Transfer-Encoding: chunked'],
                                        b'5\r\nhello\r\n6\r\n worl'), 'truncated',
     note='the last chunk one data byte short, then FIN')
case('chunk-data-one-short-hold', resp(OK, [b'Transfer-Encoding: chunked'],
                                       b'5\r\nhello\r\n6\r\n worl'), 'timeout', after='hold',
     note='the last chunk one data byte short, then silence')
case('chunked-one-byte-short-close', resp(OK, [b'Transfer-Encoding: chunked'],
                                          b'5\r\nhello\r\n6\r\n world\r\n0\r\n\r'), 'truncated',
     note='a whole chunked message but its last byte (the final LF), then FIN')
case('chunked-one-byte-short-hold', resp(OK, [b'Transfer-Encoding: chunked'],
                                         b'5\r\nhello\r\n6\r\n world\r\n0\r\n\r'), 'timeout',
     after='hold', note='a whole chunked message but its last byte, then silence')
case('chunk-cut-in-data', resp(OK, [b'Transfer-Encoding: chunked'], b'a\r\nhello'),
     'truncated', note='closed inside a chunk')
case('cl-and-chunked', resp(OK, [b'Content-Length: 3', b'Transfer-Encoding: chunked'],
                            b'5\r\nhello\r\n0\r\n\r\n'), 'protocol_error',
     note='Content-Length and chunked together: ambiguous framing (RFC 9112 6.3)')
case('chunked-and-cl', resp(OK, [b'Transfer-Encoding: chunked', b'Content-Length: 3'],
                            b'5\r\nhello\r\n0\r\n\r\n'), 'protocol_error',
     note='the same, in the other order')

# --------------------------------------------------------------- headers
BIG_VALUE = b'a' * (70 * 1024)
case('headers-over-64k-one-field', resp(OK, [b'X-Big: ' + BIG_VALUE, b'Content-Length: 5'], b'hello'),
     'protocol_error', note='one 70 KiB header field: over our 64 KiB limit')
case('headers-over-64k-many-fields', resp(OK, [b'X-H%d: v' % i for i in range(8000)]
                                      + [b'Content-Length: 5'], b'hello'),
     'protocol_error', note='8000 fields, about 77 KiB: over the limit')
case('headers-many-under-limit', resp(OK, [b'X-H%d: v' % i for i in range(3000)]
                                  + [b'Content-Length: 5'], b'hello'),
     'ok', b'hello', note='3000 fields, about 27 KiB: a huge number of headers is fine under the limit')
case('status-reason-over-64k', resp(b'HTTP/1.1 200 ' + b'O' * (70 * 1024), [b'Content-Length: 5'], b'hello'),
     'protocol_error', note='a 70 KiB reason phrase')
case('leading-crlf-flood', b'\r\n' * (40 * 1024) + resp(OK, [b'Content-Length: 5'], b'hello'),
     'protocol_error', note='80 KiB of empty lines before the status line count against the limit')
case('header-nul-in-value', resp(OK, [b'X-A: a\x00b', b'Content-Length: 5'], b'hello'),
     'protocol_error', note='NUL in a header value')
case('header-nul-in-name', resp(OK, [b'X-\x00A: b', b'Content-Length: 5'], b'hello'),
     'protocol_error', note='NUL in a header name')
case('header-bare-cr-in-value', resp(OK, [b'X-A: a\rb', b'Content-Length: 5'], b'hello'),
     'protocol_error', note='bare CR inside a header value')
case('header-bare-cr-line-end', b'HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 5\r\n\r\nhello',
     'protocol_error', note='a header line ended by a bare CR')
case('header-obs-fold', resp(OK, [b'X-Folded: first', b' second', b'Content-Length: 5'], b'hello'),
     'ok', b'hello', note='leniency: obs-fold in a field we do not use is accepted (llhttp default)')
case('header-obs-fold-content-length', resp(OK, [b'Content-Length: 5', b' 6'], b'hello!'),
     'protocol_error', note='obs-fold continuing Content-Length')
case('header-no-colon', resp(OK, [b'This line has no colon', b'Content-Length: 5'], b'hello'),
     'protocol_error', note='a field line without a colon')
case('header-space-before-colon', resp(OK, [b'Content-Length : 5'], b'hello'),
     'protocol_error', note='whitespace between field name and colon (RFC 9112 5.1: reject)')
case('header-space-in-name', resp(OK, [b'X Bad: 1', b'Content-Length: 5'], b'hello'), 'protocol_error',
     note='leniency: a space inside a header name is rejected (llhttp strict build)')
case('header-lines-bare-lf', b'HTTP/1.1 200 OK\nContent-Length: 5\nX-A: b\n\nhello', 'protocol_error',
     note='leniency: header lines ending in a bare LF are rejected (curl accepts them)')
case('header-one-line-bare-lf', b'HTTP/1.1 200 OK\r\nX-A: b\nContent-Length: 5\r\n\r\nhello',
     'protocol_error', note='leniency: one bare-LF header line among CRLF lines is rejected')
case('status-line-bare-lf', b'HTTP/1.1 200 OK\nContent-Length: 5\r\n\r\nhello', 'ok', b'hello',
     note='leniency: a status line ending in a bare LF is accepted (llhttp default)')
case('headers-end-bare-lf', b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\nhello', 'ok', b'hello',
     note='leniency: the empty line ending the section may be a bare LF (llhttp default)')

# ----------------------------------------------------- status lines, versions
case('http09-reply', b'<html><body>hello</body></html>\n', 'protocol_error',
     note='HTTP/0.9 reply: a body with no status line')
case('http09-version', resp(b'HTTP/0.9 200 OK', [b'Content-Length: 5'], b'hello'), 'ok', b'hello',
     note='leniency: "HTTP/0.9" in a status line is a version llhttp accepts')
case('http-version-2', resp(b'HTTP/2.0 200 OK', [b'Content-Length: 5'], b'hello'), 'ok', b'hello',
     note='leniency: llhttp accepts the version 2.0 in an HTTP/1 status line; framing is still HTTP/1')
case('http-version-5', resp(b'HTTP/5.6 200 OK', [b'Content-Length: 5'], b'hello'), 'protocol_error',
     note='unknown version')
case('status-code-two-digits', resp(b'HTTP/1.1 20 OK', [b'Content-Length: 5'], b'hello'),
     'http_error', note='leniency: status 20 is outside 100..599: an error like a 5xx (RFC 9110 15)')
case('status-code-letters', resp(b'HTTP/1.1 2x0 OK', [b'Content-Length: 5'], b'hello'),
     'protocol_error', note='status code with a letter')
case('garbage-binary', bytes((i * 37 + 11) & 0xff for i in range(512)), 'protocol_error',
     note='512 bytes of binary garbage')
case('lowercase-http', resp(b'http/1.1 200 OK', [b'Content-Length: 5'], b'hello'), 'protocol_error',
     note='"http/" is not "HTTP/"')
case('empty-reply', b'', 'empty', note='the server closes without sending anything')
case('status-line-only-close', b'HTTP/1.1 200 OK\r\n', 'truncated',
     note='status line, then FIN in the header section')
case('reply-before-request', resp(OK, [b'Content-Length: 5'], b'hello'), 'ok', b'hello', after='now',
     note='the answer arrives before the request is read; HTTP/1.1 cannot tell, so it is accepted')

# ----------------------------------------------------------- status codes
case('status-100-no-final', b'HTTP/1.1 100 Continue\r\n\r\n', 'truncated',
     note='100 Continue, then FIN: no final response')
case('status-100-no-final-hold', b'HTTP/1.1 100 Continue\r\n\r\n', 'timeout', after='hold',
     note='100 Continue, then silence')
case('status-100-then-200', b'HTTP/1.1 100 Continue\r\n\r\n' + resp(OK, [b'Content-Length: 5'], b'hello'),
     'ok', b'hello', note='an interim response is skipped')
case('status-103-then-200', resp(b'HTTP/1.1 103 Early Hints', [b'Link: </a.css>; rel=preload'])
     + resp(OK, [b'Content-Length: 5'], b'hello'), 'ok', b'hello', note='103 Early Hints is skipped')
case('status-many-100', b'HTTP/1.1 100 Continue\r\n\r\n' * 500 + resp(OK, [b'Content-Length: 5'], b'hello'),
     'ok', b'hello', note='500 interim responses (12 KiB) before the final one')
case('status-100-flood', b'HTTP/1.1 100 Continue\r\n\r\n' * 4000 + resp(OK, [b'Content-Length: 5'], b'hello'),
     'protocol_error', note='4000 interim responses (100 KiB): they count against the header limit')
case('status-101-with-body', resp(b'HTTP/1.1 101 Switching Protocols',
                                  [b'Connection: Upgrade', b'Upgrade: websocket', b'Content-Length: 5'],
                                  b'hello'), 'protocol_error',
     note='101 without having asked to upgrade')
case('status-204-with-body', resp(b'HTTP/1.1 204 No Content', [b'Content-Length: 5'], b'hello'),
     'ok', b'', note='204 has no body whatever Content-Length says: an empty file')
case('status-304-with-body', resp(b'HTTP/1.1 304 Not Modified', [b'Content-Length: 5'], b'hello'),
     'http_error', note='304 is not a success for a plain GET; its "body" is never written')
case('status-404', resp(b'HTTP/1.1 404 Not Found', [b'Content-Length: 9'], b'not here\n'), 'not_found',
     note='404 with a body')
case('status-500-close', resp(b'HTTP/1.1 500 Internal Server Error', [b'Connection: close'], b'<h1>oops</h1>'),
     'http_error', note='500, body to close')
case('status-999', resp(b'HTTP/1.1 999 Odd', [b'Content-Length: 5'], b'hello'), 'http_error',
     note='an unknown status code')
case('status-206-unrequested', resp(b'HTTP/1.1 206 Partial Content',
                                    [b'Content-Range: bytes 0-4/1000', b'Content-Length: 5'], b'hello'),
     'http_error',
     note='a reply to a different request: a range we never asked for (a fragment must not be saved as the file)')
case('status-404-huge-body', resp(b'HTTP/1.1 404 Not Found', [b'Content-Length: 3221225472'], b'x' * 1000),
     'not_found', note='404 announcing 3 GB: the status decides, nothing is written')


def main():
    for f in os.listdir(HERE):
        if f.endswith('.http'):
            os.unlink(os.path.join(HERE, f))
    rows = ['# generated by gen_corpus.py; see its docstring for the columns',
            '# name\tclass\tafter\tbody_len\tbody_sha256\txfail\tnote']
    for name, data, cls, body, after, note, xfail in CASES:
        with open(os.path.join(HERE, name + '.http'), 'wb') as f:
            f.write(data)
        if body is None:
            blen, bsha = '-', '-'
        else:
            blen, bsha = str(len(body)), hashlib.sha256(body).hexdigest()
        rows.append('\t'.join([name, cls, after, blen, bsha, xfail, note]))
    with open(os.path.join(HERE, 'cases.tsv'), 'w') as f:
        f.write('\n'.join(rows) + '\n')
    print('%d cases' % len(CASES))


if __name__ == '__main__':
    main()
