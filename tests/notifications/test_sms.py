"""SMS backends: the console one keeps the number out of its output, the HTTP JSON one against a real local
server, and the outcomes the worker acts on."""

from __future__ import annotations

import io

import pytest

from motcua.integrations.transports import PermanentError, RetryableError
from motcua.notifications.sms import ConsoleBackend, HttpJsonBackend, Sms
from tests.integrations.conftest import receiver  # noqa: F401 - a real HTTP server on 127.0.0.1

SMS = Sms(to="0912345678", text="Ho so 000.00.00.H40-250815-0001 da co ket qua.", reference="X:3:sms")


def test_console_backend_masks_the_number():
    out = io.StringIO()

    ConsoleBackend(stream=out).send(SMS)

    assert out.getvalue() == f"[SMS tới 091****678, X:3:sms] {SMS.text}\n"
    assert "0912345678" not in out.getvalue()


def test_http_json_backend_posts_the_message_with_its_reference(receiver):  # noqa: F811
    receiver.default = 200
    backend = HttpJsonBackend(url=receiver.url, token="khoa-bi-mat-123", timeout=1)

    assert backend.unavailable_reason() is None
    assert backend.send(SMS) == ""  # the answer ("answer 200") holds no JSON id: accepted all the same

    [request] = receiver.received
    assert request["body"] == {"to": "0912345678", "text": SMS.text, "reference": "X:3:sms"}
    assert request["headers"]["Authorization"] == "Bearer khoa-bi-mat-123"
    assert request["headers"]["Idempotency-Key"] == "X:3:sms"


@pytest.mark.parametrize(
    ("status", "error"), [(400, PermanentError), (429, RetryableError), (503, RetryableError)]
)
def test_http_json_backend_outcomes(receiver, status, error):  # noqa: F811
    receiver.default = status

    with pytest.raises(error) as info:
        HttpJsonBackend(url=receiver.url, token="t", timeout=1).send(SMS)

    assert str(info.value) == f"HTTP {status}"  # the summary the logs get: no number, no text


@pytest.mark.parametrize(
    ("url", "token", "reason"),
    [
        ("", "t", "MOTCUA_SMS_URL"),
        ("http://sms.example.vn/send", "t", "https"),
        ("https://sms.example.vn/send", "", "MOTCUA_SMS_TOKEN"),
    ],
)
def test_http_json_backend_says_why_it_cannot_run(settings, url, token, reason):
    settings.DEBUG = False

    assert reason in HttpJsonBackend(url=url, token=token).unavailable_reason()
