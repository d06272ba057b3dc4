"""Notices: the dossier fixtures, SMS kept in memory, and the outbox worker as `make demo` would run it."""

from __future__ import annotations

import random

import pytest

from motcua.integrations.transports import PermanentError, RetryableError
from motcua.integrations.worker import OutboxWorker
from motcua.notifications.sms import LocmemBackend, SmsBackend
from tests.dossiers.conftest import counter, fast_passwords, online, perform, procedure  # noqa: F401


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """SMS through the in-memory backend; what it sent, as `mailoutbox` is for e-mail."""
    settings.SMS_BACKEND = "motcua.notifications.sms.LocmemBackend"
    settings.SITE_URL = "https://dichvucong.nghean.gov.vn"
    LocmemBackend.sent.clear()
    yield LocmemBackend.sent
    LocmemBackend.sent.clear()


@pytest.fixture
def run_worker():
    """Run the outbox worker once, with the transports the application registered (as in production)."""

    def run(**kw):
        return OutboxWorker(rng=random.Random(3), say=lambda text: None, **kw).run_once()

    return run


class FlakySms(SmsBackend):
    """Fails `failures` times (RetryableError), then accepts; `permanent` refuses for good."""

    failures = 0
    permanent = False
    calls = 0

    def send(self, sms):
        type(self).calls += 1
        if self.permanent:
            raise PermanentError("HTTP 400", f"số {sms.to} không hợp lệ")
        if type(self).calls <= self.failures:
            raise RetryableError("HTTP 503", f"bận, không gửi được tới {sms.to}")
        return "ok-1"


@pytest.fixture
def flaky(settings):
    settings.SMS_BACKEND = "tests.notifications.conftest.FlakySms"
    FlakySms.failures, FlakySms.permanent, FlakySms.calls = 0, False, 0
    return FlakySms
