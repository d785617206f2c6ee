"""The options a program's --help lists, for the tests that keep the man pages
and the shell completions in step with it (test_manpages.py,
test_completion.py).

An option is listed in two places: the usage lines at the top (`[-q|-v]`),
and the option lines, which start with a dash after a little indentation and
hold the option's spellings and its value before a gap of two spaces or more
(`  -m N, --max N         at most ...`, `  -H, --header 'Name: value'  add ...`,
`  --progress=TYPE       bar ...`). Description lines are indented further
and never start with a dash, so a `-m N` inside a description is no option
line.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402

PROGRAMS = ('ringfetch', 'ringload', 'flags2', 'flagserver')

OPT = re.compile(r'(?<![\w-])(--?[A-Za-z][\w-]*)')
OPTION_LINE = re.compile(r'^ {1,8}(-\S.*)$')


def help_text(prog):
    r = rftest.run([rftest.bin(prog), '--help'], timeout=20)
    assert r.rc == 0, r.why()
    return r.out


def parse(text):
    """{option: takes_value} for every option in a --help text."""
    opts = {}
    lines = text.splitlines()
    # The usage lines: the first line, 'usage: ...', and the indented ones
    # right after it.
    if lines and lines[0].startswith('usage:'):
        for i, line in enumerate(lines):
            if i > 0 and not (line.startswith(' ') and line.strip()):
                break
            for o in OPT.findall(line):
                opts.setdefault(o, False)
    for line in lines:
        m = OPTION_LINE.match(line)
        if not m:
            continue
        head = re.split(r'\s{2,}', m.group(1), maxsplit=1)[0]
        found = OPT.findall(head)
        # A value is whatever the head holds besides the spellings: 'N',
        # '=TYPE', "'Name: value'".
        rest = OPT.sub('', head).replace(',', '').strip()
        for o in found:
            opts[o] = bool(rest)
    # An option only in the usage lines (flagserver's -h) is taken to have
    # no value: each of ours that has one also has an option line.
    return opts


def options(prog):
    return parse(help_text(prog))


def _self_test():
    sample = ('usage: p [-a] [--bee N]\n'
              '         [-h]\n'
              '\n'
              'options:\n'
              '  -m N, --max N         at most N; see -q in a description\n'
              '                        -z starts no line of a description\n'
              '  -H, --header \'Name: v\'  add\n'
              '  --progress=TYPE       bar\n'
              '      --json            one object\n')
    got = parse(sample)
    want = {'-a': False, '--bee': False, '-h': False, '-m': True, '--max': True, '-H': True,
            '--header': True, '--progress': True, '--json': False}
    assert got == want, got


_self_test()
