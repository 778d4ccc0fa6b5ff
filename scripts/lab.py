#!/usr/bin/env python3
"""fedbot's Synapse test lab: two federating homeservers on loopback.

Run it through `scripts/lab`, which makes sure the Synapse venv exists and runs
this file with the venv's python (it imports Synapse's own helpers: yaml,
signedjson, cryptography, psycopg2).

Every subcommand prints exactly one JSON object on stdout; human logs go to
stderr and to files in the lab directory.  See docs/LAB.md.

Process model: each lab has one *supervisor* process.  It is the parent of
Synapse A, Synapse B and (with --db postgres) A's PostgreSQL server, so it can
reap them (PID 1 on these machines does not reap orphans), it tears the lab down
when the --watch-pid process exits, and it answers control requests (spawn,
stop, signal, shutdown) on an abstract unix socket named after the lab
directory.  `up` forks it as a daemon, or with --foreground becomes it after
printing the JSON (the caller then owns and reaps it: that is what the Swift
helper does).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import hmac
import importlib.metadata
import json
import os
import random
import shutil
import signal
import socket
import socketserver
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Iterator

SCRIPT = os.path.realpath(__file__)
REPO = os.path.dirname(os.path.dirname(SCRIPT))
LAB_HOME = os.path.realpath(os.environ.get("FEDBOT_LAB_HOME") or os.path.join(REPO, ".lab"))
PYTHON = sys.executable


def _synapse_version() -> str:
    try:
        return importlib.metadata.version("matrix-synapse")
    except importlib.metadata.PackageNotFoundError:
        return "missing"


SYNAPSE_VERSION = _synapse_version()
TEMPLATE_FORMAT = "3"  # bump when the way templates are built changes

USERS_A = {"admin": True, "alice": False, "mallory": False}
USERS_B = {"bob": False}
DEVICE_IDS = {"admin": "FEDBOTLAB", "alice": "ALICELAB", "mallory": "MALLORYLAB", "bob": "BOBLAB"}


class LabError(Exception):
    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.detail = detail


# --------------------------------------------------------------------------- logging / output

_LOG_FILE: str | None = None
_T0 = time.monotonic()


def log(msg: str) -> None:
    line = f"[lab {time.strftime('%H:%M:%S')} +{time.monotonic() - _T0:6.2f}s] {msg}"
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
    if _LOG_FILE:
        try:
            with open(_LOG_FILE, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError:
            pass


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, sort_keys=False) + "\n")
    sys.stdout.flush()


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


# --------------------------------------------------------------------------- processes

def proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks) of a pid, None if it does not exist."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rfind(")") + 2:].split()
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
        raise LabError("PostgreSQL refuses to run as root and there is no 'postgres' user "
                       "(apt-get install postgresql)") from e
    return pw.pw_uid, pw.pw_gid


def chown_tree(path: str, ids: tuple[int, int] | None) -> None:
    if ids is None:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, *ids)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), *ids)


# --------------------------------------------------------------------------- locks and ports

@contextlib.contextmanager
def file_lock(name: str, timeout: float = 900.0) -> Iterator[None]:
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
                    raise LabError(f"timed out after {timeout:.0f}s waiting for lock {path}")
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _ephemeral_range() -> tuple[int, int]:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="utf-8") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def port_free(port: int) -> bool:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def reserve_ports(count: int, owner: dict[str, Any]) -> list[int]:
    """Pick `count` free loopback ports outside the kernel's ephemeral range (so an
    outgoing connection can't take them before the server binds) and record them in
    .lab/ports.json for `owner` (a process: pid + start time).  A reservation lasts as
    long as its owner runs and at least 10 minutes, so two labs never pick the same
    port even before the servers bind."""
    lo, hi = _ephemeral_range()
    candidates = [p for p in range(10000, 65000) if not (lo <= p <= hi)]
    with file_lock("ports.lock", timeout=60):
        path = os.path.join(LAB_HOME, "ports.json")
        table = read_json(path) or {}
        now = time.time()
        live: dict[str, Any] = {}
        for port, rec in table.items():
            if not isinstance(rec, dict):
                continue
            if rec.get("until", 0) > now or proc_alive(rec.get("pid"), rec.get("start")):
                live[port] = rec
        chosen: list[int] = []
        for _ in range(5000):
            if len(chosen) == count:
                break
            p = random.choice(candidates)
            if str(p) in live or p in chosen or not port_free(p):
                continue
            chosen.append(p)
        if len(chosen) < count:
            raise LabError("could not find free loopback ports")
        for p in chosen:
            live[str(p)] = {"pid": owner.get("pid"), "start": owner.get("start"),
                            "until": now + 600, "dir": owner.get("dir")}
        atomic_write_json(path, live)
    return chosen


# --------------------------------------------------------------------------- TLS certificate and keys

def ensure_cert() -> tuple[str, str]:
    """One self-signed certificate for IP:127.0.0.1, shared by every lab."""
    d = os.path.join(LAB_HOME, "tls")
    crt, key = os.path.join(d, "lab.crt"), os.path.join(d, "lab.key")
    if os.path.exists(crt) and os.path.exists(key):
        return crt, key
    with file_lock("tls.lock", timeout=60):
        if os.path.exists(crt) and os.path.exists(key):
            return crt, key
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        os.makedirs(d, exist_ok=True)
        pkey = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(pkey.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.DNSName("localhost"),
            ]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(pkey, hashes.SHA256())
        )
        tmpk, tmpc = key + ".tmp", crt + ".tmp"
        with open(tmpk, "wb") as f:
            f.write(pkey.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
        os.chmod(tmpk, 0o600)
        with open(tmpc, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        os.replace(tmpk, key)
        os.replace(tmpc, crt)
        log(f"created self-signed certificate {crt}")
    return crt, key


def write_signing_key(path: str, key_id: str) -> None:
    from signedjson.key import generate_signing_key, write_signing_keys

    with open(path, "w", encoding="utf-8") as f:
        write_signing_keys(f, [generate_signing_key(key_id)])


# --------------------------------------------------------------------------- Synapse config

def default_ip_range_blocklist() -> list[str]:
    from synapse.config.server import DEFAULT_IP_RANGE_BLOCKLIST

    return [r for r in DEFAULT_IP_RANGE_BLOCKLIST if r not in ("127.0.0.0/8", "::1/128")]


def relaxed_rate(per_second: float = 1000, burst: int = 10000) -> dict[str, Any]:
    return {"per_second": per_second, "burst_count": burst}


def synapse_config(*, hs_dir: str, server_name: str, fed_port: int, client_port: int,
                   database: dict[str, Any], whitelist: list[str], secret: str,
                   rc_message: tuple[float, int] | None) -> dict[str, Any]:
    crt, key = ensure_cert()
    r = relaxed_rate()
    return {
        "server_name": server_name,
        "pid_file": os.path.join(hs_dir, "homeserver.pid"),
        "public_baseurl": f"http://127.0.0.1:{client_port}/",
        "listeners": [
            {"port": fed_port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": True,
             "x_forwarded": False, "resources": [{"names": ["federation"], "compress": False}]},
            {"port": client_port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
             "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}]},
        ],
        "tls_certificate_path": crt,
        "tls_private_key_path": key,
        "database": database,
        "log_config": os.path.join(hs_dir, "log.config"),
        "media_store_path": os.path.join(hs_dir, "media_store"),
        "signing_key_path": os.path.join(hs_dir, "signing.key"),
        "registration_shared_secret": secret,
        "macaroon_secret_key": hashlib.sha256((secret + server_name).encode()).hexdigest(),
        "form_secret": hashlib.sha256((server_name + secret).encode()).hexdigest(),
        "report_stats": False,
        "enable_registration": False,
        "bcrypt_rounds": 4,  # test passwords: hashing at the default 12 rounds costs ~0.25 s each
        "enable_metrics": False,
        "url_preview_enabled": False,
        "presence": {"enabled": False},  # no presence EDUs: federation traffic is only what tests send
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_verify_certificates": False,
        "ip_range_blacklist": default_ip_range_blocklist(),
        "federation_domain_whitelist": whitelist,
        "federation": {
            "client_timeout": "5s",
            "max_long_retries": 0,
            "max_short_retries": 0,
            "destination_min_retry_interval": "1s",
            "destination_retry_multiplier": 2,
            "destination_max_retry_interval": "1m",
        },
        "caches": {"sync_response_cache_duration": 0},
        "rc_message": (relaxed_rate(rc_message[0], rc_message[1]) if rc_message else r),
        "rc_registration": r,
        "rc_registration_token_validity": r,
        "rc_login": {"address": r, "account": r, "failed_attempts": r},
        "rc_joins": {"local": r, "remote": r},
        "rc_joins_per_room": r,
        "rc_invites": {"per_room": r, "per_user": r, "per_issuer": r},
        "rc_third_party_invite": r,
        "rc_3pid_validation": r,
        "rc_admin_redaction": r,
        "rc_media_create": r,
        "rc_presence": {"per_user": r},
        "rc_delayed_event_mgmt": r,
        "rc_room_creation": r,
        "rc_reports": r,
        "rc_user_directory": r,
        "rc_profile": r,
        "rc_key_requests": r,
        "rc_federation": {"window_size": 1000, "sleep_limit": 10000, "sleep_delay": 1,
                          "reject_limit": 100000, "concurrent": 100},
        "federation_rr_transactions_per_room_per_second": 1000,
    }


def log_config(log_path: str) -> dict[str, Any]:
    return {
        "version": 1,
        "formatters": {"precise": {"format": "%(asctime)s - %(name)s - %(lineno)d - "
                                              "%(levelname)s - %(request)s - %(message)s"}},
        "filters": {"context": {"()": "synapse.logging.context.LoggingContextFilter",
                                "request": ""}},
        "handlers": {"file": {"class": "logging.FileHandler", "formatter": "precise",
                              "filters": ["context"], "filename": log_path,
                              "encoding": "utf8"}},
        "loggers": {"synapse.storage.SQL": {"level": "WARNING"},
                    "twisted": {"level": "WARNING"}},
        "root": {"level": "INFO", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


def write_yaml(path: str, obj: Any) -> None:
    import yaml

    class NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    with open(path, "w", encoding="utf-8") as f:
        yaml.dump(obj, f, Dumper=NoAliases, sort_keys=False)


def synapse_argv(config_path: str) -> list[str]:
    return [PYTHON, "-m", "synapse.app.homeserver", "--config-path", config_path]


# --------------------------------------------------------------------------- PostgreSQL

def pg_bin(tool: str) -> str:
    env = os.environ.get("FEDBOT_LAB_PG_BIN")
    dirs = [env] if env else []
    dirs.append("/usr/lib/postgresql/15/bin")
    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        for v in sorted(os.listdir(base), key=lambda s: (len(s), s), reverse=True):
            dirs.append(os.path.join(base, v, "bin"))
    for d in dirs:
        p = os.path.join(d, tool)
        if os.access(p, os.X_OK):
            return p
    found = shutil.which(tool)
    if found:
        return found
    raise LabError(f"PostgreSQL's {tool} not found (apt-get install postgresql-15, or set FEDBOT_LAB_PG_BIN)")


def postgres_argv(data_dir: str, port: int) -> list[str]:
    return [pg_bin("postgres"), "-D", data_dir, "-p", str(port),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=60", "-c", "shared_buffers=64MB",
            "-c", "logging_collector=off", "-c", "log_min_messages=warning"]


def pg_dsn(port: int, db: str = "synapse") -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{db}"


def pg_connect(port: int, db: str = "synapse", timeout: float = 2.0) -> Any:
    import psycopg2

    return psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname=db,
                            connect_timeout=max(1, int(timeout)))


def wait_postgres(port: int, proc_ok: Callable[[], bool], timeout: float, log_path: str) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not proc_ok():
            raise LabError("PostgreSQL exited during start-up", log_tail=tail(log_path))
        try:
            conn = pg_connect(port, "postgres")
            conn.close()
            return
        except Exception as e:  # noqa: BLE001 - psycopg2.OperationalError while starting
            last = e
            time.sleep(0.05)
    raise LabError(f"PostgreSQL did not accept connections within {timeout:.0f}s: {last}",
                   log_tail=tail(log_path))


def ensure_traversable(path: str) -> None:
    """The postgres user must reach its data dir under `path`."""
    p = os.path.realpath(path)
    while True:
        st = os.stat(p)
        if not (st.st_mode & 0o001):
            if p == os.path.realpath(path):
                os.chmod(p, st.st_mode | 0o711)
            else:
                raise LabError(f"the postgres user cannot traverse {p} (needs o+x) to reach "
                               f"its data dir under {path}")
        parent = os.path.dirname(p)
        if parent == p:
            return
        p = parent


# --------------------------------------------------------------------------- HTTP

_NO_VERIFY = ssl.create_default_context()
_NO_VERIFY.check_hostname = False
_NO_VERIFY.verify_mode = ssl.CERT_NONE


def http(method: str, url: str, body: Any = None, token: str | None = None,
         timeout: float = 30.0) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    ctx = _NO_VERIFY if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as e:
        raw = e.read()
        status = e.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def http_ok(method: str, url: str, body: Any = None, token: str | None = None,
            what: str = "", timeout: float = 30.0) -> Any:
    """A request that must succeed; retries on 429 (honouring retry_after_ms) for up to 60 s."""
    deadline = time.monotonic() + 60
    while True:
        status, data = http(method, url, body, token, timeout)
        if status == 429 and time.monotonic() < deadline:
            wait_ms = (data or {}).get("retry_after_ms", 500) if isinstance(data, dict) else 500
            time.sleep(min(max(wait_ms, 50), 5000) / 1000)
            continue
        if 200 <= status < 300:
            return data
        raise LabError(f"{what or method + ' ' + url} failed: HTTP {status}", response=data)


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


# --------------------------------------------------------------------------- supervisor

def socket_name(lab_dir: str) -> str:
    h = hashlib.sha256(os.path.realpath(lab_dir).encode()).hexdigest()[:24]
    return f"\0fedbot-lab-{h}"


class Supervisor:
    """Parent of the lab's servers.  Lives in the `up --foreground` process or in a
    daemon started by `up`; see the module docstring."""

    STOP_SIGNALS = {"postgres": signal.SIGINT}  # PostgreSQL: SIGINT = fast shutdown

    def __init__(self, lab_dir: str, watch_pid: int | None) -> None:
        self.dir = lab_dir
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.starts: dict[str, int | None] = {}
        self.lock = threading.RLock()
        self.done = threading.Event()
        self.watch_pid = watch_pid
        self.watch_start = proc_start(watch_pid) if watch_pid else None
        self.server: socketserver.BaseServer | None = None

    # -- state file read by the CLI (`status`, `down` after a crash)
    def _write_pids(self) -> None:
        rec = {"supervisor": {"pid": os.getpid(), "start": proc_start(os.getpid())}}
        for name, p in self.children.items():
            rec[name] = {"pid": p.pid, "start": self.starts.get(name),
                         "returncode": p.poll()}
        with contextlib.suppress(OSError):
            atomic_write_json(os.path.join(self.dir, "pids.json"), rec)

    def listen(self) -> None:
        sup = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                try:
                    req = json.loads(self.rfile.readline() or b"{}")
                    resp = sup.handle(req)
                except Exception as e:  # noqa: BLE001 - reported to the client
                    resp = {"ok": False, "error": f"{type(e).__name__}: {e}"}
                with contextlib.suppress(OSError):
                    self.wfile.write((json.dumps(resp) + "\n").encode())

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        try:
            self.server = Server(socket_name(self.dir), Handler)
        except OSError as e:
            raise LabError(f"another supervisor already runs for {self.dir} ({e})") from e
        threading.Thread(target=self.server.serve_forever, name="control", daemon=True).start()
        threading.Thread(target=self._reaper, name="reaper", daemon=True).start()
        if self.watch_pid:
            threading.Thread(target=self._watch, name="watch", daemon=True).start()
        self._write_pids()

    def _reaper(self) -> None:
        known: dict[str, int | None] = {}
        while not self.done.is_set():
            with self.lock:
                changed = False
                for name, p in self.children.items():
                    rc = p.poll()
                    if known.get(name, "x") != rc:
                        known[name] = rc
                        changed = True
                if changed:
                    self._write_pids()
            time.sleep(0.2)

    def _watch(self) -> None:
        while not self.done.is_set():
            if not proc_alive(self.watch_pid, self.watch_start):
                log(f"watched pid {self.watch_pid} is gone: tearing the lab down")
                self.shutdown()
                return
            time.sleep(0.5)

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        op = req.get("op")
        if op == "ping":
            return {"ok": True, "pid": os.getpid()}
        if op == "spawn":
            return self.spawn(req["name"], req["argv"], req["log"], req.get("as_postgres", False),
                              req.get("cwd"))
        if op == "signal":
            return self.signal(req["name"], int(req["sig"]))
        if op == "stop":
            return self.stop(req["name"], float(req.get("timeout", 15)))
        if op == "status":
            with self.lock:
                return {"ok": True, "children": {
                    n: {"pid": p.pid, "returncode": p.poll(),
                        "state": proc_state(p.pid, self.starts.get(n))}
                    for n, p in self.children.items()}}
        if op == "shutdown":
            return self.shutdown()
        return {"ok": False, "error": f"unknown op {op!r}"}

    def spawn(self, name: str, argv: list[str], log_path: str, as_postgres: bool = False,
              cwd: str | None = None) -> dict[str, Any]:
        with self.lock:
            if self.done.is_set():
                return {"ok": False, "error": "lab is shutting down"}
            old = self.children.get(name)
            if old is not None and old.poll() is None:
                return {"ok": False, "error": f"{name} is already running (pid {old.pid})"}
            kwargs: dict[str, Any] = {}
            if as_postgres:
                ids = postgres_ids()
                if ids:
                    kwargs.update(user=ids[0], group=ids[1], extra_groups=[])
            with open(log_path, "ab") as logf:
                p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     close_fds=True, cwd=cwd or self.dir, **kwargs)
            self.children[name] = p
            self.starts[name] = proc_start(p.pid)
            self._write_pids()
            return {"ok": True, "pid": p.pid, "start": self.starts[name]}

    def signal(self, name: str, sig: int) -> dict[str, Any]:
        with self.lock:
            p = self.children.get(name)
            if p is None or p.poll() is not None:
                return {"ok": False, "error": f"{name} is not running"}
            kill_quietly(p.pid, sig)
            return {"ok": True, "pid": p.pid}

    def stop(self, name: str, timeout: float = 15) -> dict[str, Any]:
        with self.lock:
            p = self.children.get(name)
        if p is None or p.poll() is not None:
            return {"ok": True, "was_running": False}
        self._terminate([(name, p)], timeout)
        with self.lock:
            self._write_pids()
        return {"ok": True, "was_running": True, "returncode": p.returncode}

    def _terminate(self, procs: list[tuple[str, subprocess.Popen[bytes]]], timeout: float) -> None:
        for name, p in procs:
            if p.poll() is None:
                kill_quietly(p.pid, signal.SIGCONT)  # a paused process can't handle SIGTERM
                kill_quietly(p.pid, self.STOP_SIGNALS.get(name, signal.SIGTERM))
        deadline = time.monotonic() + timeout
        for name, p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} (pid {p.pid}) did not stop within {timeout:.0f}s: SIGKILL")
                kill_quietly(p.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(timeout=10)

    def shutdown(self) -> dict[str, Any]:
        with self.lock:
            if self.done.is_set():
                return {"ok": True, "stopped": []}
            items = list(self.children.items())
        stopped = [n for n, p in items if p.poll() is None]
        # Synapse first (both at once), then the database it was using.
        self._terminate([(n, p) for n, p in items if n != "postgres"], 20)
        self._terminate([(n, p) for n, p in items if n == "postgres"], 20)
        with self.lock:
            self._write_pids()
            self.done.set()
        return {"ok": True, "stopped": stopped}

    def serve_until_done(self) -> None:
        def on_signal(signum: int, _frame: Any) -> None:
            threading.Thread(target=self.shutdown, daemon=True).start()

        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, on_signal)
        while not self.done.wait(0.5):
            pass
        time.sleep(0.2)  # let the control thread answer the shutdown request
        if self.server is not None:
            with contextlib.suppress(Exception):
                self.server.server_close()


class SupClient:
    """Talks to the lab's supervisor: in-process (foreground `up`) or over its socket."""

    def __init__(self, lab_dir: str, local: Supervisor | None = None) -> None:
        self.dir = lab_dir
        self.local = local

    def call(self, op: str, timeout: float = 60.0, **kw: Any) -> dict[str, Any]:
        req = {"op": op, **kw}
        if self.local is not None:
            return self.local.handle(req)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(socket_name(self.dir))
            s.sendall((json.dumps(req) + "\n").encode())
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        finally:
            s.close()
        if not buf:
            raise LabError(f"supervisor closed the connection during {op}")
        return json.loads(buf)

    def reachable(self) -> bool:
        try:
            return bool(self.call("ping", timeout=2).get("ok"))
        except (OSError, LabError, ValueError):
            return False

    def must(self, op: str, timeout: float = 60.0, **kw: Any) -> dict[str, Any]:
        try:
            resp = self.call(op, timeout=timeout, **kw)
        except (OSError, ValueError) as e:
            raise LabError(f"the lab's supervisor is not reachable ({e}); is the lab up?") from e
        if not resp.get("ok"):
            raise LabError(f"supervisor {op} failed: {resp.get('error')}")
        return resp


