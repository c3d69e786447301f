"""Starting ``missilewatch`` processes on this machine (the demo, the allied network runner, the
tests): a free loopback port and the environment that puts this checkout's sources first."""

from __future__ import annotations

import os
import socket
from pathlib import Path

#: The ``src`` folder holding this package.
SRC = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env() -> dict[str, str]:
    """The environment for a ``missilewatch`` subprocess: this checkout's sources first."""
    return dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
