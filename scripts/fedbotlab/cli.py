"""The command line: `scripts/lab COMMAND --dir DIR [options]` (docs/LAB.md)."""

from __future__ import annotations

import argparse
import os
import sys

import fedbotlab
from fedbotlab import commands, faultproxy, faults, internet, netcheck, up
from fedbotlab.common import LabError, log, set_log_file, since_start
from fedbotlab.procs import reset_signals
from fedbotlab.protocol import emit


def _add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_: str
) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_, description=help_)
    p.add_argument("--dir", required=True, help="the lab's directory (created if missing)")
    return p


def _add_up(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _add(sub, "up", "start homeservers A and B (and PostgreSQL), users, the shared room")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite", help="A's database")
    p.add_argument(
        "--synthetic",
        type=int,
        default=0,
        metavar="N",
        help="insert N synthetic destinations into A (synthetic-000001.example …)",
    )
    p.add_argument(
        "--synthetic-failing",
        type=int,
        default=0,
        metavar="M",
        help="M of them failing (spread evenly over the name order)",
    )
    p.add_argument(
        "--synthetic-rooms",
        type=int,
        default=1,
        metavar="K",
        help="destination_rooms rows per synthetic destination (default 1)",
    )
    p.add_argument(
        "--rc-message", metavar="PER_SECOND:BURST", help="rc_message for A (default: relaxed)"
    )
    p.add_argument(
        "--watch-pid", type=int, metavar="PID", help="tear the whole lab down when PID exits"
    )
    p.add_argument(
        "--internet",
        action="store_true",
        help="also the small internet: a DNS server for lab.test and HTTPS test servers on "
        "loopback, B's federation certificate from the lab CA (internet in the JSON)",
    )
    p.add_argument(
        "--foreground",
        action="store_true",
        help="after printing the JSON, stay running as the lab's supervisor "
        "(stdout/stderr are then closed); the caller reaps this process",
    )
    p.set_defaults(func=up.cmd_up)


def _add_control(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _add(sub, "down", "stop everything of this lab; idempotent, works after a crash")
    p.add_argument("--purge", action="store_true", help="also remove the lab directory")
    p.set_defaults(func=commands.cmd_down)
    _add(sub, "status", "lab.json and which processes are alive").set_defaults(
        func=commands.cmd_status
    )
    _add(sub, "stop-b", "stop B (SIGTERM, wait)").set_defaults(func=faults.cmd_stop_b)
    _add(
        sub, "start-b", "start B again with the same config and data; wait until it answers"
    ).set_defaults(func=faults.cmd_start_b)
    _add(sub, "pause-b", "SIGSTOP B (a hung peer)").set_defaults(func=faults.cmd_pause_b)
    _add(sub, "resume-b", "SIGCONT B").set_defaults(func=faults.cmd_resume_b)
    p = _add(sub, "traffic", "admin sends N messages in the shared room, so A sends to B now")
    p.add_argument("--count", type=int, default=1)
    p.set_defaults(func=faults.cmd_traffic)
    for name, want, func in (
        ("wait-failing", True, faults.cmd_wait_failing),
        ("wait-healthy", False, faults.cmd_wait_healthy),
    ):
        p = _add(
            sub,
            name,
            f"poll A's admin API until B's failure_ts is {'non-null' if want else 'null'}",
        )
        p.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
        p.add_argument(
            "--nudge",
            action="store_true",
            help="send one message per second while waiting (A only notices a dead "
            "or recovered peer when it has something to send)",
        )
        p.set_defaults(func=func)


def _add_db(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _add(
        sub,
        "insert-destinations",
        "insert more synthetic destinations into A's database while it runs.  Only for "
        "names Synapse has never looked up (a new --prefix): Synapse caches the rows it "
        "has read, and a row changed under it reads stale in show/reset_connection",
    )
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--failing", type=int, default=0)
    p.add_argument(
        "--prefix",
        default="extra",
        help="names are PREFIX-000001.example … (default extra; a PREFIX ending "
        "in - . or _ gets no extra dash)",
    )
    p.add_argument("--rooms", type=int, default=1, help="destination_rooms rows per destination")
    p.set_defaults(func=commands.cmd_insert)
    p = _add(
        sub,
        "sql",
        "run one SQL statement against A's database and print the rows as JSON "
        "(a test escape hatch: Synapse caches some rows, see insert-destinations)",
    )
    p.add_argument("statement")
    p.set_defaults(func=commands.cmd_sql)
    p = sub.add_parser("prepare", help="build the shared certificate and template databases now")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--all", action="store_true", help="both templates")
    p.set_defaults(func=commands.cmd_prepare)
    p = _add(
        sub,
        "proxy",
        "a loopback fault-injection proxy in front of --upstream: prints its URLs, then runs "
        "(stdout/stderr closed, log in DIR/proxy-PORT.log) until SIGTERM or --watch-pid exits",
    )
    p.add_argument("--upstream", required=True, help="http:// URL to forward to (A's client URL)")
    p.add_argument("--watch-pid", type=int, metavar="PID", help="stop when PID exits")
    p.set_defaults(func=faultproxy.cmd_proxy)
    p = sub.add_parser("_supervise")  # no help: not listed
    p.add_argument("--dir", required=True)
    p.add_argument("--watch-pid", type=int)
    p.set_defaults(func=commands.cmd_supervise)


def _add_internet(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _add(
        sub,
        "internet",
        "only the small internet (DNS, lab CA, HTTPS test servers) under a supervisor of its "
        "own; prints the internet JSON; `down --dir DIR` stops it",
    )
    p.add_argument("--watch-pid", type=int, metavar="PID", help="stop when PID exits")
    p.set_defaults(func=internet.cmd_internet)
    _add(
        sub,
        "internet-check",
        "probe the small internet from outside (DNS over UDP and TCP, TLS with the lab CA, key "
        "signatures); exit 1 when a probe fails",
    ).set_defaults(func=netcheck.cmd_internet_check)
    p = sub.add_parser("_internet")  # no help: the process the supervisor runs
    p.add_argument("--dir", required=True)
    p.add_argument("--b-server")
    p.set_defaults(func=internet.cmd_internet_serve)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="scripts/lab",
        description=fedbotlab.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    _add_up(sub)
    _add_control(sub)
    _add_db(sub)
    _add_internet(sub)
    return ap


def _run(args: argparse.Namespace) -> int:
    """The command, with every failure reported as one JSON object."""
    try:
        rc = int(args.func(args) or 0)
        if args.cmd not in ("up", "_supervise", "proxy", "_internet"):
            log(f"{args.cmd} done in {since_start():.2f}s")
        return rc
    except LabError as e:
        log(f"error: {e}")
        for k, v in e.detail.items():
            if isinstance(v, str) and v:
                log(f"{k}:\n{v}")
        emit("error", {"error": str(e), **e.detail})
        return 1
    except KeyboardInterrupt:
        emit("error", {"error": "interrupted"})
        return 130
    except Exception as e:  # noqa: BLE001 - every failure is reported as JSON
        import traceback

        log(f"error: {type(e).__name__}: {e}\n{traceback.format_exc()}")
        emit("error", {"error": f"{type(e).__name__}: {e}"})
        return 1


def main(argv: list[str] | None = None) -> int:
    reset_signals()
    args = build_parser().parse_args(argv)
    if getattr(args, "dir", None) and args.cmd not in ("up", "down") and os.path.isdir(args.dir):
        set_log_file(os.path.join(os.path.realpath(args.dir), "lab.log"))
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
