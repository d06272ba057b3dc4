"""Calling the real WSGI application in-process from a test (schemathesis's `case.call(app=...)`)."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@contextmanager
def detached_request_signals():
    # The real WSGI handler closes the test's DB connection at the end of each request (PostgreSQL then
    # fails, and the test transaction is lost); Django's test Client detaches these handlers the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
