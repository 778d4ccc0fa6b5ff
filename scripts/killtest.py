"""kill -9 at random (issue 16, item 7): SIGKILL `fedbot run` while work is in flight, then check.

Usage (scripts/killtest runs this with the lab's python):
  killtest.py DIR BIN [--kills K] [--seed S]

DIR is a lab directory that `scripts/lab up` and `demo.py setup` prepared; BIN the fedbot binary.
K times: start `fedbot run`, do a random mix of commands as alice (`list`, `show B`, `reset B`,
`status`), stopping B (then `lab traffic`, so that A records the failure) and starting it again
(then `lab wait-healthy --nudge` and `lab traffic`, so that the recovery is confirmed by resumed
deliveries), then SIGKILL the bot 0.05-4 s after the last action (after B stopped or started,
mostly 0-0.3 s after the watcher logged "Federation changed": its notice or edit is being sent).
Starts, actions and kills are marked in DIR/fedbot-killtest.log between the bot's lines. At the
end: B up, the bot runs until every command is answered and every notice edited, then SIGTERM.
Reads both rooms in full (DIR/killtest-notices.txt: the notice room as a timeline) and checks:
  - every command got its replies: one, or two for a `reset` that reset (the answer and the
    "checked again" follow-up); fewer is a loss, more (or two with the same body) a duplicate;
  - the bot posted nothing else in the admin room;
  - notices: no two root notices with the same body; each root notice edited (`m.replace`) exactly
    once, to a recovery (one server) or at least once and finally to "all recovered" (several);
    each server's recovery replied in the notice's thread exactly once; no edit or thread reply to
    an unknown event; at least one failure was announced when B was stopped;
  - the bot never exited by itself, some kills came right after a poll that changed notices,
    the last run settled within 150 s, and SIGTERM ended it within 10 s with exit 0.
B's outages start in different UTC minutes, so two real notices never share a body ("since HH:MM").
Prints one line per check and a closing "N passed, M failed" line; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable

from demo import Json, demo_info, http, lab_info, q, wait_ready
from killcheck import KINDS, Command, Notices, check_commands, check_notices

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHANGED = "Federation changed"  # the watcher's log line once a poll's state and notices are stored


class Lab:
    """`scripts/lab` on DIR, and alice's view of the rooms."""

    def __init__(self, d: str) -> None:
        lab, demo = lab_info(d), demo_info(d)
        self.dir = d
        self.base: str = lab["a"]["client_url"]
        self.token: str = lab["users"]["alice"]["access_token"]
        self.server_b: str = lab["b"]["server_name"]
        self.admin_room: str = demo["admin_room"]
        self.notice_room: str = demo["notice_room"]
        self.bot: str = demo["bot"]
        self.b_up = True
        self.outages = 0
        self.last_stop_minute = -1

    def run(self, *args: str) -> None:
        command = [os.path.join(ROOT, "scripts", "lab"), *args, "--dir", self.dir]
        done = subprocess.run(
            command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"lab {' '.join(args)} failed: {done.stderr[-500:]}")

    def stop_b(self) -> bool:
        """Stops B and makes A fail to reach it, if no outage started in this minute yet."""
        now = time.time()
        minute = int(now // 60)
        if not self.b_up or minute == self.last_stop_minute or now % 60 >= 50:
            return False
        self.run("stop-b")
        self.run("traffic")
        self.b_up, self.outages, self.last_stop_minute = False, self.outages + 1, minute
        return True

    def start_b(self) -> bool:
        if self.b_up:
            return False
        self.run("start-b")
        self.run("wait-healthy", "--nudge", "--timeout", "60")
        self.run("traffic")
        self.b_up = True
        return True

    def send(self, body: str) -> str:
        path = f"rooms/{q(self.admin_room)}/send/m.room.message/{uuid.uuid4().hex}"
        url = f"{self.base}/_matrix/client/v3/{path}"
        event: str = http("PUT", url, {"msgtype": "m.text", "body": body}, self.token)["event_id"]
        return event

    def events(self, room: str) -> list[Json]:
        """Every event of the room, oldest first (paginates /messages backwards to the start)."""
        events: list[Json] = []
        url = f"{self.base}/_matrix/client/v3/rooms/{q(room)}/messages?dir=b&limit=500"
        token: str | None = None
        while True:
            page = http("GET", url + (f"&from={q(token)}" if token else ""), None, self.token)
            events.extend(page.get("chunk", []))
            if not page.get("chunk") or "end" not in page:
                break
            token = page["end"]
        return list(reversed(events))

    def bot_messages(self, room: str) -> list[Json]:
        return [
            e
            for e in self.events(room)
            if e.get("sender") == self.bot and e.get("type") == "m.room.message"
        ]


class Bot:
    """`fedbot run`, started and killed over and over; output in DIR/fedbot-killtest.log."""

    def __init__(self, d: str, binary: str) -> None:
        self.command = [binary, "run", "--config", os.path.join(d, "fedbot.yaml")]
        self.log = os.path.join(d, "fedbot-killtest.log")
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.early_exits = 0

    def note(self, text: str) -> None:
        """A line in the bot's log, to read what the bot did next to what was done to it."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{time.time() % 1:.3f}"[2:]
        with open(self.log, "a") as log:
            log.write(f"{stamp} killtest: {text}\n")

    def offset(self) -> int:
        return os.path.getsize(self.log) if os.path.exists(self.log) else 0

    def logged(self, text: str, offset: int, timeout: float) -> bool:
        """Waits until the log has `text` after `offset` (or the bot is gone, or `timeout` s)."""
        deadline = time.time() + timeout
        while time.time() < deadline and self.process and self.process.poll() is None:
            with open(self.log, "rb") as log:
                log.seek(offset)
                if text.encode() in log.read():
                    return True
            time.sleep(0.05)
        return False

    def start(self) -> None:
        self.note("start")
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=log)

    def kill(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            self.early_exits += 1  # it died by itself: a crash, reported as a failure
        else:
            self.process.send_signal(signal.SIGKILL)
            self.kills += 1
            self.note(f"SIGKILL {self.kills}")
        self.process.wait()
        self.process = None

    def terminate(self) -> tuple[int | None, float]:
        """SIGTERM: (exit status or None if it did not end within 10 s, seconds it took)."""
        assert self.process is not None
        started = time.time()
        self.process.send_signal(signal.SIGTERM)
        try:
            status: int | None = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            status = None
            self.process.kill()
            self.process.wait()
        return status, time.time() - started


class KillTest:
    def __init__(self, lab: Lab, bot: Bot, rng: random.Random) -> None:
        self.lab, self.bot, self.rng = lab, bot, rng
        self.commands: dict[str, Command] = {}  # event ID → command
        self.actions: dict[str, int] = {}
        self.notice_kills = 0

    def command(self) -> None:
        # While B is down, mostly resets: those reset for real and get a follow-up.
        kind = "reset" if not self.lab.b_up and self.rng.random() < 0.5 else self.rng.choice(KINDS)
        body = f"!fed {kind} {self.lab.server_b}" if kind in ("show", "reset") else f"!fed {kind}"
        self.commands[self.lab.send(body)] = Command(kind, body)
        self.bot.note(body)

    def act(self) -> str:
        """One random action: mostly commands, sometimes a burst; B stopped or started."""
        roll = self.rng.random()
        started = time.time()
        done: str
        if roll < 0.4 and self.lab.stop_b():
            done = "stop-b"
        elif 0.4 <= roll < 0.55 and self.lab.start_b():
            done = "start-b"
        elif roll < 0.8:
            self.command()
            done = "command"
        else:
            for _ in range(self.rng.randint(2, 6)):
                self.command()
            done = "burst"
        self.actions[done] = self.actions.get(done, 0) + 1
        self.bot.note(f"{done} ({time.time() - started:.1f} s)")
        return done

    def round(self) -> None:
        """Start the bot, 0-3 actions, SIGKILL 0.05-4 s after the last one (or the start).

        After B stopped or started, mostly: SIGKILL 0-0.3 s after the watcher logged its decision
        (state and outbox committed), while the notice or its edit is being sent."""
        if self.bot.process is None:
            self.bot.start()
        mark: int | None = None
        for index in range(self.rng.choice([0, 1, 1, 2, 2, 3])):
            if index:
                time.sleep(self.rng.uniform(0, 1))
            offset = self.bot.offset()
            if self.act() in ("stop-b", "start-b"):
                mark = offset
        if mark is not None and self.rng.random() < 0.7 and self.bot.logged(CHANGED, mark, 8):
            time.sleep(self.rng.uniform(0, 0.3))
            self.notice_kills += 1
        else:
            time.sleep(self.rng.uniform(0.05, 4))
        self.bot.kill()

    def replies(self) -> list[Json]:
        """Reads the admin room, files the bot's replies under their commands, returns the rest."""
        for command in self.commands.values():
            command.replies = []
        stray: list[Json] = []
        for event in self.lab.bot_messages(self.lab.admin_room):
            content = event.get("content", {})
            target = content.get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            if target in self.commands:
                self.commands[target].replies.append(str(content.get("body", "")))
            else:
                stray.append(event)
        return stray

    def settled(self) -> bool:
        """Every command has all its replies and every root notice has been edited to a recovery."""
        self.replies()
        if any(len(c.replies) < c.expected() for c in self.commands.values()):
            return False
        notices = Notices(self.lab.bot_messages(self.lab.notice_room))
        return all(notices.resolved(e) for e in notices.roots)


def wait_until(
    what: str, check: Callable[[], bool], timeout: float, tick: Callable[[], None]
) -> bool:
    """Polls `check` every 2 s up to `timeout` s, calling `tick` every 10 s meanwhile."""
    deadline = time.time() + timeout
    last_tick = 0.0
    while time.time() < deadline:
        if check():
            return True
        if time.time() - last_tick >= 10:
            tick()
            last_tick = time.time()
        time.sleep(2)
    print(f"killtest: timed out after {timeout:.0f} s waiting for {what}", flush=True)
    return False


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="SIGKILL fedbot at random moments, then check.")
    parser.add_argument("dir")
    parser.add_argument("bin")
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    lab, bot = Lab(args.dir), Bot(args.dir, args.bin)
    test = KillTest(lab, bot, random.Random(args.seed))
    started = time.time()
    bot.start()
    wait_ready(args.dir)
    for index in range(args.kills):
        test.round()
        if (index + 1) % 10 == 0 or index + 1 == args.kills:
            done = f"{index + 1} kills, {len(test.commands)} commands, {lab.outages} outages of B"
            print(f"killtest: {done}, {time.time() - started:.0f} s", flush=True)
    lab.start_b()
    bot.note("B up; the last start, until every command is answered and every notice edited")
    bot.start()
    quiet = wait_until("quiescence", test.settled, 150, lambda: lab.run("traffic"))
    time.sleep(8)  # a late duplicate would show up meanwhile (more than one poll interval)
    status, stop = bot.terminate()
    took = time.time() - started
    stray = test.replies()
    checks, lost, doubled = check_commands(test.commands, stray)
    notices = Notices(lab.bot_messages(lab.notice_room))
    notices.write(os.path.join(args.dir, "killtest-notices.txt"))
    notice_checks, notices_lost, notices_doubled = check_notices(notices, lab.outages)
    checks += notice_checks
    actions = ", ".join(f"{k} {v}" for k, v in sorted(test.actions.items()))
    checks += [
        (not bot.early_exits, f"{bot.kills} kills ({actions}); {bot.early_exits} crashed"),
        (test.notice_kills > 0 or not lab.outages, f"{test.notice_kills} kills right after a poll"),
        (quiet, "settled: every command answered, every notice recovered"),
        (status == 0 and stop < 10, f"SIGTERM: exit {status} after {stop:.2f} s"),
    ]
    for ok, text in checks:
        print(f"killtest: {'ok  ' if ok else 'FAIL'} {text}")
    replies = sum(len(c.replies) for c in test.commands.values())
    edits = sum(len(v) for v in notices.edits.values())
    print(f"killtest: totals: commands {len(test.commands)}, replies {replies}, duplicated "
          f"{doubled}, lost {lost}; notices {len(notices.roots)}, edits {edits}, duplicated "
          f"{notices_doubled}, lost {notices_lost}; kills {bot.kills}; SIGTERM {stop:.2f} s; "
          f"{took:.0f} s in all")  # fmt: skip
    failed = sum(1 for ok, _ in checks if not ok)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
