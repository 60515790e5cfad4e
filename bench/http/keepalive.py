#!/usr/bin/env python3
"""keepalive.py PORT TARGET [COUNT]: COUNT (default 5) GETs of TARGET, one after another on one
connection to 127.0.0.1:PORT (HTTP/1.1, keep-alive); prints the mean milliseconds per request
from the second on, or "closed" when the server does not keep the connection. The first request
is left out: a new connection's delayed ACKs are quick, so a server that writes a response in
two pieces without TCP_NODELAY stalls ~40 ms (Nagle against the client's delayed ACK) only
from the second request on."""
import socket
import sys
import time

port, target = int(sys.argv[1]), sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 5
host = target.split("/")[2] if target.startswith("http://") else "127.0.0.1"
request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
sock = socket.create_connection(("127.0.0.1", port), timeout=5)
times = []
pending = b""
for _ in range(count):
    start = time.monotonic()
    sock.sendall(request)
    buf = pending
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            print("closed")
            sys.exit(0)
        buf += data
    head, body = buf.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        data = sock.recv(65536)
        if not data:
            print("closed")
            sys.exit(0)
        body += data
    pending = body[length:]
    times.append(time.monotonic() - start)
    if b"connection: close" in head.lower():
        print("closed")
        sys.exit(0)
print(f"{sum(times[1:]) * 1000 / (len(times) - 1):.1f}")
