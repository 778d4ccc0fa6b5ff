"""The small internet's case table: per case the zone records, the listeners, and the verdict
`!fed check` must reach (docs/LAB.md lists it; /work/notes/diag-contract.md is the contract).

Every case gets addresses of its own in the lab's /24, so the listeners of one case never
answer for another.  Unless a case is about them, a name's :443 answers 404 with a valid
certificate (no delegation; Synapse falls back to SRV and port 8448) and its federation port
has a valid certificate, /version Synapse 1.140.0 and keys signed by the lab's signing key.
"""

from __future__ import annotations

from fedbotlab.netplan import FED_PORT, Listener, Plan, Response, json_response

__all__ = ["GREEN", "Listener"]

GREEN = "answers federation"


def _support(name: str) -> Response:
    return json_response(
        {
            "contacts": [
                {"matrix_id": f"@admin:{name}", "email_address": f"admin@{name}",
                 "role": "m.role.admin"},
                {"email_address": f"security@{name}", "role": "m.role.security"},
            ],
            "support_page": f"https://{name}/support",
        }
    )  # fmt: skip


def certificates(p: Plan) -> None:
    g = "certificates"
    name = p.name("good")
    a = p.host(name)
    p.site(a, name, support=_support(name))
    p.fed(a, FED_PORT, (name,), name)
    p.case(
        g,
        name,
        "green",
        None,
        GREEN,
        "A record, valid certificate, /version Synapse 1.140.0, valid keys, support contacts",
    )
    for label, verdict, says, about in (
        ("expired", "red", "expired", "certificate expired 3 days ago"),
        ("not-yet-valid", "red", "not yet valid", "certificate valid from 30 days from now"),
        ("wrong-name", "red", "not valid for", "certificate for someone-else.lab.test only"),
        ("self-signed", "red", "self-signed", "self-signed certificate (not from the lab CA)"),
        ("expires-soon", "yellow", "expires in", "certificate expires in 5 days (and 12 hours)"),
    ):
        p.simple(label, cert=label)
        p.case(g, p.name(label), verdict, "certificate", says, f"federation on 8448: {about}")


def well_known(p: Plan) -> None:
    g = "well-known"
    for label, port, hop in (("wk", 8449, False), ("wk-redirect", 8450, True)):
        name, target = p.name(label), p.name(f"{label}-target")
        a = p.host(name)
        body = json_response({"m.server": f"{target}:{port}"})
        if hop:
            hop_name = p.name(f"{label}-hop")
            p.site(p.host(hop_name), hop_name, server=body)
            body = Response(302, b"", "text/plain", f"https://{hop_name}/.well-known/matrix/server")
        p.site(a, name, server=body)
        p.fed(p.host(target), port, (target,), name)
        via = f" via a 302 redirect to https://{hop_name}" if hop else ""
        p.case(
            g,
            name,
            "green",
            None,
            GREEN,
            f"well-known{via} delegates to {target}:{port} (A record, certificate for {target})",
        )
    name = p.name("wk-ip")
    target = p.address()
    p.site(p.host(name), name, server=json_response({"m.server": f"{target}:8451"}))
    p.fed(target, 8451, (target,), name)
    p.case(
        g,
        name,
        "green",
        None,
        GREEN,
        f"well-known delegates to the IP literal {target}:8451 (certificate for that IP)",
    )
    name, deleg, host = p.name("wk-srv"), p.name("wk-srv-deleg"), p.name("wk-srv-host")
    p.site(p.host(name), name, server=json_response({"m.server": deleg}))
    p.record(f"_matrix-fed._tcp.{deleg}", "SRV", f"10 5 8452 {host}")
    p.fed(p.host(host), 8452, (deleg,), name)
    p.case(
        g,
        name,
        "green",
        None,
        GREEN,
        f"well-known delegates to {deleg} (no port), whose _matrix-fed._tcp SRV points "
        f"to {host}:8452; certificate for {deleg}",
    )
    _well_known_broken(p)


