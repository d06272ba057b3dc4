"""The local signer: each agency's key on this server, in `settings.MOTCUA_SIGNING_DIR` (ADR 0019).

    agencies/<identifier>.p12                       PKCS#12: key, certificate and chain (passphrase, if
                                                    any, in the environment: MOTCUA_SIGNING_PASSPHRASE)
    agencies/<identifier>.key.pem + .cert.pem       or the same as PEM (+ .chain.pem for intermediates)
    trust/*.pem                                     the roots a result's signature must chain to

`motcua demo_ca` fills this with a demo CA. An agency without a file has no signing credentials: completing
its dossiers is refused (409 no_signing_credentials). Only the test suite sets MOTCUA_SIGNING_AUTO_ENROL, and
only when the demo CA is there: then a missing agency is enrolled on first use.
"""

from __future__ import annotations

import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from motcua.documents import signing
from motcua.documents.signing import democa, pades

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


@signing.register
class LocalSigner(signing.Signer):
    name = "local"

    def __init__(self):
        self._lock = threading.Lock()
        self._signers: dict[tuple, object] = {}  # (path, mtime) -> pyHanko SimpleSigner
        self._roots: tuple[tuple, list] | None = None

    @property
    def directory(self) -> Path:
        return Path(settings.MOTCUA_SIGNING_DIR)

    def _files(self, agency) -> list[Path]:
        ident = getattr(agency, "identifier", "") or ""
        if not _SAFE.match(ident):  # the identifier names a file: nothing that could leave the directory
            return []
        base = self.directory / "agencies"
        return [base / f"{ident}.p12", base / f"{ident}.key.pem", base / f"{ident}.cert.pem"]

    def _credentials(self, agency) -> Path | None:
        files = self._files(agency)
        if not files:
            return None
        p12, key, cert = files
        if p12.exists():
            return p12
        if key.exists() and cert.exists():
            return key
        if settings.MOTCUA_SIGNING_AUTO_ENROL and democa.has_ca(self.directory):
            with self._lock:
                if not p12.exists():
                    democa.enrol(self.directory, agency, p12)
            return p12
        return None

    def has_credentials(self, agency) -> bool:
        return self._credentials(agency) is not None

    def _signer(self, path: Path):
        from pyhanko.sign import signers

        cache_key = (str(path), _mtime(path))
        found = self._signers.get(cache_key)
        if found is not None:
            return found
        passphrase = os.environ.get("MOTCUA_SIGNING_PASSPHRASE", "").encode() or None
        if path.suffix == ".p12":
            found = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
        else:
            stem = str(path).removesuffix(".key.pem")
            chain = Path(f"{stem}.chain.pem")
            found = signers.SimpleSigner.load(
                str(path),
                f"{stem}.cert.pem",
                ca_chain_files=(str(chain),) if chain.exists() else None,
                key_passphrase=passphrase,
            )
        if found is None:
            raise ValueError(f"cannot load the signing credentials in {path.name}")
        found = pades.key_signer(found)
        with self._lock:
            self._signers = {k: v for k, v in self._signers.items() if k[0] != cache_key[0]}
            self._signers[cache_key] = found
        return found

    def sign(self, pdf: bytes, agency, *, reason: str, location: str) -> signing.Signed:
        path = self._credentials(agency)
        if path is None:
            raise LookupError(f"no signing credentials for agency {agency.identifier}")
        signer = self._signer(path)
        cert = signer.signing_cert
        name = pades.common_name(cert)
        at = datetime.now(UTC).replace(microsecond=0)
        signed = pades.sign(pdf, signer, reason=reason, location=location, name=name)
        return signing.Signed(pdf=signed, signed_by=name, fingerprint=pades.fingerprint(cert), signed_at=at)

    def trust_roots(self) -> list:
        from pyhanko.keys import load_certs_from_pemder

        trust = self.directory / "trust"
        files = sorted(trust.glob("*.pem")) if trust.is_dir() else []
        key = tuple((str(f), _mtime(f)) for f in files)
        if self._roots is None or self._roots[0] != key:
            self._roots = (key, list(load_certs_from_pemder([str(f) for f in files])))
        return self._roots[1]
