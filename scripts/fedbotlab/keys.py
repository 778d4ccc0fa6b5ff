"""The lab's shared TLS certificate and each homeserver's signing key."""

from __future__ import annotations

import os

from fedbotlab.common import LAB_HOME, log
from fedbotlab.procs import file_lock


def _self_signed() -> tuple[bytes, bytes]:
    """(key PEM, certificate PEM) for IP:127.0.0.1 and localhost, valid ten years."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    pkey = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    san = x509.SubjectAlternativeName(
        [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(pkey.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(pkey, hashes.SHA256())
    )
    key_pem = pkey.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def ensure_cert() -> tuple[str, str]:
    """One self-signed certificate for IP:127.0.0.1, shared by every lab."""
    d = os.path.join(LAB_HOME, "tls")
    crt, key = os.path.join(d, "lab.crt"), os.path.join(d, "lab.key")
    if os.path.exists(crt) and os.path.exists(key):
        return crt, key
    with file_lock("tls.lock", timeout=60):
        if os.path.exists(crt) and os.path.exists(key):
            return crt, key
        os.makedirs(d, exist_ok=True)
        key_pem, cert_pem = _self_signed()
        tmpk, tmpc = key + ".tmp", crt + ".tmp"
        with open(tmpk, "wb") as f:
            f.write(key_pem)
        os.chmod(tmpk, 0o600)
        with open(tmpc, "wb") as f:
            f.write(cert_pem)
        os.replace(tmpk, key)
        os.replace(tmpc, crt)
        log(f"created self-signed certificate {crt}")
    return crt, key


def write_signing_key(path: str, key_id: str) -> None:
    from signedjson.key import generate_signing_key, write_signing_keys

    with open(path, "w", encoding="utf-8") as f:
        write_signing_keys(f, [generate_signing_key(key_id)])
