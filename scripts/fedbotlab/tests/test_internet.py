"""The small internet's pure parts: zone answers, the case table, key signing, certificates."""

from __future__ import annotations

import ipaddress
import json
import struct
import time
import unittest

from fedbotlab import dnswire, netkeys
from fedbotlab.dnsclient import Reply, parse_reply
from fedbotlab.netplan import CHECKS, GROUPS, VERDICTS, ZONE
from fedbotlab.nettable import build_plan

PREFIX = "127.77.5"
B = "127.0.0.1:12345"


def ask(zone: dnswire.Zone, name: str, rtype: str, udp: bool = True) -> tuple[bytes, Reply]:
    raw = zone.respond(dnswire.build_query(name, rtype, qid=0xBEEF), udp=udp)
    assert raw is not None
    return raw, parse_reply(raw)


class ZoneTests(unittest.TestCase):
    def setUp(self) -> None:
        self.zone = dnswire.Zone(ZONE, build_plan(PREFIX, B, 23456).records)

    def test_a_record_authoritative_with_the_query_id(self) -> None:
        raw, reply = ask(self.zone, "GOOD.lab.test.", "A")
        qid, flags = struct.unpack("!HH", raw[:4])
        self.assertEqual(qid, 0xBEEF)
        self.assertTrue(flags & dnswire.QR and flags & dnswire.AA and flags & dnswire.RD)
        self.assertEqual(reply.rcode, dnswire.NOERROR)
        self.assertEqual(reply.answers, [("good.lab.test", "A", f"{PREFIX}.10")])

    def test_negative_answers_and_refusal(self) -> None:
        for name, rtype, rcode, count in (
            ("nxdomain.lab.test", "A", dnswire.NXDOMAIN, 0),
            ("nodata.lab.test", "A", dnswire.NOERROR, 0),
            ("nodata.lab.test", "TXT", dnswire.NOERROR, 1),
            ("_tcp.srv.lab.test", "A", dnswire.NOERROR, 0),  # empty non-terminal
            ("example.com", "A", dnswire.REFUSED, 0),
            ("lab.test.example.com", "A", dnswire.REFUSED, 0),
        ):
            with self.subTest(name=name, rtype=rtype):
                _, reply = ask(self.zone, name, rtype)
                self.assertEqual(reply.rcode, rcode)
                self.assertEqual(len(reply.answers), count)

    def test_cname_is_followed_inside_the_zone(self) -> None:
        _, reply = ask(self.zone, "srv-cname-alias.lab.test", "A")
        kinds = [t for _, t, _ in reply.answers]
        self.assertEqual(kinds, ["CNAME", "A"])

    def test_srv_and_aaaa(self) -> None:
        _, reply = ask(self.zone, "_matrix-fed._tcp.srv.lab.test", "SRV")
        self.assertEqual(reply.answers[0][2], "10 5 8453 srv-host.lab.test")
        _, reply = ask(self.zone, "_matrix._tcp.srv-legacy.lab.test", "SRV")
        self.assertEqual(len(reply.answers), 1)
        _, reply = ask(self.zone, "_matrix-fed._tcp.srv-legacy.lab.test", "SRV")
        self.assertEqual(reply.answers, [])
        _, reply = ask(self.zone, "v6-host.lab.test", "AAAA")
        self.assertEqual(reply.answers[0][2], "::1")

    def test_big_answer_truncated_over_udp_whole_over_tcp(self) -> None:
        raw, reply = ask(self.zone, "_matrix-fed._tcp.big.lab.test", "SRV", udp=True)
        self.assertLessEqual(len(raw), dnswire.UDP_LIMIT)
        self.assertTrue(reply.truncated)
        self.assertEqual(reply.answers, [])
        raw, reply = ask(self.zone, "_matrix-fed._tcp.big.lab.test", "SRV", udp=False)
        self.assertGreater(len(raw), dnswire.UDP_LIMIT)
        self.assertFalse(reply.truncated)
        self.assertEqual(len(reply.answers), 16)

    def test_garbage_and_responses(self) -> None:
        self.assertIsNone(self.zone.respond(b"\x01", udp=True))
        bad = struct.pack("!6H", 7, 0, 2, 0, 0, 0)  # two questions
        raw = self.zone.respond(bad, udp=True)
        assert raw is not None
        self.assertEqual(raw[3] & 0xF, dnswire.FORMERR)
        response = bytearray(dnswire.build_query("good.lab.test", "A"))
        response[2] |= 0x80
        self.assertIsNone(self.zone.respond(bytes(response), udp=True))


