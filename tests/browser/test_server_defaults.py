"""`streamlit run app.py` with the shipped config (issue 12, finding 3): it listens on loopback only, and the
websocket refuses a Host header outside ``server.allowedHosts`` (a DNS-rebinding page). A real server, no
browser needed for the handshake, but it lives with the other real-server tests."""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening_addresses(port: int) -> set[str]:
    """The local addresses (hex, as the kernel lists them) that listen on ``port``."""
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            addr, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                out.add(addr)
    return out


def _handshake(port: int, host: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/_stcore/stream", headers={
        "Host": host, "Origin": f"http://{host}", "Connection": "Upgrade", "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    status = conn.getresponse().status
    conn.close()
    return status


def test_shipped_config_listens_on_loopback_and_checks_the_host(data_dir):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                            cwd=ROOT, env={**os.environ, "TRIALKIT_READ_ONLY": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/_stcore/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("streamlit did not start")
        listening = _listening_addresses(port)
        assert listening == {"0100007F"}, listening  # 127.0.0.1 only (no 0.0.0.0, no IPv6 any)
        assert _handshake(port, f"127.0.0.1:{port}") == 101
        assert _handshake(port, f"localhost:{port}") == 101
        assert _handshake(port, f"rebound.example:{port}") == 403
    finally:
        proc.terminate()
        proc.wait(30)
