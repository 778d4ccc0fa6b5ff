"""Processes (by pid and start time, so a recycled pid is never ours), signals and file locks."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import time
from collections.abc import Iterator

from fedbotlab.common import LAB_HOME, LabError


def proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks) of a pid, None if it does not exist."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rfind(")") + 2 :].split()
    # rest[0] is field 3 (state); field 22 (starttime) is rest[19]
    try:
        return rest[0], int(rest[19])
    except (IndexError, ValueError):
        return None


def proc_start(pid: int) -> int | None:
    st = proc_stat(pid)
    return st[1] if st else None


def proc_alive(pid: int | None, start: int | None = None) -> bool:
    """True if pid runs (zombies and dead processes are not alive) and, when given,
    has the recorded start time (so a recycled pid is never mistaken for ours)."""
    if not pid or pid <= 0:
        return False
    st = proc_stat(pid)
    if st is None or st[0] in ("Z", "X", "x"):
        return False
    return start is None or st[1] == start


def proc_state(pid: int | None, start: int | None = None) -> str:
    if not proc_alive(pid, start):
        return "exited"
    st = proc_stat(pid or 0)
    return "paused" if st and st[0] in ("T", "t") else "running"


def wait_gone(pid: int, start: int | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc_alive(pid, start):
            return True
        time.sleep(0.05)
    return not proc_alive(pid, start)


def kill_quietly(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def postgres_ids() -> tuple[int, int] | None:
    """uid/gid to run PostgreSQL with: it refuses to run as root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pw = pwd.getpwnam("postgres")
    except KeyError as e:
        raise LabError(
            "PostgreSQL refuses to run as root and there is no 'postgres' user "
            "(apt-get install postgresql)"
        ) from e
    return pw.pw_uid, pw.pw_gid


def chown_tree(path: str, ids: tuple[int, int] | None) -> None:
    if ids is None:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, *ids)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), *ids)


@contextlib.contextmanager
def file_lock(name: str, timeout: float = 900.0) -> Iterator[None]:
    """An exclusive flock on LAB_HOME/name (shared by every lab on the machine)."""
    os.makedirs(LAB_HOME, exist_ok=True)
    path = os.path.join(LAB_HOME, name)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LabError(
                        f"timed out after {timeout:.0f}s waiting for lock {path}"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def reset_signals() -> None:
    """Undo what a parent may have left us: blocked or ignored signals are inherited across
    exec (a test runner's Foundation.Process spawns us with SIGTERM blocked, for one), and
    Synapse and PostgreSQL would then never see the SIGTERM/SIGINT that stops them."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for sig in (
        signal.SIGTERM,
        signal.SIGINT,
        signal.SIGHUP,
        signal.SIGQUIT,
        signal.SIGUSR1,
        signal.SIGUSR2,
        signal.SIGCHLD,
    ):
        with contextlib.suppress(OSError, ValueError):
            if signal.getsignal(sig) == signal.SIG_IGN:
                signal.signal(sig, signal.SIG_DFL)
