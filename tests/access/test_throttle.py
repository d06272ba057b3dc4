"""The throttle's counters: shared, atomic, windowed, keyed by HMAC; the client address it counts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from motcua.access.models import ThrottleCounter
from motcua.access.throttle import Throttle, client_ip
from motcua.settings import env_rates

pytestmark = pytest.mark.django_db

CODE = "000.00.00.H40-250815-0001"


@pytest.fixture
def lookup(settings):
    settings.TEST_CLIENT_RATES = [(3, 60)]
    settings.TEST_TARGET_RATES = [(2, 3600)]
    return Throttle("test", "TEST_CLIENT_RATES", "TEST_TARGET_RATES")


def request_from(address="203.0.113.5", **meta):
    return RequestFactory().post("/", REMOTE_ADDR=address, **meta)


def test_the_block_lifts_when_the_window_has_passed(lookup):
    now = timezone.now()
    for address in ("203.0.113.1", "203.0.113.2"):
        lookup.miss(request_from(address), CODE, now=now)
    blocked = lookup.blocked(request_from("198.51.100.1"), CODE, now=now)
    assert blocked is not None and now < blocked.until <= now + timedelta(hours=1)
    assert 1 <= blocked.retry_after(now) <= 3600
    assert lookup.blocked(request_from("198.51.100.1"), CODE, now=blocked.until) is None
    # Counters of finished windows are removed by the next miss.
    lookup.miss(request_from(), "other", now=blocked.until + timedelta(days=1))
    assert ThrottleCounter.objects.filter(expires_at__lte=blocked.until).count() == 0


def test_a_client_is_blocked_per_address_and_an_ipv6_client_per_64(lookup):
    now = timezone.now()
    for n in range(3):
        lookup.miss(request_from(f"2001:db8:1:2::{n + 1}"), f"code-{n}", now=now)
    assert lookup.blocked(request_from("2001:db8:1:2:ffff::9"), "code-x", now=now) is not None
    assert lookup.blocked(request_from("2001:db8:1:3::1"), "code-x", now=now) is None
    assert lookup.blocked(request_from("203.0.113.5"), "code-x", now=now) is None


def test_client_ip_reads_the_trusted_header_from_the_right_only_when_configured(settings):
    forwarded = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7, 192.0.2.1"}
    assert client_ip(request_from("10.0.0.1", **forwarded)) == "10.0.0.1"
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_ip(request_from("10.0.0.1", **forwarded)) == "192.0.2.1"
    settings.CLIENT_IP_PROXIES = 2  # a CDN in front of our proxy
    assert client_ip(request_from("10.0.0.1", **forwarded)) == "198.51.100.7"
    settings.CLIENT_IP_PROXIES = 5  # fewer entries than proxies: the header is not to be trusted
    assert client_ip(request_from("10.0.0.1", **forwarded)) == "10.0.0.1"
    settings.CLIENT_IP_HEADER, settings.CLIENT_IP_PROXIES = "X-Real-IP", 1
    assert client_ip(request_from("10.0.0.1", HTTP_X_REAL_IP="not an address")) == "10.0.0.1"
    assert client_ip(request_from("10.0.0.1", HTTP_X_REAL_IP="::ffff:192.0.2.9")) == "192.0.2.9"


@pytest.mark.parametrize("value", ["10/fortnight", "0/minute", "ten/hour", "10", "10/minute,"])
def test_a_bad_rate_in_the_environment_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("MOTCUA_TEST_RATES", value)
    with pytest.raises(ImproperlyConfigured, match="MOTCUA_TEST_RATES"):
        env_rates("MOTCUA_TEST_RATES", "1/minute")
    monkeypatch.setenv("MOTCUA_TEST_RATES", "10/m, 30/hour,100/d")
    assert env_rates("MOTCUA_TEST_RATES", "1/minute") == [(10, 60), (30, 3600), (100, 86400)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need real connections (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_misses_all_count(settings):
    # On SQLite every write transaction holds the whole file, so increments cannot interleave there.
    settings.TEST_CLIENT_RATES = [(1000, 3600)]
    settings.TEST_TARGET_RATES = [(1000, 3600)]
    throttle = Throttle("race", "TEST_CLIENT_RATES", "TEST_TARGET_RATES")
    errors: list[BaseException] = []

    def worker():
        try:
            for _ in range(10):
                throttle.miss(request_from(), CODE)
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(ThrottleCounter.objects.values_list("hits", flat=True)) == [40, 40]
