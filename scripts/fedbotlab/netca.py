"""The small internet's certificates: a lab CA and the leaf certificates it (or nobody) signs.

Each lab with `--internet` makes its own CA (DIR/internet/ca.pem, EC P-256, valid ten years
from 800 days ago, so even the expired leaves were issued inside its validity).  Leaf kinds
(`KINDS`) differ only in validity, signer or names; every leaf is EC P-256 with its names as
subjectAltName (an IP literal becomes an iPAddress entry), serverAuth, not a CA.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Sequence
from typing import Any, NamedTuple

# kind -> (not_before, not_after) as days from now
KINDS: dict[str, tuple[float, float]] = {
    "valid": (-1, 90),
    "expired": (-400, -3),
    "not-yet-valid": (30, 400),
    "expires-soon": (-60, 5.5),  # 5 days and 12 hours left: "expires in 5 days"
    "self-signed": (-1, 90),
    "wrong-name": (-1, 90),
}
WRONG_NAME = "someone-else.lab.test"


class Pem(NamedTuple):
    cert: bytes
    key: bytes


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _san(names: Sequence[str]) -> Any:
    from cryptography import x509

    entries: list[Any] = []
    for n in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            entries.append(x509.DNSName(n))
    return x509.SubjectAlternativeName(entries)


class LabCA:
    """The CA's key and certificate (cryptography objects)."""

    def __init__(self, key: Any, cert: Any) -> None:
        self.key, self.cert = key, cert

    @staticmethod
    def create() -> LabCA:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import NameOID

        key = _key()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fedbot lab CA")])
        now = _now()
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=800))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        return LabCA(key, cert)

    def pem(self) -> Pem:
        from cryptography.hazmat.primitives import serialization

        return Pem(self.cert.public_bytes(serialization.Encoding.PEM), _key_pem(self.key))

    @staticmethod
    def load(directory: str) -> LabCA:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        with open(os.path.join(directory, "ca.pem"), "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        with open(os.path.join(directory, "ca.key"), "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        return LabCA(key, cert)

    def save(self, directory: str) -> str:
        """Writes ca.pem and ca.key into directory; ca.pem's path."""
        os.makedirs(directory, exist_ok=True)
        pem = self.pem()
        write_pem(os.path.join(directory, "ca"), pem)
        return os.path.join(directory, "ca.pem")

    def issue(self, names: Sequence[str], kind: str = "valid") -> Pem:
        """A leaf of `kind` (KINDS) for names; self-signed ones are signed by their own key."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        start, end = KINDS[kind]
        names = [WRONG_NAME] if kind == "wrong-name" else list(names)
        key = _key()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        signer, issuer = (key, subject) if kind == "self-signed" else (self.key, self.cert.subject)
        now = _now()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=start))
            .not_valid_after(now + datetime.timedelta(days=end))
            .add_extension(_san(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        )
        if kind != "self-signed":
            aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key())
            builder = builder.add_extension(aki, critical=False)
        cert = builder.sign(signer, hashes.SHA256())
        from cryptography.hazmat.primitives import serialization

        return Pem(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def write_pem(stem: str, pem: Pem) -> tuple[str, str]:
    """stem.pem / stem.key (the key 0600); their paths."""
    crt, key = stem + ".pem", stem + ".key"
    with open(key, "wb") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(pem.key)
    with open(crt, "wb") as f:
        f.write(pem.cert)
    return crt, key


def ensure_ca(directory: str) -> LabCA:
    """The CA in directory, made when missing."""
    if os.path.exists(os.path.join(directory, "ca.key")):
        return LabCA.load(directory)
    ca = LabCA.create()
    ca.save(directory)
    return ca
