"""Payment gateways: a plugin per provider (`gateways/contrib/<name>/`), chosen by
`settings.PAYMENT_GATEWAY` (ADR 0028).

A plugin speaks its provider's protocol and nothing else: it builds and signs the start of a payment,
verifies and reads a confirmation, and asks for the outcome of an attempt. What a confirmation means for a
dossier (matching it to the attempt and the request, refusing, flagging, recording the payment) is decided
once, in `payments.services`, whatever the provider.

`dvcqg` is the national payment platform of the National Public Service Portal (contract §8); its payments
count as DuocThanhToanTrucTuyen = 1. A ministry's or province's own gateway would be another plugin with
`online_flag = 2`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from motcua.core.plugins import Registry


class GatewayError(Exception):
    """The provider could not be reached or did not answer as its protocol says (the caller retries later).
    The message is for the log and the officer; it never holds personal data."""


class NoticeRefused(Exception):
    """A confirmation or query answer that cannot be taken as it is: `outcome` is one of
    `PaymentNotice.Outcome` (malformed, bad_signature, wrong_partner)."""

    def __init__(self, outcome: str, message: str):
        super().__init__(message)
        self.outcome = outcome
        self.message = message


@dataclass(frozen=True)
class Order:
    """What a payment attempt asks the payer to pay (built by `payments.services` from the dossier)."""

    reference: str  # MaThamChieu: unique per attempt
    amount: int  # đồng
    description: str  # ThongTinGiaoDich: holds the dossier code, no personal data
    at: datetime  # when the attempt starts (ThoiGianGD)
    ip: str  # the payer's address, as the platform asks
    device: str  # "mobile" or "desktop", from the payer's browser
    # ThongTinBienLai: the receipt the platform issues (MaHoSo, MaTTHC, TenTTHC, MaDonVi, TenDonVi,
    # HoTenNguoiNop, SoCMNDNguoiNop, PhiLePhi[], DSKhoanNop[]); sent to the platform only, never logged.
    receipt: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Confirmation:
    """A verified confirmation (or query answer) in motcua's terms."""

    reference: str  # MaThamChieu
    paid: bool  # MaLoi "00"
    pending: bool  # a query answered "no outcome yet" (never true for a posted confirmation)
    result_code: str  # MaLoi as sent
    partner: str  # MaDoiTac
    amount: int | None  # SoTien; None when the provider gave none (a query of an unknown attempt)
    currency: str
    transaction_id: str  # MaGiaoDich
    bank_code: str  # MaNganHang
    at: str  # ThoiGianGD as sent
    description: str  # ThongTinGiaoDich
    raw: dict[str, Any] = field(default_factory=dict)  # the message as received


class Gateway(ABC):
    """One payment provider. Instances are shared between requests: no per-request state."""

    name = ""
    label = ""
    online_flag = 2  # DuocThanhToanTrucTuyen of what it collects

    @abstractmethod
    def configured(self) -> bool:
        """Whether payments can start now (URL, partner code and secret are set)."""

    @abstractmethod
    def start(self, order: Order) -> str:
        """Register the attempt with the provider; the address of its payment page (GatewayError)."""

    @abstractmethod
    def confirmation(self, body: Any) -> Confirmation:
        """Read and verify a posted confirmation (NoticeRefused when it cannot be taken)."""

    @abstractmethod
    def query(self, reference: str, at: datetime) -> Confirmation:
        """Ask the provider for the outcome of an attempt (GatewayError; NoticeRefused for a bad answer)."""

    @abstractmethod
    def answer(self, accepted: bool, outcome: str) -> dict[str, Any]:
        """The JSON body a confirmation is answered with (the provider's own result codes)."""

    @property
    def partner(self) -> str:
        return settings.PAYMENT_PARTNER


_plugins: Registry[Gateway] = Registry(__name__, "PAYMENT_GATEWAY")
register = _plugins.register  # class decorator of a plugin: `@gateways.register` with a unique `name`
get = _plugins.get  # the gateway of this name (default: the configured one)
reset = _plugins.reset  # forget the instances (tests that change the settings)
