"""The corpora the tools download, made once with build/mkcorpus and cached
under --work, and the check that a run saved exactly a corpus.

A corpus is a list of (url_path, saved_name, source_path): served under
/NAME/ by every server config, saved as saved_name by every peer. To add a
bulk corpus, add it to BULK; it joins ALL_CORPORA in that order."""

import os
import shutil
import subprocess

from .common import KIB, MIB, REPO, log, rftest

# name -> (file count, bytes per file); flags are whatever the corpus holds.
BULK = {'many': (10000, 8 * KIB), 'big': (8, 64 * MIB)}
ALL_CORPORA = ['flags'] + list(BULK)

# Small corpora are compared from memory: reading the source again for each
# of ~70 runs would dominate the harness's own time.
CACHE_BYTES = 256 * MIB


class Corpus:
    """A set of files: items in fetch order, sizes and sources by saved name."""

    def __init__(self, name, items, note):
        self.name = name
        self.items = items                   # [(url_path, saved_name, source_path)]
        self.note = note
        self.sizes = {n: os.path.getsize(p) for _, n, p in items}
        self.bytes = sum(self.sizes.values())
        self.sources = {n: p for _, n, p in items}
        self.cache = None
        if self.bytes <= CACHE_BYTES:
            self.cache = {}
            for n, p in self.sources.items():
                with open(p, 'rb') as f:
                    self.cache[n] = f.read()

    @property
    def files(self):
        return len(self.items)


def bulk_ok(d, count, size):
    try:
        names = os.listdir(d)
    except OSError:
        return False
    return len(names) == count and all(
        os.path.getsize(os.path.join(d, rftest.bulk_name(i))) == size for i in range(count))


def make_corpora(wanted, work, build, shared):
    """(root served by the server, the flags folder, {name: Corpus})."""
    root = os.path.join(work, 'corpus')
    os.makedirs(root, exist_ok=True)
    mkcorpus = os.path.join(build, 'mkcorpus')
    corpora = {}
    real = os.path.join(shared, 'data', 'flags')
    if os.path.isfile(os.path.join(real, 'br', 'br.gif')):
        flags_dir = os.path.normpath(real)
        flags_note = 'the real flags from %s' % os.path.relpath(flags_dir, REPO)
    else:
        synth = os.path.join(root, 'synthflags')
        if not os.path.isfile(os.path.join(synth, 'flags', 'br', 'br.gif')):
            log('bench: making the synthetic flags corpus')
            subprocess.run([mkcorpus, 'flags', synth], check=True, stdout=subprocess.DEVNULL)
        flags_dir, flags_note = os.path.join(synth, 'flags'), 'synthetic flags (mkcorpus flags)'
    for name in wanted:
        if name == 'flags':
            codes = sorted(c for c in os.listdir(flags_dir)
                           if os.path.isfile(os.path.join(flags_dir, c, c + '.gif')))
            items = [('/flags/%s/%s.gif' % (c, c), c + '.gif',
                      os.path.join(flags_dir, c, c + '.gif')) for c in codes]
            corpora[name] = Corpus(name, items, flags_note)
            continue
        count, size = BULK[name]
        d = os.path.join(root, name)
        if not bulk_ok(d, count, size):
            log('bench: making corpus %s (%d x %d bytes)' % (name, count, size))
            shutil.rmtree(d, ignore_errors=True)
            subprocess.run([mkcorpus, 'bulk', d, str(count), str(size)], check=True,
                           stdout=subprocess.DEVNULL)
        items = [('/%s/%s' % (name, rftest.bulk_name(i)), rftest.bulk_name(i),
                  os.path.join(d, rftest.bulk_name(i))) for i in range(count)]
        corpora[name] = Corpus(name, items, 'mkcorpus bulk: %d x %d bytes' % (count, size))
    return root, flags_dir, corpora


def verify(corpus, out_dir):
    """'' when out_dir holds exactly the corpus, byte for byte; else why not."""
    found = rftest.leftovers(out_dir)
    want = corpus.sizes
    extra = sorted(set(found) - set(want))
    missing = sorted(set(want) - set(found))
    if missing or extra:
        return '%d missing (%s), %d unexpected (%s)' % (
            len(missing), ' '.join(missing[:3]), len(extra), ' '.join(extra[:3]))
    wrong = []
    for name, size in want.items():
        path = os.path.join(out_dir, name)
        if os.path.getsize(path) != size or not same_bytes(corpus, name, path):
            wrong.append(name)
    if wrong:
        return '%d files differ from the source (%s)' % (len(wrong), ' '.join(wrong[:3]))
    return ''


def same_bytes(corpus, name, path):
    if corpus.cache is not None:
        with open(path, 'rb') as f:
            return f.read() == corpus.cache[name]
    with open(corpus.sources[name], 'rb') as a, open(path, 'rb') as b:
        while True:
            x, y = a.read(4 * MIB), b.read(4 * MIB)
            if x != y:
                return False
            if not x:
                return True
