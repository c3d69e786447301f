"""The flight simulated once and the clean-up of server processes, shared with tests/service."""

from tests.service.conftest import _no_server_outlives_its_test, flight_dir  # noqa: F401 (fixtures)
