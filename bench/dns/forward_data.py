#!/usr/bin/env python3
"""bench/dns/forward_data.py DIR NAMES: the forwarding benchmark's data (bench/dns/forward).

The upstream's zone, forward.test., served by nsd on loopback: NAMES names n{i}.forward.test,
each with one A; every 4th also an AAAA, every 10th a TXT, every 20th an MX; a CNAME chain
(alias.forward.test -> chain.forward.test -> n1.forward.test); a wildcard under
miss.forward.test, so that any name there exists and a new one is never in a cache. TTLs and
the SOA minimum are a day: nothing expires while the benchmark runs. Writes into DIR:
  forward.test.zone  nsd's zone file
  queries            dnsperf input, NAMES lines, each a distinct question (a cache warmed with one pass
                     answers every line from then on): 60% A, 15% AAAA (every other one NODATA),
                     10% TXT, 5% MX, 10% names that do not exist (NXDOMAIN); shuffled with a
                     fixed seed
"""
import os
import random
import sys

TTL = 86400
SEED = 5452


def main():
    directory, names = sys.argv[1], int(sys.argv[2])
    zone = [
        "$ORIGIN forward.test.",
        f"$TTL {TTL}",
        f"@ IN SOA ns.forward.test. hostmaster.forward.test. 1 3600 600 86400 {TTL}",
        "@ IN NS ns",
        "ns IN A 10.99.0.53",
        "alias IN CNAME chain",
        "chain IN CNAME n1",
        "*.miss IN A 10.99.0.1",
    ]
    for i in range(names):
        zone.append(f"n{i} IN A 10.{1 + i // 65536}.{i // 256 % 256}.{i % 256}")
        if i % 4 == 0:
            zone.append(f"n{i} IN AAAA fd00::{i:x}")
        if i % 10 == 0:
            zone.append(f'n{i} IN TXT "v=spf1 -all n{i}"')
        if i % 20 == 0:
            zone.append(f"n{i} IN MX 10 mail.n{i}")
    with open(os.path.join(directory, "forward.test.zone"), "w") as out:
        out.writelines(line + "\n" for line in zone)

    rng = random.Random(SEED)
    questions = set()
    total = names
    while len(questions) < total:
        kind = rng.random()
        i = rng.randrange(names)
        if kind < 0.60:
            questions.add(f"n{i}.forward.test A")
        elif kind < 0.75:
            questions.add(f"n{i}.forward.test AAAA")  # NODATA unless i % 4 == 0
        elif kind < 0.85:
            questions.add(f"n{i - i % 10}.forward.test TXT")
        elif kind < 0.90:
            questions.add(f"n{i - i % 20}.forward.test MX")
        else:
            questions.add(f"x{rng.randrange(names * 4)}.forward.test A")
    lines = sorted(questions)
    rng.shuffle(lines)
    with open(os.path.join(directory, "queries"), "w") as out:
        out.writelines(line + "\n" for line in lines)


if __name__ == "__main__":
    main()
