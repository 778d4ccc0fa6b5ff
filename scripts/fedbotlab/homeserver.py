"""A Synapse homeserver of the lab: its config (homeserver.yaml, log config) and start-up."""

from __future__ import annotations

import hashlib
import os
import ssl
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from fedbotlab.common import PYTHON, Json, LabError, tail
from fedbotlab.control import SupClient
from fedbotlab.keys import ensure_cert, write_signing_key
from fedbotlab.matrix import http


class Homeserver(NamedTuple):
    """What differs between the lab's homeservers (and the template builder's)."""

    dir: str
    server_name: str
    fed_port: int
    client_port: int
    database: Json
    whitelist: list[str]
    secret: str
    rc_message: tuple[float, int] | None = None
    # encryption_enabled_by_default_for_room_type (all, invite, off); None leaves it unset.
    encryption_by_default: str | None = None


class Shared(NamedTuple):
    """What every homeserver on this machine shares: the certificate, the IP blocklist."""

    tls_certificate: str
    tls_private_key: str
    ip_range_blocklist: list[str]

    @staticmethod
    def load() -> Shared:
        crt, key = ensure_cert()
        return Shared(crt, key, default_ip_range_blocklist())


def hs_paths(lab_dir: str, which: str) -> dict[str, str]:
    d = os.path.join(lab_dir, which)
    return {
        "dir": d,
        "config": os.path.join(d, "homeserver.yaml"),
        "log": os.path.join(d, "homeserver.log"),
        "console": os.path.join(d, "console.log"),
    }


def default_ip_range_blocklist() -> list[str]:
    """Synapse's own blocklist without loopback: the lab federates over 127.0.0.1."""
    from synapse.config.server import DEFAULT_IP_RANGE_BLOCKLIST

    return [str(r) for r in DEFAULT_IP_RANGE_BLOCKLIST if r not in ("127.0.0.0/8", "::1/128")]


def relaxed_rate(per_second: float = 1000, burst: int = 10000) -> Json:
    return {"per_second": per_second, "burst_count": burst}


def _listener(port: int, tls: bool, resource: str) -> Json:
    return {
        "port": port,
        "bind_addresses": ["127.0.0.1"],
        "type": "http",
        "tls": tls,
        "x_forwarded": False,
        "resources": [{"names": [resource], "compress": False}],
    }


def _federation() -> Json:
    """Fail fast and retry soon: a test sees a dead peer in seconds, a recovered one in one."""
    return {
        "client_timeout": "5s",
        "max_long_retries": 0,
        "max_short_retries": 0,
        "destination_min_retry_interval": "1s",
        "destination_retry_multiplier": 2,
        "destination_max_retry_interval": "1m",
    }


def rate_limits(rc_message: tuple[float, int] | None) -> Json:
    """Every rc_* relaxed (1000/s, burst 10000); rc_message as given, if given."""
    r = relaxed_rate()
    return {
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
        "rc_federation": {
            "window_size": 1000,
            "sleep_limit": 10000,
            "sleep_delay": 1,
            "reject_limit": 100000,
            "concurrent": 100,
        },
        "federation_rr_transactions_per_room_per_second": 1000,
    }