def start_daemon_supervisor(lab_dir: str, watch_pid: int | None) -> SupClient:
    argv = [PYTHON, SCRIPT, "_supervise", "--dir", lab_dir]
    if watch_pid:
        argv += ["--watch-pid", str(watch_pid)]
    with open(os.path.join(lab_dir, "supervisor.log"), "ab") as logf:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                             start_new_session=True, close_fds=True)
    client = SupClient(lab_dir)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if client.reachable():
            return client
        if p.poll() is not None:
            break
        time.sleep(0.03)
    raise LabError("the lab supervisor did not start",
                   log_tail=tail(os.path.join(lab_dir, "supervisor.log")))


# --------------------------------------------------------------------------- templates

def template_dir(kind: str) -> str:
    return os.path.join(LAB_HOME, "templates", f"synapse-{SYNAPSE_VERSION}-t{TEMPLATE_FORMAT}", kind)


def _update_schema(work: str, database: dict[str, Any]) -> None:
    """Create Synapse's schema and run every background update (synapse's own
    update_synapse_database script), so a lab starting from a copy does no schema work."""
    hs_dir = os.path.join(work, "hs")
    os.makedirs(hs_dir, exist_ok=True)
    write_signing_key(os.path.join(hs_dir, "signing.key"), "tpl")
    name = "lab-template.invalid"
    cfg = synapse_config(hs_dir=hs_dir, server_name=name, fed_port=1, client_port=2,
                         database=database, whitelist=[name], secret="template", rc_message=None)
    write_yaml(os.path.join(hs_dir, "log.config"), log_config(os.path.join(hs_dir, "update.log")))
    cfg_path = os.path.join(hs_dir, "homeserver.yaml")
    write_yaml(cfg_path, cfg)
    out = os.path.join(work, "update.log")
    with open(out, "wb") as f:
        rc = subprocess.run([PYTHON, "-m", "synapse._scripts.update_synapse_database",
                             "--database-config", cfg_path, "--run-background-updates"],
                            stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                            timeout=600, check=False).returncode
    if rc != 0:
        raise LabError("creating the template database failed", log_tail=tail(out))


