#!/usr/bin/env python3
"""bench/dns/flood.py PORT NAME [SECONDS]: one source floods 127.0.0.1:PORT with ANY queries
for NAME (EDNS0, payload 4096: what an amplification attack sends), as fast as it can for
SECONDS (default 3), reading replies as they come and for 1 s after.

Prints `queries Q bytes-in I replies R bytes-out O truncated T ratio O/I`: bytes are UDP
payloads, "in" what the server was sent, "out" what it sent back.
"""
import socket
import struct
import sys
import time


def query(name, ident):
    header = struct.pack(">HHHHHH", ident, 0, 1, 0, 0, 1)
    labels = b"".join(bytes([len(label)]) + label.encode() for label in name.split("."))
    opt = b"\0" + struct.pack(">HHIH", 41, 4096, 0, 0)
    return header + labels + b"\0" + struct.pack(">HH", 255, 1) + opt


def main(port, name, seconds):
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    client.setblocking(False)
    target = ("127.0.0.1", port)
    sent = sent_bytes = replies = reply_bytes = truncated = 0

    def drain():
        nonlocal replies, reply_bytes, truncated
        while True:
            try:
                data = client.recv(65535)
            except BlockingIOError:
                return
            replies += 1
            reply_bytes += len(data)
            if len(data) > 2 and data[2] & 0x02:
                truncated += 1

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(50):
            message = query(name, sent & 0xFFFF)
            try:
                client.sendto(message, target)
            except BlockingIOError:
                break
            sent += 1
            sent_bytes += len(message)
        drain()
    settle = time.monotonic() + 1
    while time.monotonic() < settle:
        drain()
        time.sleep(0.01)
    ratio = reply_bytes / sent_bytes if sent_bytes else 0
    print(f"queries {sent} bytes-in {sent_bytes} replies {replies} bytes-out {reply_bytes} "
          f"truncated {truncated} ratio {ratio:.2f}")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) if len(sys.argv) == 4 else 3.0)
