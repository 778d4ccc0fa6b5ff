"""The lab's DNS server: one zone (dnswire.Zone) over UDP and TCP on one loopback port."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import struct
import threading

from fedbotlab.dnswire import Zone

TCP_IDLE_S = 10.0


class DnsServer:
    """Binds UDP and TCP host:port at construction (OSError when taken); serves in daemon
    threads after start()."""

    def __init__(self, zone: Zone, host: str, port: int) -> None:
        self.zone = zone
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.udp.bind((host, port))
            self.tcp = _TcpServer((host, port), zone)
        except OSError:
            self.udp.close()
            raise
        self.address = f"{host}:{port}"

    def start(self) -> None:
        threading.Thread(target=self._udp_loop, name="dns-udp", daemon=True).start()
        threading.Thread(target=self.tcp.serve_forever, name="dns-tcp", daemon=True).start()

    def _udp_loop(self) -> None:
        while True:
            try:
                msg, peer = self.udp.recvfrom(4096)
            except OSError:
                return  # closed
            answer = self.zone.respond(msg, udp=True)
            if answer is not None:
                with contextlib.suppress(OSError):
                    self.udp.sendto(answer, peer)

    def close(self) -> None:
        self.udp.close()
        self.tcp.server_close()


class _TcpHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        zone: Zone = getattr(self.server, "zone")  # noqa: B009 - set by _TcpServer
        sock: socket.socket = self.request
        sock.settimeout(TCP_IDLE_S)
        with contextlib.suppress(OSError):
            while True:  # several queries per connection, each with a 2-byte length
                size = _read(sock, 2)
                if size is None:
                    return
                msg = _read(sock, struct.unpack("!H", size)[0])
                if msg is None:
                    return
                answer = zone.respond(msg, udp=False)
                if answer is None:
                    return
                sock.sendall(struct.pack("!H", len(answer)) + answer)


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], zone: Zone) -> None:
        self.zone = zone
        super().__init__(address, _TcpHandler)


def _read(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf
