"""Where the downloads land ("destinations", the `target` of a result key):
each is a context manager whose .path is a folder for the runs' output.

    tmpfs   a tmpfs mounted for the bench (a folder under /dev/shm when
            mounting is not allowed), so no disk is measured by accident
    disk    a folder on disk (--disk); synced before every run so that an
            earlier run's writeback does not land in this one
    ext4, xfs, btrfs
            a file system of that kind made by the bench on an image file
            of its own, attached to a free loop device and mounted (LoopFs);
            unmounted, detached and deleted at the end. Needs root and the
            mkfs program; when either is missing or the kernel cannot mount
            it, entering raises Unavailable and the bench goes on without it.

A destination has a name, a note for the report, sync_before_run and
settle_s (see DISK_SETTLE_S), cleanup on exit, and may narrow its rows:
wants_row(server name, corpus name) and wants_peer(peer name, corpus name,
N) (every row and peer when it has none). To add one, write a class like these and add it to DESTINATIONS."""

import os
import shutil
import subprocess
import tempfile

from .common import MIB, log, which


# Seconds a disk destination rests after the previous run's output is
# deleted and synced, before the next run starts. Measured on the ext4 image
# only (xfs, btrfs and --disk get the same rest untested): without it, the
# same ringfetch binary twice in each round (bench/run --baseline, big at
# N=8, with aria2c, 8 rounds) took 0.30-0.65 s first, right after aria2c,
# and 0.17-0.30 s second, right after itself; perf put the extra time in the
# memcpy of the file writes (617 of 797 samples in a slow run, 36 of 193 in
# a fast one, for the same bytes). Our guess, not shown: something the
# previous output's deletion leaves behind settles within a second. With
# 1 s, first and second were 0.15-0.25 s in 7 of 8 rounds; the eighth
# first run, again right after aria2c, took 0.51 s, so the rest reduces the
# effect without removing it. Every tool gets the same rest; tmpfs rows
# never showed the effect and get none.
DISK_SETTLE_S = 1.0


class Unavailable(Exception):
    """A destination this machine cannot provide; str() says why."""


class Tmpfs:
    """A tmpfs of our own at `where`, so the downloads are measured without a
    disk and without other users of /dev/shm. Falls back to a folder under
    /dev/shm when mounting is not allowed (not root)."""

    name = 'tmpfs'
    sync_before_run = False
    settle_s = 0

    def __init__(self, where, size='2g'):
        self.where, self.size = where, size
        self.mounted = False
        self.note = ''
        self.path = None

    def __enter__(self):
        os.makedirs(self.where, exist_ok=True)
        if os.path.ismount(self.where):  # left over by an interrupted run
            subprocess.run(['umount', self.where])
        r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s,mode=0755' % self.size,
                            'rfbench', self.where], stderr=subprocess.PIPE, text=True)
        if r.returncode == 0:
            self.mounted = True
            self.path = self.where
            self.note = 'tmpfs mounted at %s (size=%s)' % (self.where, self.size)
        else:
            self.path = tempfile.mkdtemp(prefix='rfbench-', dir='/dev/shm')
            self.note = 'mount failed (%s); using %s' % (r.stderr.strip(), self.path)
        log('bench: outputs on %s' % self.note)
        return self

    def __exit__(self, *exc):
        if self.mounted:
            subprocess.run(['umount', self.where])
            self.mounted = False
        else:
            shutil.rmtree(self.path, ignore_errors=True)


class Disk:
    """A folder on whatever file system holds `where`; only the runs' output
    folder is removed at the end."""

    name = 'disk'
    sync_before_run = True
    settle_s = DISK_SETTLE_S

    def __init__(self, where):
        self.path = where
        self.note = 'disk: %s' % where

    def __enter__(self):
        os.makedirs(self.path, exist_ok=True)
        return self

    def __exit__(self, *exc):
        shutil.rmtree(os.path.join(self.path, 'out'), ignore_errors=True)


