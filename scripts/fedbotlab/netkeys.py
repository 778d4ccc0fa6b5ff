"""Bodies of the small internet's federation endpoints: /_matrix/key/v2/server (signed as the
spec's appendix "Signing JSON" says, with signedjson: Ed25519 over canonical JSON) and
/_matrix/federation/v1/version."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

KEY_VARIANTS = ("valid", "tampered", "expired", "wrong-name")
VERSION_VARIANTS = ("ok", "not-json")
DAY_MS = 86_400_000
OTHER_SERVER = "someone-else.lab.test"
SOFTWARE = {"name": "Synapse", "version": "1.140.0"}


def new_signing_key() -> Any:
    from signedjson.key import generate_signing_key

    return generate_signing_key("lab")


def verify_key_base64(signing_key: Any) -> str:
    from signedjson.key import encode_verify_key_base64

    return str(encode_verify_key_base64(signing_key.verify_key))


def _unpadded(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _padded(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def key_document(server_name: str, signing_key: Any, variant: str, now_ms: int) -> dict[str, Any]:
    """The server's key response.  valid: signed, valid for a week; tampered: one bit of the
    signature flipped (still 64 bytes of unpadded base64); expired: valid_until_ts a day ago;
    wrong-name: claims (and is signed as) another server."""
    from signedjson.sign import sign_json

    if variant not in KEY_VARIANTS:
        raise ValueError(f"unknown key variant {variant!r}")
    name = OTHER_SERVER if variant == "wrong-name" else server_name
    key_id = f"{signing_key.alg}:{signing_key.version}"
    until = now_ms - DAY_MS if variant == "expired" else now_ms + 7 * DAY_MS
    doc: dict[str, Any] = {
        "server_name": name,
        "valid_until_ts": until,
        "verify_keys": {key_id: {"key": verify_key_base64(signing_key)}},
        "old_verify_keys": {},
    }
    signed: dict[str, Any] = sign_json(doc, name, signing_key)
    if variant == "tampered":
        sig = bytearray(_padded(signed["signatures"][name][key_id]))
        sig[0] ^= 0x01
        signed["signatures"][name][key_id] = _unpadded(bytes(sig))
    return signed


def key_body(server_name: str, signing_key: Any, variant: str) -> bytes:
    doc = key_document(server_name, signing_key, variant, int(time.time() * 1000))
    return json.dumps(doc).encode()


def version_body(variant: str) -> bytes:
    if variant == "not-json":
        return b"<html><body>It works!</body></html>\n"
    return json.dumps({"server": SOFTWARE}).encode()


def verifies(doc: dict[str, Any], server_name: str) -> bool:
    """True when doc carries a valid signature of server_name by one of its own verify keys."""
    from signedjson.key import decode_verify_key_bytes
    from signedjson.sign import SignatureVerifyException, verify_signed_json

    for key_id, entry in doc.get("verify_keys", {}).items():
        alg, version = key_id.split(":", 1)
        verify_key = decode_verify_key_bytes(f"{alg}:{version}", _padded(entry["key"]))
        try:
            verify_signed_json(doc, server_name, verify_key)
            return True
        except SignatureVerifyException:
            continue
    return False
