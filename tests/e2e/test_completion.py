"""Shell completions (issue 14): completions/bash/PROG and completions/zsh/_PROG
offer exactly the options of `PROG --help`, and expect a value after exactly
the options that take one, so neither can drift from the program.

bash: the real thing. A bash with Debian's bash-completion loaded sources
our file and calls its function the way readline would, with COMP_WORDS
set: `PROG -` must offer every option, and `PROG OPT -` no option when OPT
takes a value (the word is its value), options again when it takes none.
zsh: each file parses (zsh -n), declares `#compdef PROG`, and its
_arguments specs name the same options, a value (a `:` action, `=` or `+`)
given to the same ones.
"""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rftest  # noqa: E402
import rfhelp  # noqa: E402

COMP_DIR = os.path.join(rftest.REPO, 'completions')
BASH_COMPLETION = '/usr/share/bash-completion/bash_completion'
MARK = '@@rf-completion@@'


def bash_complete(prog, queries):
    """COMPREPLY for each query (a list of words, the last the one being
    completed), in one bash."""
    if not os.path.isfile(BASH_COMPLETION):
        rftest.skip_missing('bash-completion')
    script = ['source %s' % BASH_COMPLETION,
              'source %s' % os.path.join(COMP_DIR, 'bash', prog),
              # compopt works only inside a completion readline started.
              'compopt() { :; }',
              'q() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));'
              ' COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=();'
              ' _%s; printf "%%s\\n" "${COMPREPLY[@]}"; echo %s; }' % (prog, MARK)]
    for words in queries:
        script.append('q ' + ' '.join("'%s'" % w.replace("'", "'\\''") for w in words))
    # An empty folder as the cwd: file names never pass for options.
    cwd = rftest.tempdir()
    r = subprocess.run(['bash', '--norc', '--noprofile', '-c', '\n'.join(script)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, cwd=cwd, timeout=60)
    assert r.returncode == 0 and not r.stderr.strip(), 'bash: %d %s' % (r.returncode, r.stderr)
    answers = r.stdout.split(MARK + '\n')
    assert len(answers) == len(queries) + 1, r.stdout[-300:]
    return [[w for w in a.splitlines() if w] for a in answers[:-1]]


def check_bash(prog):
    want = rfhelp.options(prog)
    offered, = bash_complete(prog, [[prog, '-']])
    have = {w.rstrip('=') for w in offered}
    missing = sorted(set(want) - have)
    extra = sorted(have - set(want))
    assert not missing, 'completions/bash/%s does not offer %s' % (prog, missing)
    assert not extra, 'completions/bash/%s offers %s, which --help lacks' % (prog, extra)
    # After an option that takes a value, even a word starting with '-' is
    # that value: no option may be offered for it.
    opts = sorted(want)
    after = bash_complete(prog, [[prog, o, '-'] for o in opts])
    for o, offered in zip(opts, after):
        if want[o]:
            assert not any(w.startswith('-') for w in offered), (
                '%s takes a value, but `%s %s -<TAB>` offers options: %s' % (
                    o, prog, o, offered[:5]))
        else:
            assert offered, '%s takes no value, but `%s %s -<TAB>` offers no option' % (
                o, prog, o)


ZSH_SPEC = re.compile(r"""^\s*'?(?:\((?P<excl>[^)]*)\))?'?(?P<star>\*)?'?"""
                      r"""(?:\{(?P<names>[^}]*)\}'|(?P<name>--?[\w-]+[=+]?))"""
                      r"""\[[^\]]*\](?P<action>:?)""")


def zsh_options(path):
    """{option: takes_value} from the _arguments specs of a zsh completion."""
    opts = {}
    with open(path) as f:
        for line in f:
            m = ZSH_SPEC.match(line)
            if not m:
                continue
            names = (m.group('names') or m.group('name')).split(',')
            for n in names:
                value = n.endswith(('=', '+')) or bool(m.group('action'))
                opts[n.rstrip('=+')] = value
    return opts


def check_zsh(prog):
    if not shutil.which('zsh'):
        rftest.skip_missing('zsh')
    path = os.path.join(COMP_DIR, 'zsh', '_' + prog)
    r = subprocess.run(['zsh', '-n', path], stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0, 'zsh -n %s: %s' % (path, r.stderr)
    with open(path) as f:
        assert f.readline().strip() == '#compdef ' + prog, 'first line of %s' % path
    want = rfhelp.options(prog)
    have = zsh_options(path)
    missing = sorted(set(want) - set(have))
    extra = sorted(set(have) - set(want))
    assert not missing, 'completions/zsh/_%s lacks %s' % (prog, missing)
    assert not extra, 'completions/zsh/_%s has %s, which --help lacks' % (prog, extra)
    wrong = sorted(o for o in want if want[o] != have[o])
    assert not wrong, 'completions/zsh/_%s: a value or none, unlike --help, for %s' % (prog, wrong)


@rftest.test
def bash_completion_of_ringfetch_matches_its_help():
    check_bash('ringfetch')


@rftest.test
def bash_completion_of_ringload_matches_its_help():
    check_bash('ringload')


@rftest.test
def bash_completion_of_flags2_matches_its_help():
    check_bash('flags2')


@rftest.test
def bash_completion_of_flagserver_matches_its_help():
    check_bash('flagserver')


@rftest.test
def bash_completion_offers_the_values_it_knows():
    got = bash_complete('ringfetch', [['ringfetch', '--backend', ''],
                                      ['ringfetch', '--progress', 'd']])
    assert got == [['uring', 'epoll'], ['dot']], got
    got, = bash_complete('flagserver', [['flagserver', '--fault', 'reset,tr']])
    assert got == ['reset,truncate'], got


@rftest.test
def zsh_completion_of_ringfetch_matches_its_help():
    check_zsh('ringfetch')


@rftest.test
def zsh_completion_of_ringload_matches_its_help():
    check_zsh('ringload')


@rftest.test
def zsh_completion_of_flags2_matches_its_help():
    check_zsh('flags2')


@rftest.test
def zsh_completion_of_flagserver_matches_its_help():
    check_zsh('flagserver')


@rftest.test
def the_zsh_parser_sees_what_the_specs_say():
    # The zsh check is only as good as zsh_options: it must read each form.
    path = os.path.join(rftest.tempdir(), '_x')
    with open(path, 'w') as f:
        f.write("#compdef x\n_arguments \\\n"
                "  '(-m --max)'{-m+,--max=}'[n]:n:' \\\n"
                "  '*'{-H+,--header=}'[h]:h:' \\\n"
                "  '--stats[s]' \\\n"
                "  '(- *)'{-h,--help}'[help]' \\\n"
                "  '(- *)--version[v]' \\\n"
                "  '*--resolve=[r]:r:' \\\n"
                "  '--fault=[f]:f:_sequence compadd - a b' \\\n"
                "  '--port[p]:port:' \\\n"
                "  '*:URL:_urls'\n")
    got = zsh_options(path)
    want = {'-m': True, '--max': True, '-H': True, '--header': True, '--stats': False,
            '-h': False, '--help': False, '--version': False, '--resolve': True,
            '--fault': True, '--port': True}
    assert got == want, got


if __name__ == '__main__':
    rftest.main()