class LoopFs:
    """A fresh file system of kind `fstype` on an image file under `work`:
    the image is allocated in full (fallocate, so the backing file system
    does no allocation of its own during a run), attached to a free loop
    device with direct I/O where the kernel allows it (so the data is not
    cached twice, once above the loop device and once in the backing file),
    made with the mkfs defaults (plus, for ext4, inode tables and journal
    initialised at mkfs time: lazy initialisation would otherwise write them
    from a kernel thread during the first runs) and mounted with the default
    options. Only the bulk corpora are fetched into it, by ringfetch and the
    tools the disk targets compare it with."""

    sync_before_run = True
    settle_s = DISK_SETTLE_S
    MKFS = {
        'ext4': ['mkfs.ext4', '-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0'],
        'xfs': ['mkfs.xfs', '-q', '-f'],
        'btrfs': ['mkfs.btrfs', '-q', '-f'],
    }
    ROW_CORPORA = ('many', 'big')
    PEERS = ('ringfetch', 'ringfetch-base', 'rf-discard', 'curl', 'wget2', 'aria2c')

    def __init__(self, fstype, work, size_mib=1536):
        self.name = fstype
        self.work, self.size_mib = work, size_mib
        self.image = os.path.join(work, 'fs-%s.img' % fstype)
        self.where = os.path.join(work, 'mnt-%s' % fstype)
        self.path = None
        self.device = None
        self.mounted = False
        self.note = ''

    def wants_row(self, server_name, corpus_name):
        return server_name == 'plain' and corpus_name in self.ROW_CORPORA

    def wants_peer(self, peer_name, corpus_name, n):
        # aria2c calls fsync three times per download (its control file,
        # the file): on ext4 a run of `many` took 57 s at N=100 and would
        # take ~110 s at N=1 (100 files: 1.09 s), most of the bench's time
        # for one row, so it runs `many` at N=100 only (`big` at every N).
        if peer_name == 'aria2c' and corpus_name == 'many' and n != 100:
            return False
        return peer_name in self.PEERS

    def _run(self, cmd, what):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise Unavailable('%s failed: %s' % (
                what, ' | '.join(r.stdout.strip().splitlines()[-2:])))
        return r.stdout.strip()

    def __enter__(self):
        try:
            self._make()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _make(self):
        mkfs = self.MKFS[self.name]
        if os.geteuid() != 0:
            raise Unavailable('not root: cannot attach a loop device or mount')
        if not which(mkfs[0]):
            raise Unavailable('%s is not installed' % mkfs[0])
        os.makedirs(self.where, exist_ok=True)
        if os.path.ismount(self.where):  # left over by an interrupted run of ours
            subprocess.run(['umount', self.where])
        if os.path.exists(self.image):
            os.unlink(self.image)
        with open(self.image, 'wb') as f:
            try:
                os.posix_fallocate(f.fileno(), 0, self.size_mib * MIB)
            except OSError:
                f.truncate(self.size_mib * MIB)
        # Direct I/O needs the loop device's sectors to be as large as the
        # backing file system's blocks; without it, plain buffered loop. The
        # file system is made on the device, so that it fits its sectors.
        dio = ['--direct-io=on', '--sector-size', str(os.statvfs(self.work).f_bsize)]
        try:
            self.device = self._run(['losetup', '--find', '--show'] + dio + [self.image], 'losetup')
            how = 'direct I/O'
        except Unavailable:
            self.device = self._run(['losetup', '--find', '--show', self.image], 'losetup')
            how = 'buffered'
        self._run(mkfs + [self.device], mkfs[0])
        self._run(['mount', '-t', self.name, self.device, self.where], 'mount -t ' + self.name)
        self.mounted = True
        self.path = os.path.join(self.where, 'bench')
        os.makedirs(self.path, exist_ok=True)
        opts = next((line.split()[3] for line in open('/proc/mounts')
                     if line.split()[1] == self.where), '?')
        self.note = '%s: %d MiB image (%s) on %s (%s), mounted %s' % (
            self.name, self.size_mib, ' '.join(mkfs[1:]) or 'defaults', self.device, how, opts)
        log('bench: outputs on %s' % self.note)

    def __exit__(self, *exc):
        if self.mounted:
            subprocess.run(['umount', self.where])
            self.mounted = False
        if self.device:
            subprocess.run(['losetup', '-d', self.device])
            self.device = None
        if os.path.exists(self.image):
            os.unlink(self.image)


DESTINATIONS = {'tmpfs': Tmpfs, 'disk': Disk}
FILE_SYSTEMS = list(LoopFs.MKFS)
