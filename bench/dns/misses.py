#!/usr/bin/env python3
"""bench/dns/misses.py UPSTREAM_PORT COUNT TAG SERVER:PORT...: what a cache miss adds.

COUNT rounds, one question at a time from one client on 127.0.0.1: each round asks the
upstream itself for a new name under miss.forward.test (its wildcard answers every one), then
each SERVER in turn for a new name of its own, so no answer can come from a cache and every
server sees the same moment's load. TAG keeps names of two runs apart. Prints one line per
server: `NAME median_us p90_us added_median_us lost`, then `upstream median_us p90_us`; the
added latency is the server's median less the upstream's. A reply must carry the question's
ID and an answer; a missing one (1 s) counts as lost and not in the figures.
"""
import os
import socket
import struct
import sys
import time


def query(ident, name):
    header = struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0)  # RD set, as a stub sends
    labels = b"".join(bytes([len(label)]) + label.encode() for label in name.split("."))
    return header + labels + b"\0" + struct.pack(">HH", 1, 1)


def ask(sock, name):
    """Microseconds to a NOERROR reply with one answer or more, or None."""
    ident = int.from_bytes(os.urandom(2), "big")
    packet = query(ident, name)
    start = time.perf_counter_ns()
    sock.send(packet)
    while True:
        try:
            reply = sock.recv(4096)
        except socket.timeout:
            return None
        if len(reply) >= 12 and struct.unpack(">H", reply[:2])[0] == ident:
            break
    elapsed = (time.perf_counter_ns() - start) / 1000
    flags, _, answers = struct.unpack(">HHH", reply[2:8])
    return elapsed if flags & 0x000F == 0 and answers > 0 else None


def connected(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(1)
    sock.connect(("127.0.0.1", port))
    return sock


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


def main():
    upstream_port, count, tag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    servers = [(spec.rsplit(":", 1)[0], int(spec.rsplit(":", 1)[1])) for spec in sys.argv[4:]]
    upstream = connected(upstream_port)
    sockets = {name: connected(port) for name, port in servers}
    times = {name: [] for name, _ in servers}
    lost = {name: 0 for name, _ in servers}
    direct = []
    for i in range(count):
        elapsed = ask(upstream, f"u{i}-{tag}.miss.forward.test")
        if elapsed is not None:
            direct.append(elapsed)
        for index, (name, _) in enumerate(servers):
            elapsed = ask(sockets[name], f"s{index}-{i}-{tag}.miss.forward.test")
            if elapsed is None:
                lost[name] += 1
            else:
                times[name].append(elapsed)
    base = percentile(direct, 0.5)
    for name, _ in servers:
        median = percentile(times[name], 0.5)
        print(f"{name} {median:.0f} {percentile(times[name], 0.9):.0f} {median - base:.0f} {lost[name]}")
    print(f"upstream {base:.0f} {percentile(direct, 0.9):.0f}")


if __name__ == "__main__":
    main()
