#!/usr/bin/env python3
"""bench/dns/data.py DIR HOSTS QUERIES: the benchmark's data, the same for every server.

Host i (0-based) is `host{i}.home` at 10.S.T.U with U = i % 250 + 1 and (S - 1) * 256 + T =
i // 250, so the names and addresses never depend on anything but HOSTS. Writes into DIR:
  hosts              /etc/hosts format: slugctl import hosts, dnsmasq --addn-hosts
  in.dns.conf        the original's `name. address` format: in.dns -f
  home.zone          nsd: the home. zone (SOA, NS, one A per host)
  10.in-addr.arpa.zone  nsd: one PTR per host
  queries            dnsperf input: QUERIES lines, 60% A hits, 20% PTR hits, 20% misses
                     (unknown names in home.), shuffled with a fixed seed
  checks             NAME ADDRESS MISS: one host the dig checks ask for, and a name not in the data
"""
import os
import random
import sys

TTL = 60
SEED = 1035


def address(i):
    block, last = divmod(i, 250)
    second, third = divmod(block, 256)
    return (10, second + 1, third, last + 1)


def dotted(octets):
    return ".".join(str(o) for o in octets)


def reverse_name(octets):
    return ".".join(str(o) for o in reversed(octets)) + ".in-addr.arpa"


def write(directory, name, lines):
    with open(os.path.join(directory, name), "w") as out:
        out.writelines(line + "\n" for line in lines)


def soa(origin):
    return [
        f"$ORIGIN {origin}.",
        f"$TTL {TTL}",
        f"@ IN SOA ns.home. hostmaster.home. 1 3600 600 86400 {TTL}",
        "@ IN NS ns.home.",
    ]


def main(directory, hosts, queries):
    if hosts < 1 or hosts > 250 * 256 * 254:
        sys.exit(f"data.py: HOSTS must be 1..{250 * 256 * 254}")
    addresses = [address(i) for i in range(hosts)]
    write(directory, "hosts", (f"{dotted(a)}\thost{i}.home" for i, a in enumerate(addresses)))
    write(directory, "in.dns.conf", (f"host{i}.home. {dotted(a)}" for i, a in enumerate(addresses)))
    write(directory, "home.zone",
          soa("home") + ["ns IN A 127.0.0.1"]
          + [f"host{i} IN A {dotted(a)}" for i, a in enumerate(addresses)])
    write(directory, "10.in-addr.arpa.zone",
          soa("10.in-addr.arpa")
          + [f"{reverse_name(a)}. IN PTR host{i}.home." for i, a in enumerate(addresses)])

    rng = random.Random(SEED)
    a_hits = queries * 60 // 100
    ptr_hits = queries * 20 // 100
    misses = queries - a_hits - ptr_hits
    lines = [f"host{rng.randrange(hosts)}.home A" for _ in range(a_hits)]
    lines += [f"{reverse_name(addresses[rng.randrange(hosts)])} PTR" for _ in range(ptr_hits)]
    lines += [f"nohost{rng.randrange(1_000_000)}.home A" for _ in range(misses)]
    rng.shuffle(lines)
    write(directory, "queries", lines)

    probe = hosts // 2
    write(directory, "checks", [f"host{probe}.home {dotted(addresses[probe])} nohost{hosts}.home"])


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: data.py DIR HOSTS QUERIES")
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
