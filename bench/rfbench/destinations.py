"""Where the downloads land ("destinations", the `target` of a result key):
each is a context manager whose .path is a folder for the runs' output.

    tmpfs   a tmpfs mounted for the bench (a folder under /dev/shm when
            mounting is not allowed), so no disk is measured by accident
    disk    a folder on disk (--disk); synced before every run so that an
            earlier run's writeback does not land in this one

A destination has a name, a note for the report, sync_before_run, and
cleanup on exit. To add one (a loop-mounted ext4, xfs or btrfs image), write
a class like these and add it to DESTINATIONS."""

import os
import shutil
import subprocess
import tempfile

from .common import log


class Tmpfs:
    """A tmpfs of our own at `where`, so the downloads are measured without a
    disk and without other users of /dev/shm. Falls back to a folder under
    /dev/shm when mounting is not allowed (not root)."""

    name = 'tmpfs'
    sync_before_run = False

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

    def __init__(self, where):
        self.path = where
        self.note = 'disk: %s' % where

    def __enter__(self):
        os.makedirs(self.path, exist_ok=True)
        return self

    def __exit__(self, *exc):
        shutil.rmtree(os.path.join(self.path, 'out'), ignore_errors=True)


DESTINATIONS = {'tmpfs': Tmpfs, 'disk': Disk}
