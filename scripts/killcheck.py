"""The checks of scripts/killtest: what the bot's rooms must hold after the kills.

Every command got its replies (one, or two for a `reset` that reset), nothing doubled; every notice
posted once, edited once on recovery, with one recovery reply in its thread (see killtest.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from demo import Json

KINDS = ("list", "show", "reset", "status")
# The bot's notice texts (Sources/FedBotCore/Watcher/NoticeText.swift), by the start of the body.
ROOT_KINDS = {"⚠️": "failure or group", "🚨": "outage", "ℹ️ Watching": "baseline"}


@dataclass
class Command:
    kind: str
    body: str
    replies: list[str] = field(default_factory=list)

    def expected(self) -> int:
        """Replies it must get: a `reset` that reset also gets the follow-up ("checked again")."""
        first = self.replies[0] if self.replies else ""
        return 2 if self.kind == "reset" and first.startswith("🔄") else 1


class Notices:
    """The bot's events in the notice room: root notices, their edits and their thread replies."""

    def __init__(self, events: list[Json]) -> None:
        self.roots: list[Json] = []
        self.edits: dict[str, list[Json]] = {}
        self.threads: dict[str, list[Json]] = {}
        self.orphans: list[Json] = []
        for event in events:
            relation = event.get("content", {}).get("m.relates_to", {})
            kind, target = relation.get("rel_type"), relation.get("event_id")
            if kind == "m.replace":
                self.edits.setdefault(str(target), []).append(event)
            elif kind == "m.thread":
                self.threads.setdefault(str(target), []).append(event)
            elif relation:
                self.orphans.append(event)
            else:
                self.roots.append(event)
        ids = {e["event_id"] for e in self.roots}
        self.orphans += [e for t, es in self.edits.items() if t not in ids for e in es]
        self.orphans += [e for t, es in self.threads.items() if t not in ids for e in es]

    def write(self, path: str) -> None:
        """The notice room as a timeline: each notice, its edits and thread replies, indented."""
        with open(path, "w") as f:
            for root in self.roots:
                for depth, event in (
                    [(0, root)]
                    + [(1, e) for e in self.edits.get(root["event_id"], [])]
                    + [(1, e) for e in self.threads.get(root["event_id"], [])]
                ):
                    stamp = time.strftime("%H:%M:%S", time.gmtime(event["origin_server_ts"] / 1000))
                    text = self.new_body(event) or self.body(event)
                    f.write(f"{'    ' * depth}{stamp} {text.split(chr(10))[0]}\n")

    @staticmethod
    def body(event: Json) -> str:
        return str(event.get("content", {}).get("body", ""))

    @staticmethod
    def new_body(edit: Json) -> str:
        return str(edit.get("content", {}).get("m.new_content", {}).get("body", ""))

    def resolved(self, root: Json) -> bool:
        edits = self.edits.get(root["event_id"], [])
        return bool(edits) and self.new_body(edits[-1]).startswith("✅")

    def single(self, root: Json) -> bool:
        """A notice about one server (a failure notice): edited exactly once."""
        first = self.body(root).split("\n")[0]
        return (
            first.startswith("⚠️")
            and " unreachable since " in first
            and " servers unreachable since " not in first
        )


def check_commands(
    commands: dict[str, Command], stray: list[Json]
) -> tuple[list[tuple[bool, str]], int, int]:
    lost: list[str] = []
    doubled: list[str] = []
    per_kind: dict[str, list[int]] = {k: [0, 0] for k in KINDS}  # kind → [commands, replies]
    for command in commands.values():
        per_kind[command.kind][0] += 1
        per_kind[command.kind][1] += len(command.replies)
        expected = command.expected()
        if len(command.replies) < expected:
            lost.append(f"{command.body!r} ({len(command.replies)} of {expected})")
        extra = len(command.replies) - expected
        same = len(command.replies) - len(set(command.replies))
        if extra > 0 or same > 0:
            doubled.append(f"{command.body!r}: {command.replies}")
    sent = len(commands)
    replies = sum(len(c.replies) for c in commands.values())
    kinds = ", ".join(f"{k} {n} → {r} replies" for k, (n, r) in per_kind.items())
    resets = sum(1 for c in commands.values() if c.expected() == 2)
    kinds += f"; {resets} resets reset and were checked again"
    others = [Notices.body(e)[:80] for e in stray]
    checks = [
        (sent > 0 and not lost, f"{sent} commands ({kinds}); {len(lost)} lost {lost[:3]}"),
        (not doubled, f"{replies} replies; {len(doubled)} commands answered twice {doubled[:3]}"),
        (not stray, f"{len(stray)} other bot messages in the admin room {others[:3]}"),
    ]
    return checks, len(lost), len(doubled)


def check_notices(notices: Notices, outages: int) -> tuple[list[tuple[bool, str]], int, int]:
    """Checks and the numbers of notices (posts, edits, recovery replies) lost and duplicated."""
    # The first line names the server(s) and the minute the outage started: B's outages start in
    # different minutes, so the same first line twice is the same outage announced twice.
    firsts = [Notices.body(e).split("\n")[0] for e in notices.roots]
    same = sorted({f for f in firsts if firsts.count(f) > 1})
    unknown = [f[:80] for f in firsts if not f.startswith(tuple(ROOT_KINDS))]
    duplicated = len(firsts) - len(set(firsts))
    lost = 0
    bad_edits: list[str] = []
    bad_threads: list[str] = []
    for root in notices.roots:
        first = Notices.body(root).split("\n")[0][:80]
        mine = notices.edits.get(root["event_id"], [])
        thread = [Notices.body(e) for e in notices.threads.get(root["event_id"], [])]
        servers = [t.split(" recovered after ")[0] for t in thread if " recovered after " in t]
        if notices.single(root):
            lost += max(0, 1 - len(mine)) + max(0, 1 - len(servers))
            duplicated += max(0, len(mine) - 1) + max(0, len(servers) - 1)
            if len(mine) != 1 or not Notices.new_body(mine[0]).startswith("✅"):
                bad_edits.append(f"{first!r}: {[Notices.new_body(e)[:60] for e in mine]}")
            if len(servers) != 1:
                bad_threads.append(f"{first!r}: {thread}")
        else:
            if not notices.resolved(root):
                lost += 1
                news = [Notices.new_body(e)[:60] for e in mine]
                bad_edits.append(f"{first!r}: not resolved {news}")
            duplicated += len(servers) - len(set(servers))
            if len(servers) != len(set(servers)):
                bad_threads.append(f"{first!r}: {thread}")
    failures = sum(1 for r in notices.roots if notices.single(r))
    edits = sum(len(v) for v in notices.edits.values())
    threads = sum(len(v) for v in notices.threads.values())
    orphans = [Notices.body(e)[:60] for e in notices.orphans]
    roots = len(notices.roots)
    twice = len(firsts) - len(set(firsts))
    checks = [
        (failures > 0 or outages == 0, f"{roots} notices ({failures} failures), {outages} outages"),
        (not same, f"{twice} notices posted twice (same first line) {same[:3]}"),
        (not unknown, f"{len(unknown)} notices of an unknown kind {unknown[:3]}"),
        (not bad_edits, f"{edits} edits; {len(bad_edits)} notices not edited once {bad_edits[:3]}"),
        (not bad_threads, f"{threads} thread replies; {len(bad_threads)} wrong {bad_threads[:3]}"),
        (not orphans, f"{len(orphans)} edits or replies to unknown events {orphans[:3]}"),
    ]
    return checks, lost, duplicated
