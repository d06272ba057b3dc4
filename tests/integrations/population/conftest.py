"""The population database simulator (a real process) for every test of this directory, and the online
submission's test procedure."""

from tests.online.conftest import procedure  # noqa: F401 - fixture

from .sim import platform, population_server  # noqa: F401 - fixtures
