#!/usr/bin/env python3
"""docs/scale-out.md's recipes, run as they are written (issue 11, item 8):
the Kubernetes Indexed Job manifest parses as YAML and its container's
command line, run for every index against a local server, fetches disjoint
shards that cover the list; the GNU parallel block runs N shards on this
machine, and the documented jq lines merge their logs and count outcomes."""

import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
from rftest import RouteServer, reply  # noqa: E402

DOC = os.path.join(rftest.REPO, 'docs', 'scale-out.md')
MANIFEST = os.path.join(rftest.REPO, 'docs', 'scale-out', 'ringfetch-indexed-job.yaml')


def need(tool, package):
    if not shutil.which(tool):
        rftest.skip_missing('%s (Debian package %s; make deps)' % (tool, package))


def doc_block(marker, lang='sh'):
    """The first ```LANG block after the text marker."""
    with open(DOC) as f:
        text = f.read()
    at = text.index(marker)
    m = re.compile(r'```%s\n(.*?)```' % lang, re.S).search(text, at)
    return m.group(1)


def list_server(n_ok, n_missing, n_error):
    """A server with n_ok files, n_missing 404s and n_error 500s, and the list of their URLs."""
    routes = {}
    paths = []
    for i in range(n_ok):
        p = '/d%d/f%05d.bin' % (i % 7, i)
        routes[p] = reply(200, ('file %d\n' % i).encode())
        paths.append(p)
    paths += ['/missing/m%03d.bin' % i for i in range(n_missing)]
    for i in range(n_error):
        p = '/broken/e%03d.bin' % i
        routes[p] = reply(500, b'no')
        paths.append(p)
    srv = RouteServer(routes)
    return srv, [srv.url(p) for p in paths]


def env_with_ringfetch():
    return {'PATH': os.path.dirname(rftest.bin('ringfetch')) + os.pathsep + os.environ.get('PATH', '')}


@rftest.test
def the_indexed_job_manifest_parses_and_its_shards_cover_the_list():
    try:
        import yaml
    except ImportError:
        rftest.skip_missing('python3-yaml (Debian package python3-yaml; make deps)')
    with open(MANIFEST) as f:
        docs = list(yaml.safe_load_all(f))
    job, = docs
    assert (job['apiVersion'], job['kind']) == ('batch/v1', 'Job'), job
    spec = job['spec']
    assert spec['completionMode'] == 'Indexed', spec
    n = spec['completions']
    container, = spec['template']['spec']['containers']
    assert container['command'] == ['ringfetch'], container
    args = container['args']
    shard = args[args.index('--shard') + 1]
    assert shard == '$(JOB_COMPLETION_INDEX)/%d' % n, 'shard %s but %d completions' % (shard, n)
    mounts = {m['name']: m['mountPath'] for m in container['volumeMounts']}

    # The container's command line for each index, on this machine: the
    # mounts become temp folders, the list one of a local server's URLs.
    srv, urls = list_server(200, 0, 0)
    work = rftest.tempdir()
    local = {mounts['lists']: os.path.join(work, 'lists'), mounts['out']: os.path.join(work, 'out')}
    for d in local.values():
        os.makedirs(d)
    os.makedirs(os.path.join(local[mounts['out']], 'logs'))   # the init container's job
    with open(os.path.join(local[mounts['lists']], 'urls.txt'), 'w') as f:
        f.write(''.join(u + '\n' for u in urls))

    def localise(arg, k):
        arg = arg.replace('$(JOB_COMPLETION_INDEX)', str(k))
        for mount, there in local.items():
            arg = arg.replace(mount, there)
        return arg
    with srv:
        for k in range(n):
            r = rftest.run([rftest.bin('ringfetch')] + [localise(a, k) for a in args], timeout=120)
            assert r.rc == 0, r.why()
    seen = []
    for k in range(n):
        with open(os.path.join(local[mounts['out']], 'logs', 'shard-%d.json' % k)) as f:
            seen.append([json.loads(line)['url'] for line in f])
    assert all(seen), 'an empty shard: %s' % [len(s) for s in seen]
    flat = [u for s in seen for u in s]
    assert sorted(flat) == sorted(urls), 'shards overlap or miss URLs'
    assert sorted(r.path for r in srv.log) == sorted(u.split(str(srv.port), 1)[1] for u in urls)


@rftest.test
def gnu_parallel_runs_the_shards_and_jq_merges_their_logs():
    need('parallel', 'parallel')
    need('jq', 'jq')
    srv, urls = list_server(120, 5, 3)
    work = rftest.tempdir()
    with open(os.path.join(work, 'urls.txt'), 'w') as f:
        f.write(''.join(u + '\n' for u in urls))
    env = env_with_ringfetch()
    with srv:
        r = rftest.run(['sh', '-ec', doc_block('runs the block below')], cwd=work, env=env, timeout=300)
    # parallel exits with the number of failed shards: those with a 404 or a 500.
    logs = sorted(os.listdir(os.path.join(work, 'logs')))
    assert logs == ['shard-%d.json' % k for k in range(4)], logs
    failed = 0
    for name in logs:
        with open(os.path.join(work, 'logs', name)) as f:
            failed += any(json.loads(line)['outcome'] != 'ok' for line in f)
    assert r.rc == failed and failed > 0, (failed, r.why())
    # The docs' Python snippet tells which shard each URL went to.
    where = {}
    exec(doc_block('any tool can tell where a URL went', 'python'), where)
    for k, name in enumerate(logs):
        with open(os.path.join(work, 'logs', name)) as f:
            for line in f:
                url = json.loads(line)['url']
                assert where['shard'](url.encode(), 4) == k, '%s in shard %d' % (url, k)
    # Every URL asked for (the 500s several times: retries), and each good
    # file fetched once, by one shard.
    asked = [q.path for q in srv.log]
    assert set(asked) == {u.split(str(srv.port), 1)[1] for u in urls}
    ok_paths = [p for p in asked if '/broken/' not in p]
    assert len(ok_paths) == len(set(ok_paths)), 'a URL was fetched by two shards'

    merge = doc_block('runs these lines too')
    m = rftest.run(['sh', '-ec', merge], cwd=work, env=env, timeout=60)
    assert m.rc == 0, m.why()
    with open(os.path.join(work, 'all.json')) as f:
        merged = [json.loads(line) for line in f]
    assert sorted(e['url'] for e in merged) == sorted(urls), 'the merged log is not the list'
    assert json.loads(m.out) == {'ok': 120, 'not_found': 5, 'error': 3}, m.out
    again = rftest.run(['jq', '-r', 'select(.outcome=="error").url', 'all.json'], cwd=work, timeout=60)
    assert sorted(again.out.split()) == sorted(u for u in urls if '/broken/' in u), again.out


if __name__ == '__main__':
    rftest.main()
