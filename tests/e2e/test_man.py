"""Man pages (issue 14): each program's page describes exactly the options of
its --help, the engine's page every function and type of the public headers,
ringfetch's page every environment variable the code reads, and every page
that `make` rendered (scdoc, $RF_BUILD/man) formats with `man -l` without a
warning.

The sources are man/*.scd; an option is described by a definition line, one
that starts with it in bold (`*-m* _N_, *--max* _N_`).
"""

import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
import rfhelp  # noqa: E402

MAN_DIR = os.path.join(rftest.REPO, 'man')
HEADERS = sorted(glob.glob(os.path.join(rftest.REPO, 'include', 'ringfetch', '*.h')))
PAGES = ('ringfetch.1', 'ringload.1', 'flags2.1', 'flagserver.1', 'ringfetch-engine.3')


def source(page):
    with open(os.path.join(MAN_DIR, page + '.scd'), encoding='utf-8') as f:
        return f.read()


def described_options(text):
    """The options a page's definition lines name."""
    opts = set()
    for line in text.splitlines():
        if line.startswith('*-'):
            opts.update(re.findall(r'\*(--?[A-Za-z][\w-]*)[*=]', line))
    return opts


def rendered(page):
    path = os.path.join(rftest.BUILD, 'man', page)
    assert os.path.isfile(path), '%s is missing: `make` renders the man pages' % path
    return path


def man_warnings(path):
    """What `man --warnings -l` says on stderr while formatting path."""
    if not shutil.which('man'):
        rftest.skip_missing('man (man-db)')
    env = dict(os.environ, MANWIDTH='80', MANPAGER='cat', PAGER='cat', LC_ALL='C.UTF-8')
    r = subprocess.run(['man', '--warnings', '-l', path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, env=env, timeout=60)
    return r.returncode, r.stdout, r.stderr


def check_program_page(prog):
    want = set(rfhelp.options(prog))
    have = described_options(source(prog + '.1'))
    missing = sorted(want - have)
    extra = sorted(have - want)
    assert not missing, '%s --help has options man/%s.1.scd does not describe: %s' % (
        prog, prog, missing)
    assert not extra, 'man/%s.1.scd describes options %s --help does not have: %s' % (
        prog, prog, extra)


@rftest.test
def ringfetch_page_describes_every_option_of_its_help():
    check_program_page('ringfetch')


@rftest.test
def ringload_page_describes_every_option_of_its_help():
    check_program_page('ringload')


@rftest.test
def flags2_page_describes_every_option_of_its_help():
    check_program_page('flags2')


@rftest.test
def flagserver_page_describes_every_option_of_its_help():
    check_program_page('flagserver')


@rftest.test
def option_check_sees_a_missing_option():
    # The check above is only worth something if dropping a definition line
    # makes it fail.
    text = source('ringfetch.1')
    cut = '\n'.join(l for l in text.splitlines() if not l.startswith('*--noproxy*'))
    assert '--noproxy' in described_options(text)
    assert '--noproxy' not in described_options(cut)


@rftest.test
def ringfetch_page_names_every_environment_variable_the_code_reads():
    # The variables the programs and the engine read, straight from the
    # sources, so a new one cannot go unmentioned.
    names = set()
    for path in glob.glob(os.path.join(rftest.REPO, 'src', '**', '*.c'), recursive=True):
        with open(path, encoding='utf-8') as f:
            text = f.read()
        names.update(re.findall(r'getenv\("([A-Z_a-z]+)"\)', text))
        if path.endswith('proxyopts.c'):
            for a, b in re.findall(r'proxyopts_env\(env, "(\w+)", (?:"(\w+)"|NULL)', text):
                names.update(n for n in (a, b) if n)
    assert {'RINGFETCH_RING_DISABLE', 'RINGFETCH_SINK_DISABLE', 'http_proxy'} <= names, names
    env = source('ringfetch.1').split('# ENVIRONMENT', 1)[1].split('\n# ', 1)[0]
    missing = sorted(n for n in names if '*%s*' % n not in env)
    assert not missing, 'ringfetch.1 ENVIRONMENT lacks %s' % missing


@rftest.test
def ringfetch_page_names_every_feature_the_ring_can_be_told_to_skip():
    with open(os.path.join(rftest.REPO, 'src', 'io', 'be_uring.c'), encoding='utf-8') as f:
        ring = re.findall(r'\{ "(\w+)", BE_F_\w+ \}', f.read())
    with open(os.path.join(rftest.REPO, 'src', 'engine', 'sink.c'), encoding='utf-8') as f:
        sink = re.findall(r'strstr\(off, "(\w+)"\)', f.read())
    assert 'splice' in ring and 'fallocate' in sink, (ring, sink)
    env = source('ringfetch.1').split('# ENVIRONMENT', 1)[1].split('\n# ', 1)[0]
    missing = sorted(n for n in ring + sink if '*%s*' % n not in env)
    assert not missing, 'ringfetch.1 ENVIRONMENT does not name %s' % missing


@rftest.test
def engine_page_names_every_function_and_type_of_the_public_headers():
    names = set()
    for h in HEADERS:
        with open(h, encoding='utf-8') as f:
            text = re.sub(r'/\*.*?\*/', '', f.read(), flags=re.S)
        # Prototypes start at the left margin; types are defined there too.
        names.update(re.findall(r'^[a-z][\w \t\*]*?\b(\w+)\(', text, re.M))
        names.update(re.findall(r'^(?:struct|enum) (\w+) \{', text, re.M))
        names.update(re.findall(r'^typedef [^;]*\(\*(\w+)\)', text, re.M))
    assert {'rf_engine_run', 'rf_options', 'url_parse', 'url_status', 'rf_tick_fn'} <= names, names
    page = source('ringfetch-engine.3')
    missing = sorted(n for n in names if n not in page)
    assert not missing, 'ringfetch-engine.3 does not mention %s' % missing


def check_renders(page):
    path = rendered(page)
    rc, out, err = man_warnings(path)
    assert rc == 0, 'man -l %s: exit %d: %s' % (page, rc, err.strip())
    assert err.strip() == '', 'man -l %s warns: %s' % (page, err.strip()[:500])
    name = page.rsplit('.', 1)[0]
    assert 'NAME' in out and name in out and 'SEE ALSO' in out, out[:300]
    assert '@VERSION@' not in out and 'ringfetch 0.' in out, 'no version in the footer'


@rftest.test
def every_page_renders_without_warnings():
    for page in PAGES:
        check_renders(page)


@rftest.test
def the_render_check_sees_a_warning():
    bad = os.path.join(rftest.tempdir(), 'bad.1')
    with open(bad, 'w') as f:
        f.write('.TH BAD 1\n.SH NAME\nbad \\- a page\n.BOGUSMACRO x\n\\fBunclosed\n.ft Z\n')
    rc, _, err = man_warnings(bad)
    assert err.strip(), 'a page with a bad font and an unknown macro gave no warning'


@rftest.test
def see_also_names_the_other_pages():
    for page in PAGES:
        text = source(page).split('# SEE ALSO', 1)
        assert len(text) == 2, '%s has no SEE ALSO' % page
        others = [p for p in PAGES if p != page]
        for o in others:
            name, sect = o.rsplit('.', 1)
            assert '*%s*(%s)' % (name, sect) in text[1], '%s SEE ALSO lacks %s' % (page, o)


if __name__ == '__main__':
    rftest.main()
