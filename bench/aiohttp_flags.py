#!/usr/bin/env python3
"""The asyncio downloader users would write after reading Fluent Python's
flags2_asyncio: one aiohttp ClientSession, a semaphore capping the requests in
flight, one coroutine per URL that GETs the body, checks the status and writes
the file (synchronously, as the book's aiohttp version does).

    aiohttp_flags.py -m N -i LIST -o DIR

LIST holds one URL per line; each body is saved as DIR/<last path segment>.
Exit status 0 when every URL was saved, 1 when any failed (one line per
failure on stderr), 2 for usage errors. Used by bench/run as a baseline.
"""

import argparse
import asyncio
import os
import sys

import aiohttp


async def get_body(session, url):
    async with session.get(url) as resp:
        resp.raise_for_status()
        return await resp.read()


def save(body, path):
    with open(path, 'wb') as f:
        f.write(body)


async def download_one(session, semaphore, url, dest):
    async with semaphore:
        body = await get_body(session, url)
    save(body, os.path.join(dest, url.rsplit('/', 1)[-1]))


async def download_many(urls, dest, concurrency):
    semaphore = asyncio.Semaphore(concurrency)
    # The connector's own cap (100 by default) must not be the one that binds.
    connector = aiohttp.TCPConnector(limit=max(100, concurrency))
    failed = 0
    async with aiohttp.ClientSession(connector=connector) as session:
        todo = [download_one(session, semaphore, url, dest) for url in urls]
        for coro in asyncio.as_completed(todo):
            try:
                await coro
            except Exception as exc:  # report every failure, keep going
                failed += 1
                print('ERR %s: %r' % (type(exc).__name__, exc), file=sys.stderr)
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('-m', type=int, default=5, help='requests in flight')
    ap.add_argument('-i', required=True, help='file with one URL per line')
    ap.add_argument('-o', default='.', help='output folder')
    args = ap.parse_args()
    with open(args.i) as f:
        urls = [line.strip() for line in f if line.strip() and not line.startswith('#')]
    os.makedirs(args.o, exist_ok=True)
    failed = asyncio.run(download_many(urls, args.o, args.m))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
