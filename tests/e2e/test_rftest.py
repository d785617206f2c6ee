"""The e2e helpers' own self-test (tests/e2e/rftest.py run as a program)."""
import os
import runpy

runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'rftest.py'),
               run_name='__main__')
