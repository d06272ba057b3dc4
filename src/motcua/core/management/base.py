"""Base for motcua commands: bad input is one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from motcua.core.errors import DomainError


class UsageError(CommandError):
    def __init__(self, message: str):
        super().__init__(message, returncode=2)


class MotcuaCommand(BaseCommand):
    def run_from_argv(self, argv):
        try:
            super().run_from_argv(argv)
        except DomainError as exc:
            sys.stderr.write(f"{exc.message}\n")
            sys.exit(2)

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except DomainError as exc:
            raise UsageError(exc.message) from exc

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # argparse's own errors already exit 2; keep CommandError's status 2 as well.
        return parser
