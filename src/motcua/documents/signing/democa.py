"""A local demo certification authority: one root and one certificate per agency (`motcua demo_ca`).

For the demo and the test suite only. The root's key stays in `<dir>/demo-ca/`; its certificate is copied
into `<dir>/trust/` so the local signer and verification trust it; each agency gets
`<dir>/agencies/<identifier>.p12` (key and certificate, no passphrase, mode 0600). RSA 2048, as Vietnamese
public CAs issue, and because pyHanko keeps an RSA-signed PDF/A-3b at PDF 1.7 (ADR 0019).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

CA_DIR = "demo-ca"
CA_NAME = "motcua Demo Root CA"
ORGANISATION = "motcua (demo)"


def _fit(text: str, limit: int = 64) -> str:
    """At most `limit` UTF-8 bytes (X.520 upper bound of CN and O, as `cryptography` counts it), cut at a
    word: a long commune committee's name loses its tail, never half a letter."""
    if len(text.encode()) <= limit:
        return text
    words, out = text.split(), ""
    for word in words:
        longer = f"{out} {word}".strip()
        if len(longer.encode()) > limit:
            break
        out = longer
    return out or text.encode()[:limit].decode(errors="ignore")


def _name(cn: str, o: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(o)),
            x509.NameAttribute(NameOID.COMMON_NAME, _fit(cn)),
        ]
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)  # never a half-written key for a concurrent reader


def ensure_ca(directory: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate, bool]:
    """The demo root (created on first use): key, certificate, whether it was created now."""
    key_path, cert_path = directory / CA_DIR / "ca.key.pem", directory / CA_DIR / "ca.cert.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes()), False
    key = _key()
    now = dt.datetime.now(dt.UTC)
    name = _name(CA_NAME, ORGANISATION)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    _write(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    _write(cert_path, pem)
    _write(directory / "trust" / "motcua-demo-root.pem", pem)
    return key, cert, True


def has_ca(directory: Path) -> bool:
    return (directory / CA_DIR / "ca.key.pem").exists()


def enrol(directory: Path, agency, path: Path) -> None:
    """Issue the agency's certificate (CN = its name, O = its parent or itself, C = VN) into `path`."""
    ca_key, ca_cert, _ = ensure_ca(directory)
    key = _key()
    now = dt.datetime.now(dt.UTC)
    parent = getattr(agency, "parent", None) if getattr(agency, "parent_id", None) else None
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(agency.name, parent.name if parent else agency.name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        agency.identifier.encode(), key, cert, [ca_cert], serialization.NoEncryption()
    )
    _write(path, data)


def agency_file(directory: Path, agency) -> Path:
    return directory / "agencies" / f"{agency.identifier}.p12"


def enrol_missing(directory: Path, agencies) -> int:
    """Enrol every agency that has neither a PKCS#12 nor a PEM key in `directory` (idempotent)."""
    made = 0
    for agency in agencies:
        p12 = agency_file(directory, agency)
        pem = directory / "agencies" / f"{agency.identifier}.key.pem"
        if "/" in agency.identifier or agency.identifier.startswith(".") or p12.exists() or pem.exists():
            continue
        enrol(directory, agency, p12)
        made += 1
    return made
