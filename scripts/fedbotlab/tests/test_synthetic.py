"""Synthetic destinations: names, the failing rows' values, and inserting them (SQLite)."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import unittest

from fedbotlab.commands import run_sql
from fedbotlab.common import Json, LabError
from fedbotlab.protocol import validate
from fedbotlab.synthetic import (
    MINUTE_MS,
    LabDB,
    destination_rows,
    failing_positions,
    insert_into_lab,
    summary,
    synthetic_names,
)

NOW = 1_800_000_000_000
# The columns of Synapse's tables the lab touches.
SCHEMA = """
CREATE TABLE events (room_id TEXT, stream_ordering INTEGER);
CREATE TABLE destinations (destination TEXT PRIMARY KEY, retry_last_ts BIGINT,
    retry_interval BIGINT, failure_ts BIGINT, last_successful_stream_ordering BIGINT);
CREATE TABLE destination_rooms (destination TEXT NOT NULL REFERENCES destinations (destination),
    room_id TEXT NOT NULL, stream_ordering BIGINT NOT NULL, PRIMARY KEY (destination, room_id));
INSERT INTO events VALUES ('!shared', 7), ('!shared', 12), ('!other', 3);
"""


class NameTests(unittest.TestCase):
    def test_six_digits_at_least_so_name_order_is_numeric_order(self) -> None:
        self.assertEqual(
            synthetic_names("synthetic", 2),
            ["synthetic-000001.example", "synthetic-000002.example"],
        )
        self.assertEqual(synthetic_names("big", 1_000_000)[-1], "big-1000000.example")

    def test_a_prefix_ending_in_a_separator_gets_no_dash(self) -> None:
        for prefix, first in (("x-", "x-000001"), ("x.", "x.000001"), ("x_", "x_000001")):
            self.assertEqual(synthetic_names(prefix, 1), [f"{first}.example"])

    def test_failing_rows_are_spread_over_the_name_order(self) -> None:
        self.assertEqual(failing_positions(20, 3), [0, 6, 13])
        self.assertEqual(failing_positions(2000, 20)[:3], [0, 100, 200])
        self.assertEqual(failing_positions(5, 5), [0, 1, 2, 3, 4])
        self.assertEqual(failing_positions(5, 0), [])


class RowTests(unittest.TestCase):
    def test_healthy_rows_are_null_like_a_never_failed_row_and_caught_up(self) -> None:
        rows = destination_rows(synthetic_names("s", 4), 0, NOW, top=12)
        self.assertEqual(rows[0], ("s-000001.example", None, None, None, 12))
        self.assertTrue(all(r[1:] == (None, None, None, 12) for r in rows))

    def test_failing_rows(self) -> None:
        rows = destination_rows(synthetic_names("s", 100), 10, NOW, top=12)
        failing = [r for r in rows if r[3] is not None]
        self.assertEqual([r[0] for r in failing][:2], ["s-000001.example", "s-000011.example"])
        for j, (_, retry_last_ts, interval, failure_ts, lsso) in enumerate(failing):
            self.assertEqual(failure_ts, NOW - (j + 1) * MINUTE_MS)
            self.assertEqual(retry_last_ts, NOW - 30_000)
            self.assertEqual(interval, min(600_000 * 2 ** (j % 8), 86_400_000))
            self.assertEqual(lsso, None if j % 4 == 3 else 11)  # every fourth never worked
        self.assertEqual(max(r[2] or 0 for r in failing), 76_800_000)  # 10 min · 2^7: under 24 h

    def test_summary(self) -> None:
        names = synthetic_names("synthetic", 1000)
        doc = summary("synthetic", names, 500, ["!r"])
        self.assertEqual((doc["first"], doc["last"]), (names[0], names[-1]))
        self.assertEqual(len(doc["failing_names"]), 100)  # at most the first 100
        self.assertEqual(validate("synthetic", doc), [])
        empty = summary("extra", [], 0, ["!r"])
        self.assertEqual(
            empty,
            {"count": 0, "failing": 0, "prefix": "extra", "rooms": ["!r"], "failing_names": []},
        )
        self.assertEqual(validate("synthetic", empty), [])


class InsertTests(unittest.TestCase):
    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        os.makedirs(os.path.join(tmp.name, "a"))
        self.db_path = os.path.join(tmp.name, "a", "homeserver.db")
        conn = sqlite3.connect(self.db_path)
        conn.executescript(SCHEMA)
        conn.close()
        self.info: Json = {"db": "sqlite", "dir": tmp.name}

    def query(self, sql: str) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def test_inserts_destinations_and_a_room_row_each_at_the_rooms_position(self) -> None:
        doc = insert_into_lab(self.info, 10, 3, "synthetic", ["!shared", "!other"])
        self.assertEqual(validate("synthetic", doc), [])
        self.assertEqual(
            doc["failing_names"],
            ["synthetic-000001.example", "synthetic-000004.example", "synthetic-000007.example"],
        )
        self.assertEqual(self.query("SELECT COUNT(*) FROM destinations"), [(10,)])
        self.assertEqual(
            self.query("SELECT COUNT(*) FROM destinations WHERE failure_ts IS NOT NULL"), [(3,)]
        )
        rooms = self.query(
            "SELECT room_id, stream_ordering FROM destination_rooms "
            "WHERE destination = 'synthetic-000002.example' ORDER BY room_id"
        )
        self.assertEqual(rooms, [("!other", 3), ("!shared", 12)])

    def test_refuses_a_prefix_in_use_and_bad_counts(self) -> None:
        insert_into_lab(self.info, 2, 0, "xa", ["!shared"])
        insert_into_lab(self.info, 2, 0, "x_", ["!shared"])  # `_` is no LIKE wildcard: xa-… differ
        with self.assertRaisesRegex(LabError, "2 destinations named x_… exist already"):
            insert_into_lab(self.info, 2, 0, "x_", ["!shared"])
        for count, failing in ((2, 3), (-1, 0)):
            with self.assertRaises(LabError):
                insert_into_lab(self.info, count, failing, "y", ["!shared"])
        with self.assertRaises(LabError):
            insert_into_lab(self.info, 1, 0, "y", [])

    def test_sql_prints_rows_as_the_protocol_says(self) -> None:
        insert_into_lab(self.info, 3, 1, "s", ["!shared"])
        db = LabDB(self.info)
        try:
            doc = run_sql(
                db,
                "SELECT destination, failure_ts, X'00ff' AS raw, 0.5 AS half "
                "FROM destinations ORDER BY destination LIMIT 2",
            )
        finally:
            db.close()
        self.assertEqual(validate("sql", doc), [])
        self.assertEqual(doc["columns"], ["destination", "failure_ts", "raw", "half"])
        self.assertEqual(
            doc["rows"][1],
            {"destination": "s-000002.example", "failure_ts": None, "raw": "00ff", "half": 0.5},
        )


if __name__ == "__main__":
    unittest.main()