def ensure_sqlite_template() -> str:
    final = template_dir("sqlite")
    db = os.path.join(final, "homeserver.db")
    if os.path.exists(db):
        return db
    with file_lock("templates.lock"):
        if os.path.exists(db):
            return db
        t = time.monotonic()
        log("building the SQLite template database (once per Synapse version)")
        work = f"{final}.tmp-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        path = os.path.join(work, "homeserver.db")
        _update_schema(work, {"name": "sqlite3", "args": {"database": path}})
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        os.makedirs(final, exist_ok=True)
        os.replace(path, db + ".tmp")
        os.replace(db + ".tmp", db)
        shutil.rmtree(work, ignore_errors=True)
        log(f"SQLite template ready in {time.monotonic() - t:.1f}s")
    return db


def ensure_postgres_template() -> str:
    final = template_dir("postgres")
    data = os.path.join(final, "data")
    if os.path.exists(os.path.join(final, "READY")):
        return data
    with file_lock("templates.lock"):
        if os.path.exists(os.path.join(final, "READY")):
            return data
        t = time.monotonic()
        log("building the PostgreSQL template cluster (once per Synapse version)")
        ids = postgres_ids()
        shutil.rmtree(final, ignore_errors=True)
        work = f"{final}.tmp-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        ensure_traversable(work)
        wdata = os.path.join(work, "data")
        os.makedirs(wdata, mode=0o700)
        chown_tree(work, ids)
        kw: dict[str, Any] = {}
        if ids:
            kw = {"user": ids[0], "group": ids[1], "extra_groups": []}
        initlog = os.path.join(work, "initdb.log")
        with open(initlog, "wb") as f:
            rc = subprocess.run([pg_bin("initdb"), "-D", wdata, "-U", "postgres", "--auth=trust",
                                 "--locale=C", "--encoding=UTF8", "--no-sync"],
                                stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                cwd="/", timeout=300, check=False, **kw).returncode
        if rc != 0:
            raise LabError("initdb failed", log_tail=tail(initlog))
        port = reserve_ports(1, {"pid": os.getpid(), "start": proc_start(os.getpid()),
                                 "dir": work})[0]
        pglog = os.path.join(work, "postgres.log")
        with open(pglog, "ab") as f:
            pg = subprocess.Popen(postgres_argv(wdata, port), stdin=subprocess.DEVNULL, stdout=f,
                                  stderr=subprocess.STDOUT, cwd="/", start_new_session=True, **kw)
        try:
            wait_postgres(port, lambda: pg.poll() is None, 60, pglog)
            conn = pg_connect(port, "postgres")
            conn.autocommit = True
            conn.cursor().execute("CREATE DATABASE synapse ENCODING 'UTF8' LC_COLLATE 'C' "
                                  "LC_CTYPE 'C' TEMPLATE template0")
            conn.close()
            _update_schema(work, {"name": "psycopg2", "args": {
                "user": "postgres", "host": "127.0.0.1", "port": port, "dbname": "synapse",
                "cp_min": 1, "cp_max": 5}})
            conn = pg_connect(port)
            conn.autocommit = True
            conn.cursor().execute("VACUUM ANALYZE")
            conn.close()
        finally:
            pg.send_signal(signal.SIGINT)
            try:
                pg.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pg.kill()
                pg.wait(timeout=10)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.makedirs(final)
        os.replace(wdata, data)
        with open(os.path.join(final, "READY"), "w", encoding="utf-8") as f:
            f.write(f"synapse {SYNAPSE_VERSION}\n")
        shutil.rmtree(work, ignore_errors=True)
        log(f"PostgreSQL template ready in {time.monotonic() - t:.1f}s")
    return data


