#!/usr/bin/env python3
"""bench/dns/probe.py NAME PROGRAM [ARG...]: does PROGRAM answer one A query for NAME the way
inetd runs it (`dgram wait`: fd 0, 1 and 2 are the bound UDP socket, empty environment)?

Prints `answered RCODE` and exits 0 if a reply came back within 2 s, else prints
`no answer (exit N)` / `no answer (killed by signal N)` / `no answer (still running)` and
exits 1. The program is stopped by PID whatever happens.
"""
import os
import socket
import struct
import subprocess
import sys


def query(name):
    header = struct.pack(">HHHHHH", 0x5155, 0, 1, 0, 0, 0)
    labels = b"".join(bytes([len(label)]) + label.encode() for label in name.split("."))
    return header + labels + b"\0" + struct.pack(">HH", 1, 1)


def main(name, argv):
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.settimeout(2)
    client.sendto(query(name), server.getsockname())
    child = subprocess.Popen(argv, stdin=server, stdout=server, stderr=server, env={},
                             close_fds=True)
    server.close()
    try:
        reply, _ = client.recvfrom(4096)
    except socket.timeout:
        reply = None
    try:
        status = child.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        status = None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if reply is not None and len(reply) >= 4 and reply[:2] == b"\x51\x55":
        print(f"answered rcode {reply[3] & 0x0F}")
        return 0
    if status is None:
        print("no answer (still running)")
    elif status < 0:
        print(f"no answer (killed by signal {-status})")
    else:
        print(f"no answer (exit {status})")
    return 1


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: probe.py NAME PROGRAM [ARG...]")
    sys.exit(main(sys.argv[1], sys.argv[2:]))
