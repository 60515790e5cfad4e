#!/usr/bin/python3
"""Upstream DNS servers that misbehave on purpose, for in.dns's forwarding tests.

usage: fake_upstream.py MODE ADDRESS PORT

  silent      receives every query and never answers (a dead or very slow server)
  truncating  over UDP answers with TC set and no records; over TCP answers in full
  forging     before the true answer sends one with another ID and one from another port,
              both with the attacker's address
  noedns      a server from before EDNS: FORMERR without an OPT to a query with one, the
              answer to a query without
  slow        answers each query 0.6 s after it came (a far or busy server), inside the 1 s
              in.dns gives a server, without holding up the queries after it

Every name is answered with A 192.0.2.7 (the forged answers: 203.0.113.66), TTL 300; the
truncating server's TCP answer carries 40 addresses, 192.0.2.1 .. 192.0.2.40.
"""
import socket
import sys
import threading
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rrset

TRUE_ADDRESS = "192.0.2.7"
FORGED_ADDRESS = "203.0.113.66"


def answer(query, addresses, ttl=300):
    response = dns.message.make_response(query)
    name = query.question[0].name
    response.answer.append(dns.rrset.from_text_list(name, ttl, "IN", "A", addresses))
    return response


def serve_tcp(address, port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(16)
    while True:
        connection, _ = listener.accept()
        with connection:
            length = int.from_bytes(connection.recv(2), "big")
            data = b""
            while len(data) < length:
                chunk = connection.recv(length - len(data))
                if not chunk:
                    break
                data += chunk
            query = dns.message.from_wire(data)
            wire = answer(query, ["192.0.2.%d" % n for n in range(1, 41)]).to_wire()
            connection.sendall(len(wire).to_bytes(2, "big") + wire)


def main():
    mode, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind((address, port))
    if mode == "truncating":
        threading.Thread(target=serve_tcp, args=(address, port), daemon=True).start()
    other_port = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other_port.bind((address, 0))
    print("ready", flush=True)
    while True:
        data, client = server.recvfrom(65535)
        query = dns.message.from_wire(data)
        if mode == "silent":
            continue
        if mode == "slow":
            reply = answer(query, [TRUE_ADDRESS]).to_wire()
            threading.Timer(0.6, server.sendto, args=(reply, client)).start()
            continue
        if mode == "truncating":
            response = dns.message.make_response(query)
            response.flags |= dns.flags.TC
            server.sendto(response.to_wire(), client)
        elif mode == "noedns":
            if query.edns >= 0:
                response = dns.message.make_response(query)
                response.use_edns(False)
                response.set_rcode(dns.rcode.FORMERR)
                server.sendto(response.to_wire(), client)
            else:
                server.sendto(answer(query, [TRUE_ADDRESS]).to_wire(), client)
        elif mode == "forging":
            forged = answer(query, [FORGED_ADDRESS])
            forged.id = (query.id + 1) % 65536
            server.sendto(forged.to_wire(), client)
            forged.id = query.id
            other_port.sendto(forged.to_wire(), client)
            time.sleep(0.05)
            server.sendto(answer(query, [TRUE_ADDRESS]).to_wire(), client)


if __name__ == "__main__":
    main()
