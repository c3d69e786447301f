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


def test_help_imports_no_heavy_module():
    """`missilewatch --help` lists the commands without importing NumPy, Numba, SciPy or the data
    (a command's module is imported only when that command runs)."""
    code = ("import sys; from missilewatch.cli.app import main; main(['--help']); "
            "print(sorted(m for m in ('numpy', 'numba', 'scipy', 'shapely', 'sqlalchemy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_every_listed_command_loads_and_has_help(capsys):
    from missilewatch.cli.app import COMMANDS

    for name in COMMANDS:
        assert main([name, "--help"]) == 0, name
    assert "Usage" in capsys.readouterr().out
