"""Who signs an electronic result: a pluggable signer (ADR 0019).

Nghị định 45/2020 Art. 14(3) wants the competent agency's digital signature on every e-result. Where its
key lives differs per deployment (a PKCS#12 file on the server, a remote signing service of a licensed CA,
an HSM), so the issuing service only talks to a `Signer` chosen by `settings.MOTCUA_SIGNER`: a short name
(`local` = `signing/contrib/local`) or a dotted path to a class. A plugin answers three questions: has this
agency credentials, sign these PDF bytes as this agency (PAdES), and which roots do we trust.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from motcua.core.plugins import Registry


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


_plugins: Registry[Signer] = Registry(__name__, "MOTCUA_SIGNER")
register = _plugins.register  # class decorator of a plugin: `@signing.register` with a unique `name`
get = _plugins.get  # the configured signer (one instance per name and process)
