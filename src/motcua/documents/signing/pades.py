"""PAdES signing and validation with pyHanko, shared by every signer plugin and by verification.

Signature: PAdES baseline B-B (ETSI.CAdES.detached, SHA-256) over the whole file, as an incremental update
of the PDF/A-3b the renderer wrote (RSA keys keep the file at PDF 1.7 with the ESIC extension; pyHanko moves
an ECDSA P-256 signature to PDF 2.0, which PDF/A-3 forbids). No timestamp authority: the signing time is
the signer's claim (a deployment with a TSA adds it in its plugin).
"""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

FIELD = "ChuKyCoQuanBanHanh"


def key_signer(loaded):
    """`loaded` (a pyHanko SimpleSigner) with its private key parsed once: SimpleSigner parses the DER key
    on every signature, twice per PDF (size estimate and real), and an RSA key's load and check cost
    ~60 ms each (measured, ADR 0019) where the signature itself costs ~2 ms."""
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_der_private_key
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class KeySigner(signers.SimpleSigner):
        def __init__(self):
            super().__init__(
                signing_cert=loaded.signing_cert,
                signing_key=loaded.signing_key,
                cert_registry=loaded.cert_registry,
            )
            self._key = load_der_private_key(loaded.signing_key.dump(), password=None)

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if mechanism.signature_algo == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
                return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return super().sign_raw(data, digest_algorithm)

    return KeySigner()


def _outside_event_loop(fn, *args, **kwargs):
    """pyHanko's synchronous calls run `asyncio.run`, which refuses to start inside a running event loop
    (an async view, an ASGI server, a Playwright test driving the services): there, run them in a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def sign(pdf: bytes, signer, *, reason: str, location: str, name: str) -> bytes:
    """`signer`: a pyHanko `Signer` (a `SimpleSigner` for key material in memory)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        name=name,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    return _outside_event_loop(signers.sign_pdf, writer, meta, signer=signer).getvalue()


def fingerprint(cert) -> str:
    """SHA-256 of an asn1crypto certificate's DER, hex."""
    return hashlib.sha256(cert.dump()).hexdigest()


def common_name(cert) -> str:
    return cert.subject.native.get("common_name", "") or cert.subject.human_friendly


@dataclass(frozen=True)
class Check:
    valid: bool
    reason: str = ""  # why not, in Vietnamese
    signed_by: str = ""
    signed_at: datetime | None = None
    fingerprint: str = ""


def check(data: bytes, roots: list) -> Check:
    """Whether `data` is a PDF with one signature that covers the whole file, is intact, and chains to one
    of `roots` with a certificate fit for signing (digitalSignature or nonRepudiation)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        return Check(False, f"Tệp không đọc được như PDF ({type(exc).__name__}).")
    if not sigs:
        return Check(False, "Tệp không có chữ ký số.")
    if len(sigs) > 1:
        return Check(False, "Tệp có nhiều hơn một chữ ký: không phải bản do cơ quan ban hành.")
    sig = sigs[0]
    try:
        status = _outside_event_loop(validate_pdf_signature, sig, ValidationContext(trust_roots=roots))
    except Exception as exc:  # noqa: BLE001 - any malformed signature is an invalid copy, never a 500
        return Check(False, f"Chữ ký không kiểm tra được ({type(exc).__name__}).")
    cert = status.signing_cert
    found = {
        "signed_by": common_name(cert) if cert is not None else "",
        "signed_at": status.signer_reported_dt,
        "fingerprint": fingerprint(cert) if cert is not None else "",
    }
    if not status.intact or not status.valid:
        return Check(False, "Chữ ký số không khớp với nội dung: tệp đã bị sửa đổi.", **found)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return Check(False, "Tệp đã bị thêm nội dung sau khi ký.", **found)
    if not status.trusted:
        return Check(False, "Chứng thư số của người ký không thuộc tổ chức chứng thực được tin cậy.", **found)
    return Check(True, "", **found)