class CaseTableTests(unittest.TestCase):
    def test_vocabulary_and_consistency(self) -> None:
        p = build_plan(PREFIX, B, 23456)
        servers = [c.server for c in p.cases]
        self.assertEqual(len(servers), len(set(servers)))
        for c in p.cases:
            with self.subTest(c.server):
                self.assertIn(c.group, GROUPS)
                self.assertIn(c.verdict, VERDICTS)
                self.assertEqual(c.check is None, c.verdict == "green")
                self.assertTrue(c.check is None or c.check in CHECKS)
                self.assertEqual(c.says, c.says.lower())
                self.assertTrue(c.server.endswith("." + ZONE) or c.server == B)

    def test_every_case_of_the_contract_is_there(self) -> None:
        names = {c.server.split(".")[0] for c in build_plan(PREFIX, B, 23456).cases}
        wanted = {
            "good",
            "expired",
            "not-yet-valid",
            "wrong-name",
            "self-signed",
            "expires-soon",
            "wk",
            "wk-redirect",
            "wk-badjson",
            "wk-404",
            "wk-ip",
            "wk-srv",
            "srv",
            "srv-legacy",
            "srv-cname",
            "keys-tampered",
            "keys-expired",
            "keys-wrong-name",
            "support-absent",
            "support-badjson",
            "refused",
            "blackhole",
            "nxdomain",
            "big",
        }
        self.assertLessEqual(wanted, names)
        self.assertIn(B, {c.server for c in build_plan(PREFIX, B, None).cases})
        self.assertNotIn("v6.lab.test", {c.server for c in build_plan(PREFIX, None, None).cases})

    def test_listeners_are_distinct_and_on_loopback(self) -> None:
        p = build_plan(PREFIX, B, 23456)
        where = [(lst.address, lst.port) for lst in p.listeners]
        self.assertEqual(len(where), len(set(where)))
        for address, _ in where:
            ip = ipaddress.ip_address(address)
            self.assertTrue(ip.is_loopback)
            self.assertTrue(address == "::1" or address.startswith(PREFIX + "."))
        for rec in p.records:
            self.assertTrue(rec.name == ZONE or rec.name.endswith("." + ZONE))
            dnswire.encode_rr(rec)  # every record encodes

    def test_every_named_case_resolves_somewhere(self) -> None:
        p = build_plan(PREFIX, B, 23456)
        zone = dnswire.Zone(ZONE, p.records)
        for c in p.cases:
            if c.server == B or c.check == "dns":
                continue
            with self.subTest(c.server):
                self.assertEqual(zone.lookup(c.server, dnswire.TYPES["A"]).rcode, 0)


class KeyTests(unittest.TestCase):
    def test_valid_signature_verifies_and_variants_do_not(self) -> None:
        key = netkeys.new_signing_key()
        now = int(time.time() * 1000)
        name = "good.lab.test"
        valid = netkeys.key_document(name, key, "valid", now)
        self.assertTrue(netkeys.verifies(valid, name))
        self.assertGreater(valid["valid_until_ts"], now)
        tampered = netkeys.key_document(name, key, "tampered", now)
        self.assertFalse(netkeys.verifies(tampered, name))
        self.assertEqual(len(netkeys._padded(tampered["signatures"][name]["ed25519:lab"])), 64)
        expired = netkeys.key_document(name, key, "expired", now)
        self.assertTrue(netkeys.verifies(expired, name))
        self.assertLess(expired["valid_until_ts"], now)
        wrong = netkeys.key_document(name, key, "wrong-name", now)
        self.assertNotEqual(wrong["server_name"], name)
        self.assertFalse(netkeys.verifies(wrong, name))
        self.assertTrue(netkeys.verifies(wrong, wrong["server_name"]))

    def test_a_changed_field_breaks_the_signature(self) -> None:
        key = netkeys.new_signing_key()
        doc = netkeys.key_document("x.lab.test", key, "valid", 0)
        doc["valid_until_ts"] += 1
        self.assertFalse(netkeys.verifies(doc, "x.lab.test"))

    def test_version_bodies(self) -> None:
        self.assertEqual(json.loads(netkeys.version_body("ok"))["server"]["version"], "1.140.0")
        with self.assertRaises(ValueError):
            json.loads(netkeys.version_body("not-json"))


if __name__ == "__main__":
    unittest.main()
