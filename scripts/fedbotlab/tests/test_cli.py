"""Argument parsing and the JSON error every failing command prints."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import unittest

from fedbotlab import commands, faults, up
from fedbotlab.cli import build_parser, main
from fedbotlab.common import LabError
from fedbotlab.protocol import validate
from fedbotlab.up import parse_rc


def parse(*argv: str) -> dict[str, object]:
    with contextlib.redirect_stderr(io.StringIO()):
        return vars(build_parser().parse_args(list(argv)))


class ParserTests(unittest.TestCase):
    def test_up_defaults(self) -> None:
        args = parse("up", "--dir", "/tmp/x")
        self.assertEqual(args["func"], up.cmd_up)
        self.assertEqual(
            {
                k: args[k]
                for k in (
                    "db",
                    "synthetic",
                    "synthetic_failing",
                    "synthetic_rooms",
                    "rc_message",
                    "encryption_by_default",
                    "watch_pid",
                    "foreground",
                )
            },
            {
                "db": "sqlite",
                "synthetic": 0,
                "synthetic_failing": 0,
                "synthetic_rooms": 1,
                "rc_message": None,
                "encryption_by_default": None,
                "watch_pid": None,
                "foreground": False,
            },
        )

    def test_up_as_the_swift_driver_calls_it(self) -> None:
        argv = [
            "up",
            "--foreground",
            "--dir",
            "/tmp/x",
            "--watch-pid",
            "42",
            "--db",
            "postgres",
            "--synthetic",
            "2000",
            "--synthetic-failing",
            "20",
            "--synthetic-rooms",
            "3",
            "--rc-message",
            "0.5:2",
            "--encryption-by-default",
            "all",
        ]
        args = parse(*argv)
        self.assertEqual((args["watch_pid"], args["db"], args["synthetic"]), (42, "postgres", 2000))
        self.assertEqual((args["synthetic_failing"], args["synthetic_rooms"]), (20, 3))
        self.assertTrue(args["foreground"])
        self.assertEqual(args["rc_message"], "0.5:2")
        self.assertEqual(args["encryption_by_default"], "all")

    def test_every_command_wants_a_dir(self) -> None:
        for command in (
            "up",
            "down",
            "status",
            "stop-b",
            "start-b",
            "pause-b",
            "resume-b",
            "traffic",
            "wait-failing",
            "wait-healthy",
            "sql",
        ):
            with self.subTest(command), self.assertRaises(SystemExit) as exit_:
                parse(command)
            self.assertEqual(exit_.exception.code, 2)

    def test_commands_reach_their_functions(self) -> None:
        self.assertEqual(parse("wait-failing", "--dir", "d")["func"], faults.cmd_wait_failing)
        healthy = parse("wait-healthy", "--dir", "d", "--timeout", "2.5", "--nudge")
        self.assertEqual(
            (healthy["func"], healthy["timeout"], healthy["nudge"]),
            (faults.cmd_wait_healthy, 2.5, True),
        )
        self.assertEqual(parse("traffic", "--dir", "d")["count"], 1)
        self.assertEqual(parse("pause-b", "--dir", "d")["func"], faults.cmd_pause_b)
        self.assertEqual(parse("down", "--dir", "d", "--purge")["purge"], True)
        self.assertEqual(parse("sql", "--dir", "d", "SELECT 1")["statement"], "SELECT 1")
        self.assertEqual(parse("prepare", "--all")["func"], commands.cmd_prepare)

    def test_insert_destinations(self) -> None:
        with self.assertRaises(SystemExit):
            parse("insert-destinations", "--dir", "d")  # --count is required
        args = parse("insert-destinations", "--dir", "d", "--count", "5")
        self.assertEqual((args["failing"], args["prefix"], args["rooms"]), (0, "extra", 1))

    def test_the_supervisor_command_is_not_listed(self) -> None:
        self.assertNotIn("_supervise", build_parser().format_help())
        self.assertEqual(parse("_supervise", "--dir", "d")["func"], commands.cmd_supervise)

    def test_rc_message(self) -> None:
        self.assertEqual(parse_rc("0.5:2"), (0.5, 2))
        self.assertIsNone(parse_rc(None))
        for bad in ("bogus", "1:2:3", "x:2"):
            with self.subTest(bad), self.assertRaises(LabError):
                parse_rc(bad)


class MainTests(unittest.TestCase):
    def run_main(self, *argv: str) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            rc = main(list(argv))
        return rc, out.getvalue()

    def test_a_failure_prints_one_error_object_and_exits_1(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            rc, out = self.run_main("traffic", "--dir", d)
        self.assertEqual(rc, 1)
        doc = json.loads(out)
        self.assertEqual(doc["error"], f"no lab in {d} (no lab.json): run `up` first")
        self.assertEqual(validate("error", doc), [])

    def test_status_of_a_missing_lab(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            rc, out = self.run_main("status", "--dir", d)
        self.assertEqual(rc, 0)
        doc = json.loads(out)
        self.assertEqual(doc, {"lab": None, "processes": {}, "supervisor_reachable": False})
        self.assertEqual(validate("status", doc), [])


if __name__ == "__main__":
    unittest.main()
