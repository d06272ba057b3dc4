"""Who signs an electronic result: a pluggable signer (ADR 0019).

Nghị định 45/2020 Art. 14(3) wants the competent agency's digital signature on every e-result. Where its
key lives differs per deployment (a PKCS#12 file on the server, a remote signing service of a licensed CA,
an HSM), so the issuing service only talks to a `Signer` chosen by `settings.MOTCUA_SIGNER`: a short name
(`local` = `signing/contrib/local`) or a dotted path to a class. A plugin answers three questions: has this
agency credentials, sign these PDF bytes as this agency (PAdES), and which roots do we trust.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

_registry: dict[str, type[Signer]] = {}
_instances: dict[str, Signer] = {}


@dataclass(frozen=True)
class Signed:
    pdf: bytes
    signed_by: str  # the certificate's subject common name (the agency)
    fingerprint: str  # SHA-256 of the signer's certificate, hex
    signed_at: datetime


class Signer(ABC):
    """One way of signing as an agency. Instances are shared: keep per-agency state in caches only."""

    name = ""

    @abstractmethod
    def has_credentials(self, agency) -> bool:
        """Whether `sign` can sign as this agency now (checked before anything is rendered)."""

    @abstractmethod
    def sign(self, pdf: bytes, agency, *, reason: str, location: str) -> Signed:
        """The PDF with the agency's PAdES signature over the whole file."""

    @abstractmethod
    def trust_roots(self) -> list:
        """The roots (asn1crypto certificates) a result's signature must chain to."""


def register(cls: type[Signer]) -> type[Signer]:
    """Class decorator of a plugin: `@signing.register` with a unique `name`."""
    _registry[cls.name] = cls
    return cls


def get(name: str | None = None) -> Signer:
    """The configured signer (one instance per name and process)."""
    name = name or settings.MOTCUA_SIGNER
    if name not in _instances:
        if "." in name:
            cls = import_string(name)
        else:
            if name not in _registry:
                importlib.import_module(f"{__name__}.contrib.{name}")
            cls = _registry[name]
        _instances[name] = cls()
    return _instances[name]
