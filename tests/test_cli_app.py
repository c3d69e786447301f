"""The command-line shell: help lists commands, errors are one line with exit status 2."""

import subprocess
import sys

from missilewatch.cli.app import main


def test_help_exits_zero(capsys):
    assert main(["--help"]) == 0
    assert "missilewatch" in capsys.readouterr().out.lower()


def test_unknown_command_is_one_line_and_exit_2(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "missilewatch.cli.app", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