def _well_known_broken(p: Plan) -> None:
    g = "well-known"
    name = p.name("wk-badjson")
    a = p.host(name)
    p.site(a, name, server=Response(200, b'{"m.server": "wk-badjson.lab.test:8448"'))
    p.fed(a, FED_PORT, (name,), name)
    p.case(
        g,
        name,
        "yellow",
        "well-known",
        "well-known",
        "well-known is not JSON (cut short); the fallback to the A record on 8448 works",
    )
    name = p.name("wk-loop")
    a = p.host(name)
    p.site(
        a,
        name,
        server=Response(302, b"", "text/plain", f"https://{name}/.well-known/matrix/server"),
    )
    p.fed(a, FED_PORT, (name,), name)
    p.case(
        g,
        name,
        "yellow",
        "well-known",
        "well-known",
        "well-known redirects to itself forever; the fallback to 8448 works",
    )
    p.simple("wk-404")
    p.case(
        g,
        p.name("wk-404"),
        "green",
        None,
        GREEN,
        "well-known answers 404: fallback to the A record on 8448; no support file either",
    )


def srv(p: Plan) -> None:
    g = "srv"
    name, host = p.name("srv"), p.name("srv-host")
    p.site(p.host(name), name)
    p.record(f"_matrix-fed._tcp.{name}", "SRV", f"10 5 8453 {host}")
    p.fed(p.host(host), 8453, (name,), name)
    p.case(
        g,
        name,
        "green",
        None,
        GREEN,
        f"no well-known; _matrix-fed._tcp SRV to {host}:8453; certificate for {name}",
    )
    name, host = p.name("srv-legacy"), p.name("srv-legacy-host")
    p.site(p.host(name), name)
    p.record(f"_matrix._tcp.{name}", "SRV", f"10 5 8454 {host}")
    p.fed(p.host(host), 8454, (name,), name)
    p.case(
        g,
        name,
        "yellow",
        "srv",
        "_matrix._tcp",
        f"only the deprecated _matrix._tcp SRV record (to {host}:8454)",
    )
    name, alias, host = p.name("srv-cname"), p.name("srv-cname-alias"), p.name("srv-cname-host")
    p.site(p.host(name), name)
    p.record(f"_matrix-fed._tcp.{name}", "SRV", f"10 5 8455 {alias}")
    p.record(alias, "CNAME", host)
    p.fed(p.host(host), 8455, (name,), name)
    p.case(
        g,
        name,
        "green",
        None,
        GREEN,
        f"_matrix-fed._tcp SRV target {alias} is a CNAME to {host} (RFC 2782 forbids it; "
        "Synapse's resolver follows it, so it works)",
    )


def keys(p: Plan, b_server: str | None) -> None:
    g = "keys"
    if b_server:
        p.case(
            g,
            b_server,
            "green",
            None,
            GREEN,
            "homeserver B itself: IP literal with port, certificate from the lab CA for "
            "IP:127.0.0.1, its real /version and keys",
        )
    for label, variant, says, about in (
        ("keys-tampered", "tampered", "signature", "one bit of the Ed25519 signature flipped"),
        ("keys-expired", "expired", "expired", "valid_until_ts is a day in the past"),
        (
            "keys-wrong-name",
            "wrong-name",
            "server_name",
            "server_name (and signature) of someone-else.lab.test",
        ),
    ):
        p.simple(label, keys=variant)
        p.case(g, p.name(label), "red", "keys", says, f"/_matrix/key/v2/server: {about}")


def support(p: Plan) -> None:
    g = "support"
    for label, body, about in (
        ("support-absent", None, "no /.well-known/matrix/support (404): 'publishes no contact'"),
        ("support-badjson", Response(200, b"{contacts: nope"), "support file is not JSON"),
    ):
        name = p.name(label)
        a = p.host(name)
        if body is None:
            p.site(a, name)
        else:
            p.site(a, name, support=body)
        p.fed(a, FED_PORT, (name,), name)
        p.case(g, name, "green", None, GREEN, f"works; {about} (never changes the verdict)")
