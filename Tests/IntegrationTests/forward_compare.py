#!/usr/bin/python3
"""Asks an upstream server and in.dns forwarding to it the same questions and prints, per
question, `same NAME TYPE` or `differs NAME TYPE` with both answers: RCODE, the answer,
authority and additional sections (DNSSEC records when DO is set) must match, each TTL at most
the upstream's and at most CACHE_SECONDS less (an answer from in.dns's cache counts down; the
upstream here always says the zone's TTLs); in.dns's reply must have RA set, not AA, and EDNS
exactly when the question had it.

usage: forward_compare.py UPSTREAM PORT SERVER PORT [NAME TYPE EDNS|PLAIN|DO]...
"""
import sys

import dns.flags
import dns.message
import dns.query
import dns.rdatatype


def ask(address, port, name, rdtype, kind, tcp=False):
    if kind == "PLAIN":
        query = dns.message.make_query(name, rdtype, use_edns=False)
    else:
        query = dns.message.make_query(name, rdtype, use_edns=0, payload=1232, want_dnssec=(kind == "DO"))
    ask = dns.query.tcp if tcp else dns.query.udp
    return ask(query, address, port=port, timeout=3)


CACHE_SECONDS = 5


def sections(message):
    """Each section's RRsets as (owner, class, type, records), TTLs aside, and the TTLs."""
    shapes, ttls = [], {}
    for number, section in enumerate((message.answer, message.authority, message.additional)):
        shape = []
        for rrset in section:
            key = (number, rrset.name.to_text(), rrset.rdclass, rrset.rdtype, rrset.covers)
            shape.append((key, sorted(rdata.to_text() for rdata in rrset)))
            ttls[key] = rrset.ttl
        shapes.append(sorted(shape))
    return shapes, ttls


def main():
    upstream, upstream_port, server, server_port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    questions = sys.argv[5:]
    failures = 0
    for index in range(0, len(questions), 3):
        name, rdtype, kind = questions[index:index + 3]
        expected = ask(upstream, upstream_port, name, rdtype, kind)
        for tcp in (False, True):
            got = ask(server, server_port, name, rdtype, kind, tcp)
            problems = []
            if got.rcode() != expected.rcode():
                problems.append("rcode %s, upstream %s" % (got.rcode(), expected.rcode()))
            (got_shape, got_ttls), (expected_shape, expected_ttls) = sections(got), sections(expected)
            if got_shape != expected_shape:
                problems.append("records differ")
            elif any(not expected_ttls[key] - CACHE_SECONDS <= ttl <= expected_ttls[key] for key, ttl in got_ttls.items()):
                problems.append("TTLs differ")
            if not got.flags & dns.flags.RA:
                problems.append("no RA")
            if got.flags & dns.flags.AA:
                problems.append("AA set")
            if (got.edns >= 0) != (kind != "PLAIN"):
                problems.append("EDNS %d for a %s question" % (got.edns, kind))
            if kind == "DO" and not got.ednsflags & dns.flags.DO:
                problems.append("DO not echoed")
            label = "%s %s %s %s" % (name, rdtype, kind, "tcp" if tcp else "udp")
            if problems:
                failures += 1
                print("differs", label, "; ".join(problems))
                print("  upstream:", expected.to_text().replace("\n", "\n    "))
                print("  in.dns:", got.to_text().replace("\n", "\n    "))
            else:
                print("same", label, len(got.answer), "answer rrsets")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
