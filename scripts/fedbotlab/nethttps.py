"""The small internet's listeners: HTTPS endpoints (one TLS context each) and blackholes."""

from __future__ import annotations

import contextlib
import http.server
import socket
import socketserver
import ssl
import threading
from typing import Any

from fedbotlab.common import log
from fedbotlab.netplan import NOT_FOUND, Listener, Response

IO_TIMEOUT_S = 10.0


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fedbotlab-internet"

    def do_GET(self) -> None:
        routes: dict[str, Response] = getattr(self.server, "routes")  # noqa: B009
        resp = routes.get(self.path.split("?", 1)[0], NOT_FOUND)
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        if resp.location:
            self.send_header("Location", resp.location)
        self.end_headers()
        self.wfile.write(resp.body)

    def log_message(self, format: str, *args: Any) -> None:
        where = getattr(self.server, "where", "?")
        log(f"https {where} Host {self.headers.get('Host', '-')}: {format % args}")


class HttpsEndpoint(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """Binds at construction (OSError when the address is taken); the TLS handshake happens
    in the request's thread, so a client that stalls it holds up nobody else."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: str, port: int, ctx: ssl.SSLContext, routes: dict[str, Response]):
        self.address_family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.ctx, self.routes, self.where = ctx, routes, f"{address}:{port}"
        super().__init__((address, port), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(IO_TIMEOUT_S)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return  # a client that gave up or rejected our certificate
        try:
            _Handler(tls, client_address, self)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away is no news

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, name="https", daemon=True).start()


class Blackhole:
    """Listens, never accepts: the kernel completes TCP handshakes and nothing ever answers."""

    def __init__(self, address: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.sock.bind((address, port))
            self.sock.listen(128)
        except OSError:
            self.sock.close()
            raise

    def start(self) -> None:
        pass

    def server_close(self) -> None:
        self.sock.close()


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


def bind(listener: Listener, ctx: ssl.SSLContext | None, routes: dict[str, Response]) -> Any:
    """The bound server for listener (HttpsEndpoint or Blackhole)."""
    if listener.blackhole or ctx is None:
        return Blackhole(listener.address, listener.port)
    return HttpsEndpoint(listener.address, listener.port, ctx, routes)
