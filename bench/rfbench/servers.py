"""The servers the peers download from ("server configs").

A server config has a name (the row key's server part: 'plain' is plain
HTTP from nginx), start()/stop(), url(path), cpu_s() (CPU seconds used so
far, read before and after each run), placeholder_url() (its base URL as the
report's command lines spell it) and peer_args(peer name): the options that
peer needs against this server ([] for none), or None when the peer cannot
be run against it (it is then left out of the row).

nginx runs through the tests' runner (tests/e2e/rftest.py: free port, temp
dir, stop by pid) with the bench's own template: one worker, sendfile, no
access log, keep-alive that outlives a run. A config may also say which
rows it wants (wants(corpus name, N); every row when it has none). NginxTLS
is the HTTPS config: nginx with its own template and a CA every peer gets
through peer_args."""

import os
import shutil
import tempfile

from .common import BENCH, log, rftest

CLK_TCK = os.sysconf('SC_CLK_TCK')


def proc_cpu_s(pid):
    """utime + stime of one process, in seconds (clock-tick resolution)."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_of(ppid):
    kids = []
    for d in os.listdir('/proc'):
        if d.isdigit():
            try:
                with open('/proc/%s/stat' % d) as f:
                    if int(f.read().rsplit(')', 1)[1].split()[1]) == ppid:
                        kids.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return kids


class Nginx(rftest.Nginx):
    """nginx serving root (the corpora: root/many/, root/big/) and flags_dir
    under /flags/, over plain HTTP on 127.0.0.1."""

    name = 'plain'
    template = os.path.join(BENCH, 'nginx.conf.in')
    package = ('nginx', 'nginx-light')  # (command, Debian package)

    def __init__(self, root, flags_dir):
        super().__init__(root)
        self.flags_dir = flags_dir
        self.workers = []

    def conf_text(self):
        return rftest.render_template(self.template, {
            '@USER_LINE@': rftest.nginx_user_line(), '@PORT@': str(self.port),
            '@ROOT@': self.root, '@FLAGS@': self.flags_dir, '@TMP@': self.tmp})

    def start(self):
        try:
            super().start()
        except rftest.Skip:
            raise SystemExit('bench: nginx is not installed (run without --no-install)')
        except AssertionError as e:
            raise SystemExit('bench: %s' % e)
        self.workers = children_of(self.proc.pid)
        log('bench: nginx pid %d (workers %s) on 127.0.0.1:%d' % (
            self.proc.pid, self.workers, self.port))
        return self

    def cpu_s(self):
        """CPU seconds used so far by the master and its workers."""
        return sum(proc_cpu_s(p) for p in [self.proc.pid] + self.workers)

    def peer_args(self, peer):
        return []

    def placeholder_url(self):
        """How the report's command lines spell this server's base URL."""
        return 'http://127.0.0.1:PORT'


class NginxTLS(Nginx):
    """The same nginx with `ssl` (bench/nginx-tls.conf.in) and a throw-away
    CA made at start by the openssl CLI (tests/e2e/rftls.py, as the tests
    make theirs); every peer is given that CA. Rows: many at N=100 (and 1),
    big at every N: what the HTTPS targets are about."""

    name = 'https'
    template = os.path.join(BENCH, 'nginx-tls.conf.in')

    def __init__(self, root, flags_dir):
        super().__init__(root, flags_dir)
        import rftls  # tests/e2e, on the path common.py set
        self.pki = rftls.PKI(tempfile.mkdtemp(prefix='rfbench-pki-'))

    def conf_text(self):
        return rftest.render_template(self.template, {
            '@USER_LINE@': rftest.nginx_user_line(), '@PORT@': str(self.port),
            '@ROOT@': self.root, '@FLAGS@': self.flags_dir, '@TMP@': self.tmp,
            '@CERT@': self.pki.cert('good'), '@KEY@': self.pki.key('good')})

    def url(self, path='', host='127.0.0.1'):
        return 'https://%s:%d%s' % (host, self.port, path)

    def wants(self, corpus_name, n):
        return corpus_name == 'big' or (corpus_name == 'many' and n in (1, 100))

    def peer_args(self, peer):
        ca = self.pki.ca
        return {
            'ringfetch': ['--cacert', ca],
            'curl': ['--cacert', ca],
            'wget2': ['--ca-certificate=' + ca],
            'aria2c': ['--ca-certificate=' + ca],
        }.get('ringfetch' if peer.startswith('ringfetch-') else peer)
        # (a baseline build, ringfetch-base, as ringfetch; flags2 and the
        # aiohttp client: not here)

    def placeholder_url(self):
        return 'https://127.0.0.1:PORT'

    def stop(self):
        super().stop()
        shutil.rmtree(self.pki.dir, ignore_errors=True)


SERVERS = {'plain': Nginx, 'https': NginxTLS}
