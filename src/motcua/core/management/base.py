"""Base for motcua commands: bad input is one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, handle_default_options
from django.db import connections

from motcua.core.errors import DomainError


class UsageError(CommandError):
    def __init__(self, message: str):
        super().__init__(message, returncode=2)


class MotcuaCommand(BaseCommand):
    def run_from_argv(self, argv):
        # Django's own version prefixes the message with the exception class ("UsageError: ...");
        # an official reading the terminal needs the message alone.
        self._called_from_command_line = True
        parser = self.create_parser(argv[0], argv[1])
        options = parser.parse_args(argv[2:])  # argparse exits 2 on bad flags by itself
        cmd_options = vars(options)
        args = cmd_options.pop("args", ())
        handle_default_options(options)
        try:
            self.execute(*args, **cmd_options)
        except CommandError as exc:
            if options.traceback:
                raise
            sys.stderr.write(f"{exc}\n")
            sys.exit(exc.returncode)
        finally:
            connections.close_all()

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except DomainError as exc:
            raise UsageError(exc.message) from exc
