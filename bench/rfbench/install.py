"""Installing what is missing with apt-get (unless --no-install): the
server, the peers and the bench's own tools are Debian packages."""

import os
import subprocess

from .common import log, which

# The bench's own tools: (command, Debian package).
TOOLS = [('wrk', 'wrk'), ('gnuplot', 'gnuplot-nox'), ('strace', 'strace'),
         # the file systems the disk rows make (destinations.LoopFs)
         ('mkfs.ext4', 'e2fsprogs'), ('mkfs.xfs', 'xfsprogs'), ('mkfs.btrfs', 'btrfs-progs')]


def commands_present(cmd):
    return lambda: which(cmd) is not None


def install_missing(needs, allow):
    """needs: [(present, package)], present() true when the package is not
    needed. Returns the packages apt-get was asked to install."""
    missing = list(dict.fromkeys(pkg for present, pkg in needs if not present()))
    if not missing:
        return []
    if not allow:
        log('bench: not installing (--no-install): %s' % ' '.join(missing))
        return []
    if not which('apt-get'):
        log('bench: missing %s and no apt-get: those tools are skipped' % ' '.join(missing))
        return []
    sudo = [] if os.geteuid() == 0 else ['sudo']
    log('bench: installing %s' % ' '.join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    subprocess.run(sudo + ['apt-get', 'update', '-qq'], env=env)
    r = subprocess.run(sudo + ['apt-get', 'install', '-y', '-qq', '--no-install-recommends']
                       + missing, env=env)
    if r.returncode != 0 and 'nginx-light' in missing:
        # Newer Debian releases dropped nginx-light; plain nginx serves as well.
        missing[missing.index('nginx-light')] = 'nginx'
        subprocess.run(sudo + ['apt-get', 'install', '-y', '-qq', '--no-install-recommends']
                       + missing, env=env)
    return missing
