"""Paths, the error type, logging and small file helpers shared by every module."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import sys
import threading
import time
from typing import Any

PACKAGE_DIR = os.path.dirname(os.path.realpath(__file__))
SCRIPTS_DIR = os.path.dirname(PACKAGE_DIR)
REPO = os.path.dirname(SCRIPTS_DIR)
LAB_HOME = os.path.realpath(os.environ.get("FEDBOT_LAB_HOME") or os.path.join(REPO, ".lab"))
PYTHON = sys.executable
TEMPLATE_FORMAT = "3"  # bump when the way templates are built changes

Json = dict[str, Any]


def _synapse_version() -> str:
    try:
        return importlib.metadata.version("matrix-synapse")
    except importlib.metadata.PackageNotFoundError:
        return "missing"


SYNAPSE_VERSION = _synapse_version()


class LabError(Exception):
    """A failure reported as `{"error": message, **detail}` (detail: log tails and the like)."""

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.detail = detail


class _Log:
    file: str | None = None
    t0 = time.monotonic()


def set_log_file(path: str | None) -> None:
    """Also append every log line to `path` (the lab's lab.log)."""
    _Log.file = path


def since_start() -> float:
    return time.monotonic() - _Log.t0


def log(msg: str) -> None:
    line = f"[lab {time.strftime('%H:%M:%S')} +{since_start():6.2f}s] {msg}"
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)
    if _Log.file:
        try:
            with open(_Log.file, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError:
            pass


def elapsed(since: float) -> float:
    """Seconds since the monotonic time `since`, rounded as every command reports them."""
    return round(time.monotonic() - since, 3)


def atomic_write_json(path: str, obj: Any) -> None:
    tmp = f"{path}.tmp-{os.getpid()}-{threading.get_ident()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def tail(path: str, lines: int = 30) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 16384))
            text = f.read().decode(errors="replace")
        return "\n".join(text.splitlines()[-lines:])
    except OSError:
        return ""
