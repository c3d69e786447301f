"""The one exception hierarchy of missilewatch.

Every error raised on bad input names the field and the value that is wrong, so the CLI can
print it on one line (exit status 2) and the API can answer 422 with the same text.
"""

from __future__ import annotations


class MissilewatchError(Exception):
    """Base of every error missilewatch raises on purpose."""


class InputError(MissilewatchError, ValueError):
    """A value given by a user, a file or a stream is malformed or out of range."""

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field}: {problem} (got {value!r})")


class ConfigError(MissilewatchError):
    """The configuration (environment, options, settings file) is invalid."""


class ConvergenceError(MissilewatchError):
    """A numerical search (e.g. a reconstruction) found no solution that fits."""


class DataError(MissilewatchError):
    """A data file the package ships or reads is missing or damaged."""
