"""Soak: many generated commands through a running `fedbot run` against the lab (issue 16, item 6).

Usage (scripts/soak runs this with the lab's python):
  soak.py DIR BIN [--count N] [--window W] [--seed S]

DIR is a lab directory that `scripts/lab up` and `demo.py setup` prepared; BIN the fedbot binary.
Sends N commands as alice (valid, invalid, hostile HTML, pills, huge words, control and
right-to-left characters), a few lines of chatter that are not commands, and checks:
  - every command gets exactly one reply (none missing, none duplicated), chatter none;
  - every reply is an m.notice under 64 KiB whose HTML is well-formed and uses Matrix's tag subset;
  - the bot never crashes, and SIGTERM ends it within 10 s with exit 0;
  - its RSS after N commands is within 10% of its RSS after the first 1,000.
Prints one line per check and a closing "N passed, N failed" line; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser

from demo import Json, demo_info, http, lab_info, q, wait_ready

# The tags Matrix clients render (client-server spec, "m.room.message msgtypes": HTML subset).
ALLOWED_TAGS = {
    "font", "del", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "p", "a", "ul", "ol", "sup",
    "sub", "li", "b", "i", "u", "strong", "em", "s", "code", "hr", "br", "div", "table", "thead",
    "tbody", "tr", "th", "td", "caption", "pre", "span", "img", "details", "summary", "mx-reply",
}  # fmt: skip
VOID_TAGS = {"br", "hr", "img"}
EVENT_LIMIT = 65536


class TagChecker(HTMLParser):
    """Well-formed: every tag allowed, every non-void tag closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not in Matrix's HTML subset")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def finish(self) -> list[str]:
        self.close()
        return self.problems + ([f"unclosed {self.stack}"] if self.stack else [])


def html_problems(html: str) -> list[str]:
    checker = TagChecker()
    checker.feed(html)
    return checker.finish()


NASTY = ["\u202e", "\u2066", "\u0007", "\u200b", "\n", "\t", "<script>", "&amp;", '"', "'"]
QUOTE = '<mx-reply><a href="https://matrix.to/#/mute%20x.org%2052w">list</a></mx-reply>'
DEEP = "<b>" * 200 + "!fed list" + "</b>" * 200 + "<script>x()</script><img src=x onerror=x()>"


def generate(rng: random.Random, b: str) -> tuple[str, str | None]:
    """One message: (plain body, HTML or None). Every body starts with `!fed`."""
    word = "".join(rng.choice("abcxyz.-:[]") for _ in range(rng.randint(1, 12)))
    huge = rng.choice(["x", "<", "\u202e", "é"]) * rng.randint(1_000, 20_000)
    bad = "".join(rng.choice([*NASTY, word]) for _ in range(rng.randint(1, 6)))
    pill = f'<a href="https://matrix.to/#/@bob:{b}">bob</a>'
    choices: list[tuple[str, str | None]] = [
        ("!fed list", None),
        (f"!fed list failing --limit {rng.randint(1, 30)} --page {rng.randint(1, 3)}", None),
        (f"!fed show {b}", None),
        (f"!fed rooms {b} --limit {rng.randint(1, 5)}", None),
        (rng.choice(["!fed status", "!fed help", "!fed help list", "!fed incidents"]), None),
        (f"!fed {rng.choice(['frobnicate', 'lst', 'shwo', word])} {word}", None),
        (f"!fed list --limit {rng.choice(['0', '1001', '-1', 'x', '9' * 30])}", None),
        (f"!fed {rng.choice(['show', 'list', 'list --sort', 'mute x.org'])} {huge}", None),
        (f"!fed show {bad}", None),
        # A pill to a user on B, after a quoted reply with a hostile link.
        ("!fed show bob", QUOTE + "!fed show " + pill),
        ("!fed list", DEEP),
        (f"!fed mute {word}.org {rng.choice(['1h', '0s', '2 hours', '400d', '9999999w'])}", None),
    ]
    return rng.choice(choices)


