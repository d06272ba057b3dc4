"""The population database simulator (a real process) for every test of this directory."""

from .sim import platform, population_server  # noqa: F401 - fixtures
