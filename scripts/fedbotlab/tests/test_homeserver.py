"""homeserver.yaml generation: what the lab relies on Synapse being told (docs/LAB.md)."""

from __future__ import annotations

import importlib.util
import os
import tempfile
import unittest
from typing import Any

from fedbotlab.homeserver import Homeserver, Shared, log_config, synapse_config, write_homeserver

SHARED = Shared("/lab/tls/lab.crt", "/lab/tls/lab.key", ["10.0.0.0/8", "192.168.0.0/16"])


def spec(**changes: Any) -> Homeserver:
    values: dict[str, Any] = {
        "dir": "/tmp/lab/a",
        "server_name": "127.0.0.1:20001",
        "fed_port": 20001,
        "client_port": 20002,
        "database": {"name": "sqlite3", "args": {"database": "/tmp/lab/a/homeserver.db"}},
        "whitelist": ["127.0.0.1:20001", "127.0.0.1:20003"],
        "secret": "lab-secret",
    }
    values.update(changes)
    return Homeserver(**values)


class SynapseConfigTests(unittest.TestCase):
    def test_federation_listener_is_tls_and_client_listener_plain_both_on_loopback(self) -> None:
        listeners = synapse_config(spec(), SHARED)["listeners"]
        self.assertEqual(
            [(x["port"], x["tls"]) for x in listeners], [(20001, True), (20002, False)]
        )
        self.assertEqual(
            [x["resources"][0]["names"] for x in listeners], [["federation"], ["client"]]
        )
        for listener in listeners:
            self.assertEqual(listener["bind_addresses"], ["127.0.0.1"])

    def test_identity_paths_and_shared_files(self) -> None:
        cfg = synapse_config(spec(), SHARED)
        self.assertEqual(cfg["server_name"], "127.0.0.1:20001")
        self.assertEqual(cfg["public_baseurl"], "http://127.0.0.1:20002/")
        self.assertEqual(cfg["signing_key_path"], "/tmp/lab/a/signing.key")
        self.assertEqual(cfg["log_config"], "/tmp/lab/a/log.config")
        self.assertEqual(cfg["tls_certificate_path"], "/lab/tls/lab.crt")
        self.assertEqual(cfg["ip_range_blacklist"], SHARED.ip_range_blocklist)
        self.assertEqual(cfg["federation_domain_whitelist"], ["127.0.0.1:20001", "127.0.0.1:20003"])

    def test_secrets_differ_per_server_and_are_stable(self) -> None:
        a1, a2 = synapse_config(spec(), SHARED), synapse_config(spec(), SHARED)
        b = synapse_config(spec(server_name="127.0.0.1:20003"), SHARED)
        self.assertEqual(a1["macaroon_secret_key"], a2["macaroon_secret_key"])
        self.assertNotEqual(a1["macaroon_secret_key"], b["macaroon_secret_key"])
        self.assertNotEqual(a1["macaroon_secret_key"], a1["form_secret"])
        self.assertEqual(a1["registration_shared_secret"], "lab-secret")

    def test_federation_fails_fast_and_retries_soon(self) -> None:
        fed = synapse_config(spec(), SHARED)["federation"]
        self.assertEqual(fed["client_timeout"], "5s")
        self.assertEqual((fed["max_long_retries"], fed["max_short_retries"]), (0, 0))
        self.assertEqual(fed["destination_min_retry_interval"], "1s")
        self.assertEqual(fed["destination_max_retry_interval"], "1m")

    def test_rate_limits_are_relaxed_except_an_explicit_rc_message(self) -> None:
        relaxed = {"per_second": 1000, "burst_count": 10000}
        cfg = synapse_config(spec(), SHARED)
        self.assertEqual(cfg["rc_message"], relaxed)
        self.assertEqual(
            cfg["rc_login"], {"address": relaxed, "account": relaxed, "failed_attempts": relaxed}
        )
        limited = synapse_config(spec(rc_message=(0.5, 2)), SHARED)
        self.assertEqual(limited["rc_message"], {"per_second": 0.5, "burst_count": 2})
        self.assertEqual(limited["rc_room_creation"], relaxed)

    def test_encryption_by_default_only_when_asked(self) -> None:
        key = "encryption_enabled_by_default_for_room_type"
        self.assertNotIn(key, synapse_config(spec(), SHARED))
        forced = synapse_config(spec(encryption_by_default="all"), SHARED)
        self.assertEqual(forced[key], "all")

    def test_quiet_and_cheap(self) -> None:
        cfg = synapse_config(spec(), SHARED)
        self.assertEqual(cfg["presence"], {"enabled": False})
        self.assertEqual(cfg["bcrypt_rounds"], 4)
        self.assertFalse(cfg["federation_verify_certificates"])
        self.assertEqual(cfg["trusted_key_servers"], [])

    def test_log_config_writes_info_to_the_given_file(self) -> None:
        cfg = log_config("/tmp/lab/a/homeserver.log")
        self.assertEqual(cfg["handlers"]["file"]["filename"], "/tmp/lab/a/homeserver.log")
        self.assertEqual(cfg["root"]["level"], "INFO")


@unittest.skipUnless(
    importlib.util.find_spec("yaml") and importlib.util.find_spec("signedjson"),
    "needs the lab venv (PyYAML, signedjson)",
)
class WriteHomeserverTests(unittest.TestCase):
    def test_writes_a_yaml_config_without_aliases_a_log_config_and_a_signing_key(self) -> None:
        import yaml

        with tempfile.TemporaryDirectory() as d:
            path = write_homeserver(spec(dir=d), SHARED, "lab_a", os.path.join(d, "hs.log"))
            self.assertEqual(path, os.path.join(d, "homeserver.yaml"))
            with open(path, encoding="utf-8") as f:
                text = f.read()
            self.assertNotIn("&id", text)  # the shared rate-limit dict is written out each time
            self.assertEqual(yaml.safe_load(text), synapse_config(spec(dir=d), SHARED))
            with open(os.path.join(d, "signing.key"), encoding="utf-8") as f:
                self.assertTrue(f.read().startswith("ed25519 lab_a "))
            with open(os.path.join(d, "log.config"), encoding="utf-8") as f:
                self.assertIn(os.path.join(d, "hs.log"), f.read())


if __name__ == "__main__":
    unittest.main()