class Soak:
    def __init__(self, d: str, pid: int) -> None:
        lab, demo = lab_info(d), demo_info(d)
        self.base: str = lab["a"]["client_url"]
        self.token: str = lab["users"]["alice"]["access_token"]
        self.room: str = demo["admin_room"]
        self.bot: str = demo["bot"]
        self.server_b: str = lab["b"]["server_name"]
        self.pid = pid
        self.sent: dict[str, str] = {}  # event ID → body (first 60 characters)
        self.chatter: set[str] = set()
        self.replies: dict[str, int] = {}
        self.problems: list[str] = []
        self.since: str | None = None
        self.filter = json.dumps({"room": {"rooms": [self.room], "timeline": {"limit": 200}}})

    def send(self, body: str, html: str | None) -> str:
        content: Json = {"msgtype": "m.text", "body": body}
        if html is not None:
            content.update(format="org.matrix.custom.html", formatted_body=html)
        path = f"rooms/{q(self.room)}/send/m.room.message/{uuid.uuid4().hex}"
        url = f"{self.base}/_matrix/client/v3/{path}"
        event: str = http("PUT", url, content, self.token)["event_id"]
        return event

    def sync(self, timeout_ms: int) -> None:
        url = f"{self.base}/_matrix/client/v3/sync?timeout={timeout_ms}&filter={q(self.filter)}"
        if self.since:
            url += f"&since={q(self.since)}"
        response = http("GET", url, None, self.token)
        self.since = response["next_batch"]
        room = response.get("rooms", {}).get("join", {}).get(self.room, {})
        for event in room.get("timeline", {}).get("events", []):
            if event.get("sender") == self.bot and event.get("type") == "m.room.message":
                self.check_reply(event)

    def check_reply(self, event: Json) -> None:
        content = event.get("content", {})
        target = content.get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
        if target is None:
            return
        self.replies[target] = self.replies.get(target, 0) + 1
        size = len(json.dumps(event, ensure_ascii=False).encode())
        what = self.sent.get(target, "?")
        if size >= EVENT_LIMIT:
            self.problems.append(f"reply to {what!r} is {size} bytes")
        if content.get("msgtype") != "m.notice" or not content.get("body"):
            self.problems.append(f"reply to {what!r} is not an m.notice with a body")
        for problem in html_problems(content.get("formatted_body", "")):
            self.problems.append(f"reply to {what!r}: {problem}")

    def answered(self) -> int:
        return sum(1 for e in self.sent if self.replies.get(e, 0) > 0)

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def drive(soak: Soak, rng: random.Random, count: int, window: int) -> dict[int, int]:
    rss: dict[int, int] = {}
    soak.sync(0)
    deadline = time.time() + max(300.0, count * 0.5)
    while (len(soak.sent) < count or soak.answered() < len(soak.sent)) and time.time() < deadline:
        if not soak.alive():
            soak.problems.append("the bot exited during the soak")
            break
        while len(soak.sent) < count and len(soak.sent) - soak.answered() < window:
            body, html = generate(rng, soak.server_b)
            soak.sent[soak.send(body, html)] = body[:60]
            if len(soak.sent) % 50 == 0:
                soak.chatter.add(soak.send(f"just chatting {len(soak.sent)}", None))
        soak.sync(500 if len(soak.sent) >= count else 50)
        for mark in (1000, count):
            if mark not in rss and soak.answered() >= mark:
                rss[mark] = rss_kib(soak.pid)
                print(f"soak: {mark} commands answered, RSS {rss[mark] / 1024:.1f} MiB", flush=True)
    time.sleep(2)
    soak.sync(0)
    return rss


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Soak fedbot with generated commands.")
    parser.add_argument("dir")
    parser.add_argument("bin")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=8, help="commands in flight at most")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    config = os.path.join(args.dir, "fedbot.yaml")
    with open(os.path.join(args.dir, "fedbot-soak.log"), "w") as log:
        bot = subprocess.Popen([args.bin, "run", "--config", config], stderr=log)
    try:
        return run(args, bot)
    finally:
        if bot.poll() is None:
            bot.kill()


def run(args: argparse.Namespace, bot: subprocess.Popen[bytes]) -> int:
    wait_ready(args.dir)
    soak = Soak(args.dir, bot.pid)
    started = time.time()
    rss = drive(soak, random.Random(args.seed), args.count, args.window)
    took = time.time() - started
    missing = [soak.sent[e] for e in soak.sent if soak.replies.get(e, 0) == 0]
    doubled = [soak.sent[e] for e in soak.sent if soak.replies.get(e, 0) > 1]
    chatter = [e for e in soak.chatter if soak.replies.get(e, 0) > 0]
    stop_started = time.time()
    bot.send_signal(signal.SIGTERM)
    try:
        status: int | None = bot.wait(timeout=10)
    except subprocess.TimeoutExpired:
        status = None
        bot.kill()
    stop = time.time() - stop_started
    first, last = rss.get(1000, 0), rss.get(args.count, 0)
    growth = (last - first) / first * 100 if first else 0.0
    checks: list[tuple[bool, str]] = [
        (not missing, f"{len(soak.sent)} commands in {took:.0f} s, {len(missing)} unanswered"),
        (not doubled, f"{len(doubled)} answered twice {doubled[:3]}"),
        (not chatter, f"{len(soak.chatter)} lines of chatter, {len(chatter)} answered"),
        (not soak.problems, f"{len(soak.problems)} bad replies {soak.problems[:5]}"),
        (status == 0 and stop < 10, f"SIGTERM: exit {status} after {stop:.2f} s"),
    ]
    if args.count >= 2000:
        ok = bool(first and last) and growth <= 10
        text = f"RSS {first / 1024:.1f} MiB after 1,000, {last / 1024:.1f} MiB after {args.count}"
        checks.append((ok, f"{text} ({growth:+.1f}%)"))
    for ok, text in checks:
        print(f"soak: {'ok  ' if ok else 'FAIL'} {text}")
    failed = sum(1 for ok, _ in checks if not ok)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