def synapse_config(hs: Homeserver, shared: Shared) -> Json:
    """homeserver.yaml for `hs` (docs/LAB.md lists why each setting is there)."""
    name, secret = hs.server_name, hs.secret
    return {
        "server_name": name,
        "pid_file": os.path.join(hs.dir, "homeserver.pid"),
        "public_baseurl": f"http://127.0.0.1:{hs.client_port}/",
        "listeners": [
            _listener(hs.fed_port, True, "federation"),
            _listener(hs.client_port, False, "client"),
        ],
        "tls_certificate_path": shared.tls_certificate,
        "tls_private_key_path": shared.tls_private_key,
        "database": hs.database,
        "log_config": os.path.join(hs.dir, "log.config"),
        "media_store_path": os.path.join(hs.dir, "media_store"),
        "signing_key_path": os.path.join(hs.dir, "signing.key"),
        "registration_shared_secret": secret,
        "macaroon_secret_key": hashlib.sha256((secret + name).encode()).hexdigest(),
        "form_secret": hashlib.sha256((name + secret).encode()).hexdigest(),
        "report_stats": False,
        "enable_registration": False,
        "bcrypt_rounds": 4,  # test passwords: hashing at the default 12 rounds costs ~0.25 s each
        "enable_metrics": False,
        "url_preview_enabled": False,
        "presence": {"enabled": False},  # no presence EDUs: federation traffic is what tests send
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_verify_certificates": False,
        "ip_range_blacklist": shared.ip_range_blocklist,
        "federation_domain_whitelist": hs.whitelist,
        "federation": _federation(),
        "caches": {"sync_response_cache_duration": 0},
        **rate_limits(hs.rc_message),
        **(
            {"encryption_enabled_by_default_for_room_type": hs.encryption_by_default}
            if hs.encryption_by_default
            else {}
        ),
    }


def log_config(log_path: str) -> Json:
    return {
        "version": 1,
        "formatters": {
            "precise": {
                "format": "%(asctime)s - %(name)s - %(lineno)d - "
                "%(levelname)s - %(request)s - %(message)s"
            }
        },
        "filters": {
            "context": {"()": "synapse.logging.context.LoggingContextFilter", "request": ""}
        },
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "formatter": "precise",
                "filters": ["context"],
                "filename": log_path,
                "encoding": "utf8",
            }
        },
        "loggers": {"synapse.storage.SQL": {"level": "WARNING"}, "twisted": {"level": "WARNING"}},
        "root": {"level": "INFO", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


def write_yaml(path: str, obj: Any) -> None:
    import yaml

    class NoAliases(yaml.SafeDumper):  # type: ignore[misc]  # yaml has no type information here
        def ignore_aliases(self, data: Any) -> bool:
            return True

    with open(path, "w", encoding="utf-8") as f:
        yaml.dump(obj, f, Dumper=NoAliases, sort_keys=False)


def write_homeserver(hs: Homeserver, shared: Shared, key_id: str, log_path: str) -> str:
    """Signing key, log config and homeserver.yaml in hs.dir; the config's path."""
    write_signing_key(os.path.join(hs.dir, "signing.key"), key_id)
    write_yaml(os.path.join(hs.dir, "log.config"), log_config(log_path))
    path = os.path.join(hs.dir, "homeserver.yaml")
    write_yaml(path, synapse_config(hs, shared))
    return path


def synapse_argv(config_path: str) -> list[str]:
    return [PYTHON, "-m", "synapse.app.homeserver", "--config-path", config_path]


def wait_synapse(
    client_url: str,
    fed_port: int,
    proc_ok: Callable[[], bool],
    timeout: float,
    paths: dict[str, str],
) -> None:
    """Until both listeners answer /health; fails early when the process exits."""
    deadline = time.monotonic() + timeout
    urls = [f"{client_url}/health", f"https://127.0.0.1:{fed_port}/health"]
    while urls:
        if not proc_ok():
            raise LabError(
                f"Synapse ({paths['dir']}) exited during start-up",
                console_tail=tail(paths["console"]),
                log_tail=tail(paths["log"]),
            )
        if time.monotonic() > deadline:
            raise LabError(
                f"Synapse ({paths['dir']}) did not answer {urls[0]} within {timeout:.0f}s",
                log_tail=tail(paths["log"]),
            )
        try:
            status, _ = http("GET", urls[0], timeout=2)
            if status == 200:
                urls.pop(0)
                continue
        except (OSError, ssl.SSLError):
            pass
        time.sleep(0.03)


def start_server(sup: SupClient, lab_dir: str, which: str) -> int:
    """Has the supervisor spawn homeserver `which` ("a" or "b"); its pid."""
    paths = hs_paths(lab_dir, which)
    argv = synapse_argv(paths["config"])
    resp = sup.must("spawn", name=which, argv=argv, log=paths["console"], cwd=paths["dir"])
    return int(resp["pid"])
