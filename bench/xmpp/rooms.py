#!/usr/bin/python3
"""bench/xmpp/rooms.py: one XMPP server's room fan-out with thin clients (see run).

rooms.py PORT DOMAIN USERS MESSAGES MEMORY OUT
  USERS thin clients (plain sockets, SASL PLAIN, resource "room", user1..userN with password
  "pw-<name>"; STARTTLS verified against BENCH_CA when it is set) log in and join
  everyone@conference.DOMAIN with their user name as nick, asking for no history, each
  waiting for its own presence (status 110). Then every one of them sends: MESSAGES groupchat
  messages in all, one every INTERVAL ms (environment, default 20), the senders in turn, so
  each user sends every USERS * INTERVAL ms. Each copy's fan-out time is taken at every other
  occupant from the send to its arrival (the clients share one thread: a copy is timed when
  its socket is read, right after poll says it is readable). The first 2 * USERS messages
  warm up and are not counted.
  MEMORY says whose memory and CPU (bench/xmpp/clients.py's server_pids): private memory with
  everyone in the room, and CPU over the timed messages.
  The figures go to OUT as JSON: fanout (ms, one per copy received), copies expected,
  cpu_ms over the timed messages, memory_kb, processes, users, messages.
Exits 1 if a client cannot log in or join, or a copy is missing 5 s after the last send.
"""
import json
import os
import re
import select
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clients import ThinClient, cpu_ms, private_kb  # noqa: E402

INTERVAL = float(os.environ.get("INTERVAL", "20")) / 1000
BODY = re.compile(rb"<body>r(\d+)</body>")


def join(client, room, nick):
    client.socket.sendall(
        f"<presence to='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc'>"
        "<history maxstanzas='0'/></x></presence>".encode())
    client.until(b"<status code=.110./>")


def main(port, domain, users, messages, memory, out):
    room = f"everyone@conference.{domain}"
    clients = []
    for number in range(1, users + 1):
        client = ThinClient(port, domain, f"user{number}", resource="room")
        join(client, room, f"user{number}")
        clients.append(client)
    time.sleep(0.5)
    for client in clients:
        client.socket.setblocking(False)
        client.buffer = b""
    poller = select.poll()
    by_fd = {}
    for index, client in enumerate(clients):
        poller.register(client.socket.fileno(), select.POLLIN)
        by_fd[client.socket.fileno()] = index
    sent = {}
    fanout = []
    received = 0
    warm = 2 * users
    expected = (messages - warm) * (users - 1)
    cpu_before = None
    next_send = time.perf_counter()
    number = 0
    deadline = None
    while True:
        now = time.perf_counter()
        if number < messages and now >= next_send:
            if number == warm:
                cpu_before = cpu_ms(memory)
            sender = clients[number % users]
            sent[number] = (time.perf_counter(), number % users)
            sender.socket.sendall(
                f"<message to='{room}' type='groupchat'><body>r{number}</body></message>".encode())
            number += 1
            next_send += INTERVAL
            if number == messages:
                deadline = time.perf_counter() + 5
            continue
        if deadline and (received >= expected or time.perf_counter() > deadline):
            break
        wait = max(0, (next_send - time.perf_counter()) * 1000) if number < messages else 50
        for fd, _ in poller.poll(wait):
            arrived = time.perf_counter()
            index = by_fd[fd]
            client = clients[index]
            try:
                data = client.socket.recv(262144)
            except BlockingIOError:
                continue
            if not data:
                raise RuntimeError(f"user{index + 1}'s connection closed")
            client.buffer += data
            for found in BODY.finditer(client.buffer):
                message = int(found.group(1))
                started, sender = sent[message]
                if sender != index and message >= warm:
                    fanout.append((arrived - started) * 1000)
                    received += 1
            # Keep only what may be the start of an unfinished stanza.
            cut = client.buffer.rfind(b"</message>")
            if cut >= 0:
                client.buffer = client.buffer[cut + len(b"</message>"):]
    cpu = cpu_ms(memory) - cpu_before
    memory_kb, processes = private_kb(memory)
    json.dump({"fanout": fanout, "expected": expected, "cpu_ms": cpu, "memory_kb": memory_kb,
               "processes": processes, "users": users, "messages": messages - warm,
               "interval_ms": INTERVAL * 1000}, open(out, "w"))
    if received < expected:
        raise RuntimeError(f"{expected - received} of {expected} copies did not arrive")
    for client in clients:
        client.socket.close()


if __name__ == "__main__":
    port, domain, users, messages, memory, out = sys.argv[1:7]
    try:
        main(int(port), domain, int(users), int(messages), memory, out)
    except (RuntimeError, OSError) as error:
        print(f"rooms.py: {error}", file=sys.stderr)
        sys.exit(1)