# --------------------------------------------------------------------------- lab database access

class LabDB:
    """A's database (SQLite file or the lab's PostgreSQL), for synthetic rows and `sql`."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.kind = info["db"]
        if self.kind == "postgres":
            self.conn = pg_connect(info["postgres"]["port"], timeout=5)
            self.ph = "%s"
        else:
            self.conn = sqlite3.connect(os.path.join(info["dir"], "a", "homeserver.db"), timeout=30)
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.ph = "?"

    def q(self, sql: str) -> str:
        return sql.replace("?", self.ph)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


def name_stem(prefix: str) -> str:
    """`synthetic` → `synthetic-`; a prefix that already ends in - . or _ is used as it is."""
    return prefix if prefix.endswith(("-", ".", "_")) else prefix + "-"


def synthetic_names(prefix: str, count: int) -> list[str]:
    width = max(6, len(str(count)))
    stem = name_stem(prefix)
    return [f"{stem}{i:0{width}d}.example" for i in range(1, count + 1)]


def failing_positions(count: int, failing: int) -> list[int]:
    """Indices (0-based) of the failing rows: spread evenly over the name order."""
    return [(j * count) // failing for j in range(failing)] if failing else []


def room_stream_orderings(db: LabDB, rooms: list[str]) -> list[tuple[str, int]]:
    cur = db.conn.cursor()
    out = []
    for room in rooms:
        cur.execute(db.q("SELECT MAX(stream_ordering) FROM events WHERE room_id = ?"), (room,))
        row = cur.fetchone()
        out.append((room, int(row[0]) if row and row[0] is not None else 1))
    return out


def insert_synthetic(info: dict[str, Any], count: int, failing: int, prefix: str,
                     rooms: list[str]) -> dict[str, Any]:
    if count < 0 or failing < 0 or failing > count:
        raise LabError("need 0 <= failing <= count")
    if not rooms:
        raise LabError("no rooms to attach synthetic destinations to")
    if count == 0:
        return {"count": 0, "failing": 0, "prefix": prefix, "rooms": rooms, "failing_names": []}
    names = synthetic_names(prefix, count)
    fail_idx = failing_positions(count, failing)
    fail_set = {i: j for j, i in enumerate(fail_idx)}
    now = int(time.time() * 1000)
    db = LabDB(info)
    try:
        so_rooms = room_stream_orderings(db, rooms)
        top = max(so for _, so in so_rooms)
        dest_rows = []
        for i, name in enumerate(names):
            j = fail_set.get(i)
            if j is None:
                # never failed: NULL retry fields, exactly like a real row; caught up.
                dest_rows.append((name, None, None, None, top))
            else:
                failure_ts = now - (j + 1) * 60_000          # j+1 minutes ago
                retry_last_ts = now - 30_000                   # last attempt 30 s ago
                retry_interval = min(600_000 * 2 ** (j % 8), 86_400_000)  # 10 min .. 24 h
                lsso = None if j % 4 == 3 else max(0, top - 1)  # some never worked
                dest_rows.append((name, retry_last_ts, retry_interval, failure_ts, lsso))
        room_rows = [(name, room, so) for name in names for room, so in so_rooms]
        cur = db.conn.cursor()
        stem = name_stem(prefix)
        pattern = stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cur.execute(db.q("SELECT COUNT(*) FROM destinations WHERE destination LIKE ? ESCAPE '\\'"),
                    (pattern,))
        existing = cur.fetchone()[0]
        if existing:
            raise LabError(f"{existing} destinations named {stem}… exist already: "
                           "use another --prefix")
        if db.kind == "postgres":
            from psycopg2.extras import execute_values

            execute_values(cur, "INSERT INTO destinations (destination, retry_last_ts, "
                                "retry_interval, failure_ts, last_successful_stream_ordering) "
                                "VALUES %s", dest_rows, page_size=5000)
            execute_values(cur, "INSERT INTO destination_rooms (destination, room_id, "
                                "stream_ordering) VALUES %s", room_rows, page_size=5000)
        else:
            cur.executemany("INSERT INTO destinations (destination, retry_last_ts, retry_interval, "
                            "failure_ts, last_successful_stream_ordering) VALUES (?,?,?,?,?)",
                            dest_rows)
            cur.executemany("INSERT INTO destination_rooms (destination, room_id, stream_ordering) "
                            "VALUES (?,?,?)", room_rows)
        db.conn.commit()
    finally:
        db.close()
    failing_names = [names[i] for i in fail_idx]
    return {"count": count, "failing": failing, "prefix": prefix, "rooms": rooms,
            "first": names[0], "last": names[-1],
            "failing_names": failing_names if failing <= 100 else failing_names[:100]}


# --------------------------------------------------------------------------- lab files

class Lab:
    def __init__(self, lab_dir: str) -> None:
        self.dir = os.path.realpath(lab_dir)
        self.json_path = os.path.join(self.dir, "lab.json")

    def info(self) -> dict[str, Any]:
        info = read_json(self.json_path)
        if not isinstance(info, dict):
            raise LabError(f"no lab in {self.dir} (no lab.json): run `up` first")
        return info

    def save(self, info: dict[str, Any]) -> None:
        atomic_write_json(self.json_path, info)

    def pids(self) -> dict[str, Any]:
        return read_json(os.path.join(self.dir, "pids.json")) or {}

    def sup(self) -> SupClient:
        return SupClient(self.dir)


def hs_paths(lab_dir: str, which: str) -> dict[str, str]:
    d = os.path.join(lab_dir, which)
    return {"dir": d, "config": os.path.join(d, "homeserver.yaml"),
            "log": os.path.join(d, "homeserver.log"), "console": os.path.join(d, "console.log")}


def wait_synapse(client_url: str, fed_port: int, proc_ok: Callable[[], bool], timeout: float,
                 paths: dict[str, str]) -> None:
    deadline = time.monotonic() + timeout
    urls = [f"{client_url}/health", f"https://127.0.0.1:{fed_port}/health"]
    while urls:
        if not proc_ok():
            raise LabError(f"Synapse ({paths['dir']}) exited during start-up",
                           console_tail=tail(paths["console"]), log_tail=tail(paths["log"]))
        if time.monotonic() > deadline:
            raise LabError(f"Synapse ({paths['dir']}) did not answer {urls[0]} within {timeout:.0f}s",
                           log_tail=tail(paths["log"]))
        try:
            status, _ = http("GET", urls[0], timeout=2)
            if status == 200:
                urls.pop(0)
                continue
        except (OSError, ssl.SSLError):
            pass
        time.sleep(0.03)


def child_alive(sup: SupClient, name: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            st = sup.call("status", timeout=5).get("children", {}).get(name)
        except (OSError, LabError, ValueError):
            return False
        return bool(st) and st.get("returncode") is None
    return check


def start_server(sup: SupClient, lab_dir: str, which: str) -> int:
    paths = hs_paths(lab_dir, which)
    resp = sup.must("spawn", name=which, argv=synapse_argv(paths["config"]), log=paths["console"],
                    cwd=paths["dir"])
    return int(resp["pid"])


def register_user(base: str, secret: str, user: str, password: str, admin: bool) -> None:
    url = f"{base}/_synapse/admin/v1/register"
    nonce = http_ok("GET", url, what="register nonce")["nonce"]
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    for part in (nonce, user, password):
        mac.update(part.encode())
        mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    http_ok("POST", url, {"nonce": nonce, "username": user, "password": password,
                          "admin": admin, "mac": mac.hexdigest()}, what=f"register {user}")


def login(base: str, user: str, password: str, device_id: str) -> dict[str, Any]:
    return http_ok("POST", f"{base}/_matrix/client/v3/login", {
        "type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
        "password": password, "device_id": device_id,
        "initial_device_display_name": f"fedbot lab ({user})"}, what=f"login {user}")


def send_text(base: str, token: str, room: str, body: str) -> str:
    txn = uuid.uuid4().hex
    url = (f"{base}/_matrix/client/v3/rooms/{urllib.parse.quote(room, safe='')}"
           f"/send/m.room.message/{txn}")
    return http_ok("PUT", url, {"msgtype": "m.text", "body": body}, token,
                   what="send message")["event_id"]


def destination_url(info: dict[str, Any], dest: str) -> str:
    return (f"{info['a']['client_url']}/_synapse/admin/v1/federation/destinations/"
            f"{urllib.parse.quote(dest, safe='')}")


def get_destination(info: dict[str, Any], dest: str) -> tuple[int, Any]:
    return http("GET", destination_url(info, dest), token=info["users"]["admin"]["access_token"],
                timeout=10)


def create_room(info: dict[str, Any], body: dict[str, Any]) -> str:
    return http_ok("POST", f"{info['a']['client_url']}/_matrix/client/v3/createRoom", body,
                   info["users"]["admin"]["access_token"], what="createRoom")["room_id"]


def ensure_rooms(info: dict[str, Any], k: int) -> list[str]:
    """The first k lab rooms for synthetic destination_rooms rows: the shared room, then
    real local rooms created on A (so the admin room-details API knows them)."""
    rooms: list[str] = list(info.get("rooms") or [info["shared_room_id"]])
    while len(rooms) < k:
        n = len(rooms) + 1
        rooms.append(create_room(info, {"name": f"fedbot lab room {n}", "preset": "private_chat",
                                        "room_alias_name": f"lab-room-{n}",
                                        "topic": "synthetic destinations' room"}))
    info["rooms"] = rooms
    return rooms[:k]


# --------------------------------------------------------------------------- commands

def parse_rc(value: str | None) -> tuple[float, int] | None:
    if not value:
        return None
    try:
        ps, burst = value.split(":")
        return float(ps), int(burst)
    except ValueError as e:
        raise LabError(f"--rc-message wants PER_SECOND:BURST (e.g. 0.5:2), got {value!r}") from e


def cmd_up(args: argparse.Namespace) -> int:
    global _LOG_FILE
    t_start = time.monotonic()
    timings: dict[str, float] = {}

    def mark(name: str, since: float) -> float:
        now = time.monotonic()
        timings[name] = round(now - since, 3)
        return now

    lab = Lab(args.dir)
    os.makedirs(lab.dir, exist_ok=True)
    _LOG_FILE = os.path.join(lab.dir, "lab.log")
    if args.synthetic_failing > args.synthetic:
        raise LabError("--synthetic-failing can't exceed --synthetic")
    rc_message = parse_rc(args.rc_message)
    if lab.sup().reachable():
        raise LabError(f"a lab is already running in {lab.dir}: run `down` first")
    down_quietly(lab)  # leftovers of a crashed lab in this dir
    for sub in ("a", "b", "pg", "lab.json", "pids.json", "lab.log", "supervisor.log"):
        p = os.path.join(lab.dir, sub)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
    db_kind = args.db
    t = time.monotonic()

    # supervisor first: it owns the port reservations and every process
    local: Supervisor | None = None
    if args.foreground:
        local = Supervisor(lab.dir, args.watch_pid)
        local.listen()
        sup = SupClient(lab.dir, local)
        sup_pid = os.getpid()
    else:
        sup = start_daemon_supervisor(lab.dir, args.watch_pid)
        sup_pid = int(sup.must("ping")["pid"])
    t = mark("supervisor", t)

    try:
        info = _up(lab, sup, sup_pid, db_kind, args, rc_message, timings, t)
    except BaseException:
        with contextlib.suppress(Exception):
            sup.call("shutdown", timeout=60)
        raise
    timings["total"] = round(time.monotonic() - t_start, 3)
    info["timings"] = timings
    lab.save(info)
    log(f"lab up in {timings['total']:.2f}s: A {info['a']['server_name']} "
        f"({info['a']['client_url']}), B {info['b']['server_name']}")
    emit(info)
    if local is not None:
        # Become the lab's supervisor: the caller reads the JSON, then owns this process.
        logf = os.open(os.path.join(lab.dir, "supervisor.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        null = os.open(os.devnull, os.O_RDONLY)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(null, 0)
        os.dup2(logf, 1)
        os.dup2(logf, 2)
        local.serve_until_done()
    return 0


def _up(lab: Lab, sup: SupClient, sup_pid: int, db_kind: str, args: argparse.Namespace,
        rc_message: tuple[float, int] | None, timings: dict[str, float], t: float) -> dict[str, Any]:
    def mark(name: str, since: float) -> float:
        now = time.monotonic()
        timings[name] = round(now - since, 3)
        return now

    owner = {"pid": sup_pid, "start": proc_start(sup_pid), "dir": lab.dir}
    ports = reserve_ports(5 if db_kind == "postgres" else 4, owner)
    a_fed, a_cli, b_fed, b_cli = ports[:4]
    t = mark("ports", t)
    ensure_cert()
    sqlite_tpl = ensure_sqlite_template()
    pg_tpl = ensure_postgres_template() if db_kind == "postgres" else None
    t = mark("templates", t)

    a_name, b_name = f"127.0.0.1:{a_fed}", f"127.0.0.1:{b_fed}"
    secret = "lab-" + uuid.uuid4().hex
    pg_info: dict[str, Any] | None = None
    if db_kind == "postgres":
        assert pg_tpl is not None
        pg_port = ports[4]
        pg_dir = os.path.join(lab.dir, "pg")
        data = os.path.join(pg_dir, "data")
        ensure_traversable(lab.dir)
        os.makedirs(pg_dir)
        subprocess.run(["cp", "-a", pg_tpl, data], check=True)
        ids = postgres_ids()
        chown_tree(pg_dir, ids)
        pglog = os.path.join(pg_dir, "postgres.log")
        sup.must("spawn", name="postgres", argv=postgres_argv(data, pg_port), log=pglog,
                 as_postgres=True, cwd="/")
        wait_postgres(pg_port, child_alive(sup, "postgres"), 60, pglog)
        pg_info = {"port": pg_port, "dsn": pg_dsn(pg_port)}
        t = mark("postgres", t)

    for which, name, fed, cli in (("a", a_name, a_fed, a_cli), ("b", b_name, b_fed, b_cli)):
        paths = hs_paths(lab.dir, which)
        os.makedirs(paths["dir"])
        os.makedirs(os.path.join(paths["dir"], "media_store"))
        write_signing_key(os.path.join(paths["dir"], "signing.key"), f"lab_{which}")
        if which == "a" and pg_info is not None:
            database = {"name": "psycopg2", "args": {
                "user": "postgres", "host": "127.0.0.1", "port": pg_info["port"],
                "dbname": "synapse", "cp_min": 1, "cp_max": 10}}
        else:
            dbfile = os.path.join(paths["dir"], "homeserver.db")
            shutil.copyfile(sqlite_tpl, dbfile)
            database = {"name": "sqlite3", "args": {"database": dbfile}}
        write_yaml(os.path.join(paths["dir"], "log.config"), log_config(paths["log"]))
        write_yaml(paths["config"], synapse_config(
            hs_dir=paths["dir"], server_name=name, fed_port=fed, client_port=cli,
            database=database, whitelist=[a_name, b_name], secret=secret,
            rc_message=rc_message if which == "a" else None))
    t = mark("configs", t)

    a_url, b_url = f"http://127.0.0.1:{a_cli}", f"http://127.0.0.1:{b_cli}"
    pid_a = start_server(sup, lab.dir, "a")
    pid_b = start_server(sup, lab.dir, "b")
    wait_synapse(a_url, a_fed, child_alive(sup, "a"), 90, hs_paths(lab.dir, "a"))
    wait_synapse(b_url, b_fed, child_alive(sup, "b"), 90, hs_paths(lab.dir, "b"))
    t = mark("start_servers", t)

    users: dict[str, Any] = {}
    for base, table in ((a_url, USERS_A), (b_url, USERS_B)):
        for user, admin in table.items():
            password = f"{user}-lab-password"
            register_user(base, secret, user, password, admin)
            r = login(base, user, password, DEVICE_IDS[user])
            users[user] = {"user_id": r["user_id"], "access_token": r["access_token"],
                           "device_id": r["device_id"], "password": password}
    t = mark("users", t)

    info: dict[str, Any] = {
        "dir": lab.dir, "db": db_kind,
        "a": {"server_name": a_name, "client_url": a_url, "federation_port": a_fed, "pid": pid_a},
        "b": {"server_name": b_name, "client_url": b_url, "federation_port": b_fed, "pid": pid_b},
        "users": users, "shared_room_id": "", "postgres": pg_info,
        "registration_shared_secret": secret,
    }
    admin_token = users["admin"]["access_token"]
    room = create_room(info, {"name": "fedbot lab shared room", "preset": "private_chat",
                              "room_alias_name": "lab-shared", "invite": [users["bob"]["user_id"]],
                              "topic": "shared between A and B"})
    info["shared_room_id"] = room
    info["rooms"] = [room]
    q = urllib.parse.urlencode({"server_name": a_name, "via": a_name})
    http_ok("POST", f"{b_url}/_matrix/client/v3/join/{urllib.parse.quote(room, safe='')}?{q}", {},
            users["bob"]["access_token"], what="bob joins the shared room")
    t = mark("room", t)

    # A creates its destinations row for B only when it sends B something.
    send_text(a_url, admin_token, room, "fedbot lab: hello B")
    deadline = time.monotonic() + 30
    while True:
        status, body = get_destination(info, b_name)
        if status == 200 and isinstance(body, dict) and body.get("last_successful_stream_ordering"):
            break
        if time.monotonic() > deadline:
            raise LabError(f"A never recorded a successful send to B ({status}: {body})",
                           log_tail=tail(hs_paths(lab.dir, "a")["log"]))
        time.sleep(0.05)
    t = mark("destination", t)

    rooms = ensure_rooms(info, max(1, args.synthetic_rooms))
    if args.synthetic:
        info["synthetic"] = insert_synthetic(info, args.synthetic, args.synthetic_failing,
                                             "synthetic", rooms)
    else:
        info["synthetic"] = None
    mark("synthetic", t)
    info["supervisor"] = {"pid": sup_pid, "foreground": bool(args.foreground),
                          "watch_pid": args.watch_pid}
    info["synapse_version"] = SYNAPSE_VERSION
    return info


def down_quietly(lab: Lab) -> list[str]:
    """Stop whatever a lab dir's pids.json lists, checking each pid's start time so a
    recycled pid is never touched.  Used when the supervisor is gone (crash)."""
    stopped = []
    rec = lab.pids()
    items = [(n, r) for n, r in rec.items() if n != "supervisor" and isinstance(r, dict)]
    items.sort(key=lambda nr: nr[0] == "postgres")  # Synapse first
    for name, r in items:
        pid, start = r.get("pid"), r.get("start")
        if proc_alive(pid, start):
            kill_quietly(pid, signal.SIGCONT)
            kill_quietly(pid, signal.SIGINT if name == "postgres" else signal.SIGTERM)
            if not wait_gone(pid, start, 20):
                kill_quietly(pid, signal.SIGKILL)
                wait_gone(pid, start, 10)
            stopped.append(name)
    s = rec.get("supervisor") or {}
    if proc_alive(s.get("pid"), s.get("start")) and s.get("pid") != os.getpid():
        kill_quietly(s["pid"], signal.SIGTERM)
        if not wait_gone(s["pid"], s.get("start"), 30):
            kill_quietly(s["pid"], signal.SIGKILL)
            wait_gone(s["pid"], s.get("start"), 10)
        stopped.append("supervisor")
    return stopped


def cmd_down(args: argparse.Namespace) -> int:
    lab = Lab(args.dir)
    stopped: list[str] = []
    if os.path.isdir(lab.dir):
        sup = lab.sup()
        rec = lab.pids().get("supervisor") or {}
        if sup.reachable():
            with contextlib.suppress(OSError, LabError, ValueError):
                stopped = list(sup.call("shutdown", timeout=90).get("stopped", []))
            # wait for the supervisor itself (its socket closes when it exits)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and (sup.reachable() or
                                                   proc_alive(rec.get("pid"), rec.get("start"))):
                time.sleep(0.05)
        stopped += [n for n in down_quietly(lab) if n not in stopped]
    purged = False
    if args.purge and os.path.isdir(lab.dir):
        shutil.rmtree(lab.dir)
        purged = True
    emit({"down": True, "dir": lab.dir, "stopped": stopped, "purged": purged})
    return 0


def process_report(lab: Lab) -> dict[str, Any]:
    rec = lab.pids()
    out = {}
    for name, r in rec.items():
        if isinstance(r, dict):
            out[name] = {"pid": r.get("pid"), "state": proc_state(r.get("pid"), r.get("start"))}
    return out


def cmd_status(args: argparse.Namespace) -> int:
    lab = Lab(args.dir)
    info = read_json(lab.json_path)
    emit({"lab": info, "processes": process_report(lab), "supervisor_reachable": lab.sup().reachable()})
    return 0


def cmd_stop_b(args: argparse.Namespace) -> int:
    lab = Lab(args.dir)
    lab.info()
    t = time.monotonic()
    resp = lab.sup().must("stop", name="b", timeout=30)
    emit({"b": "stopped", "was_running": resp.get("was_running"),
          "elapsed_s": round(time.monotonic() - t, 3)})
    return 0


def cmd_start_b(args: argparse.Namespace) -> int:
    lab = Lab(args.dir)
    info = lab.info()
    sup = lab.sup()
    t = time.monotonic()
    st = sup.must("status")["children"].get("b") or {}
    if st.get("returncode") is None and st.get("state") in ("running", "paused"):
        raise LabError("B is running already (use resume-b for a paused B)")
    pid = start_server(sup, lab.dir, "b")
    wait_synapse(info["b"]["client_url"], info["b"]["federation_port"], child_alive(sup, "b"), 90,
                 hs_paths(lab.dir, "b"))
    info["b"]["pid"] = pid
    lab.save(info)
    emit({"b": "running", "pid": pid, "elapsed_s": round(time.monotonic() - t, 3)})
    return 0


def cmd_signal_b(args: argparse.Namespace, sig: int, state: str) -> int:
    lab = Lab(args.dir)
    lab.info()
    resp = lab.sup().must("signal", name="b", sig=int(sig))
    emit({"b": state, "pid": resp.get("pid")})
    return 0


def cmd_traffic(args: argparse.Namespace) -> int:
    info = Lab(args.dir).info()
    admin = info["users"]["admin"]
    ids = [send_text(info["a"]["client_url"], admin["access_token"], info["shared_room_id"],
                     f"fedbot lab traffic {i + 1}/{args.count}") for i in range(args.count)]
    emit({"sent": len(ids), "room_id": info["shared_room_id"], "event_ids": ids})
    return 0


def cmd_wait(args: argparse.Namespace, want_failing: bool) -> int:
    info = Lab(args.dir).info()
    dest = info["b"]["server_name"]
    t = time.monotonic()
    deadline = t + args.timeout
    next_nudge = t
    last: Any = None
    while True:
        now = time.monotonic()
        if args.nudge and now >= next_nudge:
            with contextlib.suppress(LabError, OSError):
                send_text(info["a"]["client_url"], info["users"]["admin"]["access_token"],
                          info["shared_room_id"], "fedbot lab nudge")
            next_nudge = now + 1.0
        status, body = get_destination(info, dest)
        last = {"status": status, "body": body}
        if status == 200 and isinstance(body, dict):
            failing = body.get("failure_ts") is not None
            if failing == want_failing:
                emit({"destination": dest, "failing": failing,
                      "elapsed_s": round(time.monotonic() - t, 3), "row": body})
                return 0
        if time.monotonic() > deadline:
            raise LabError(f"timed out after {args.timeout}s waiting for {dest} to be "
                           f"{'failing' if want_failing else 'healthy'}", last=last)
        time.sleep(0.05)


def cmd_insert(args: argparse.Namespace) -> int:
    lab = Lab(args.dir)
    info = lab.info()
    rooms = ensure_rooms(info, max(1, args.rooms))
    lab.save(info)
    t = time.monotonic()
    res = insert_synthetic(info, args.count, args.failing, args.prefix, rooms)
    res["elapsed_s"] = round(time.monotonic() - t, 3)
    emit(res)
    return 0


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    return str(v)


def cmd_sql(args: argparse.Namespace) -> int:
    info = Lab(args.dir).info()
    db = LabDB(info)
    try:
        cur = db.conn.cursor()
        cur.execute(args.statement)
        cols = [d[0] for d in cur.description] if cur.description else []
        rows = [dict(zip(cols, (_jsonable(v) for v in r))) for r in cur.fetchall()] if cols else []
        rowcount = cur.rowcount
        db.conn.commit()
    finally:
        db.close()
    emit({"columns": cols, "rows": rows, "rowcount": rowcount})
    return 0


def cmd_supervise(args: argparse.Namespace) -> int:
    global _LOG_FILE
    lab_dir = os.path.realpath(args.dir)
    _LOG_FILE = os.path.join(lab_dir, "lab.log")
    sup = Supervisor(lab_dir, args.watch_pid)
    sup.listen()
    log(f"supervisor {os.getpid()} for {lab_dir} (watching {args.watch_pid or 'nothing'})")
    sup.serve_until_done()
    log("supervisor exits")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    t = time.monotonic()
    ensure_cert()
    ensure_sqlite_template()
    if args.db == "postgres" or args.all:
        ensure_postgres_template()
    emit({"prepared": True, "synapse_version": SYNAPSE_VERSION,
          "elapsed_s": round(time.monotonic() - t, 3)})
    return 0


# --------------------------------------------------------------------------- main

def reset_signals() -> None:
    """Undo what a parent may have left us: blocked or ignored signals are inherited across
    exec (a test runner's Foundation.Process spawns us with SIGTERM blocked, for one), and
    Synapse and PostgreSQL would then never see the SIGTERM/SIGINT that stops them."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                signal.SIGUSR2, signal.SIGCHLD):
        with contextlib.suppress(OSError, ValueError):
            if signal.getsignal(sig) == signal.SIG_IGN:
                signal.signal(sig, signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    reset_signals()
    ap = argparse.ArgumentParser(prog="scripts/lab", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--dir", required=True, help="the lab's directory (created if missing)")
        return p

    p = add("up", "start homeservers A and B (and PostgreSQL), users, the shared room")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite", help="A's database")
    p.add_argument("--synthetic", type=int, default=0, metavar="N",
                   help="insert N synthetic destinations into A (synthetic-000001.example …)")
    p.add_argument("--synthetic-failing", type=int, default=0, metavar="M",
                   help="M of them failing (spread evenly over the name order)")
    p.add_argument("--synthetic-rooms", type=int, default=1, metavar="K",
                   help="destination_rooms rows per synthetic destination (default 1)")
    p.add_argument("--rc-message", metavar="PER_SECOND:BURST",
                   help="rc_message for A (default: relaxed)")
    p.add_argument("--watch-pid", type=int, metavar="PID",
                   help="tear the whole lab down when PID exits")
    p.add_argument("--foreground", action="store_true",
                   help="after printing the JSON, stay running as the lab's supervisor "
                        "(stdout/stderr are then closed); the caller reaps this process")
    p.set_defaults(func=cmd_up)

    p = add("down", "stop everything of this lab; idempotent, works after a crash")
    p.add_argument("--purge", action="store_true", help="also remove the lab directory")
    p.set_defaults(func=cmd_down)

    add("status", "lab.json and which processes are alive").set_defaults(func=cmd_status)
    add("stop-b", "stop B (SIGTERM, wait)").set_defaults(func=cmd_stop_b)
    add("start-b", "start B again with the same config and data; wait until it answers"
        ).set_defaults(func=cmd_start_b)
    add("pause-b", "SIGSTOP B (a hung peer)").set_defaults(
        func=lambda a: cmd_signal_b(a, signal.SIGSTOP, "paused"))
    add("resume-b", "SIGCONT B").set_defaults(
        func=lambda a: cmd_signal_b(a, signal.SIGCONT, "running"))

    p = add("traffic", "admin sends N messages in the shared room, so A sends to B now")
    p.add_argument("--count", type=int, default=1)
    p.set_defaults(func=cmd_traffic)

    for name, want in (("wait-failing", True), ("wait-healthy", False)):
        p = add(name, f"poll A's admin API until B's failure_ts is "
                      f"{'non-null' if want else 'null'}")
        p.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
        p.add_argument("--nudge", action="store_true",
                       help="send one message per second while waiting (A only notices a dead "
                            "or recovered peer when it has something to send)")
        p.set_defaults(func=lambda a, w=want: cmd_wait(a, w))

    p = add("insert-destinations",
            "insert more synthetic destinations into A's database while it runs.  Only for "
            "names Synapse has never looked up (a new --prefix): Synapse caches the rows it "
            "has read, and a row changed under it reads stale in show/reset_connection")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--failing", type=int, default=0)
    p.add_argument("--prefix", default="extra", help="names are PREFIX-000001.example … (default extra; a PREFIX ending "
                        "in - . or _ gets no extra dash)")
    p.add_argument("--rooms", type=int, default=1, help="destination_rooms rows per destination")
    p.set_defaults(func=cmd_insert)

    p = add("sql", "run one SQL statement against A's database and print the rows as JSON "
                   "(a test escape hatch: Synapse caches some rows, see insert-destinations)")
    p.add_argument("statement")
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("prepare", help="build the shared certificate and template databases now")
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--all", action="store_true", help="both templates")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("_supervise")  # no help: not listed
    p.add_argument("--dir", required=True)
    p.add_argument("--watch-pid", type=int)
    p.set_defaults(func=cmd_supervise)

    args = ap.parse_args(argv)
    global _LOG_FILE
    if getattr(args, "dir", None) and args.cmd not in ("up", "down") and os.path.isdir(args.dir):
        _LOG_FILE = os.path.join(os.path.realpath(args.dir), "lab.log")
    try:
        rc = int(args.func(args) or 0)
        if args.cmd not in ("up", "_supervise"):
            log(f"{args.cmd} done in {time.monotonic() - _T0:.2f}s")
        return rc
    except LabError as e:
        log(f"error: {e}")
        for k, v in e.detail.items():
            if isinstance(v, str) and v:
                log(f"{k}:\n{v}")
        emit({"error": str(e), **{k: v for k, v in e.detail.items()}})
        return 1
    except KeyboardInterrupt:
        emit({"error": "interrupted"})
        return 130
    except Exception as e:  # noqa: BLE001 - every failure is reported as JSON
        import traceback

        log(f"error: {type(e).__name__}: {e}\n{traceback.format_exc()}")
        emit({"error": f"{type(e).__name__}: {e}"})
        return 1


if __name__ == "__main__":
    sys.exit(main())
