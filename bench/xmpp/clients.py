#!/usr/bin/python3
"""bench/xmpp/clients.py: one XMPP server's figures with python3-slixmpp clients (see run).

clients.py PORT DOMAIN USERS MESSAGES MEMORY OUT
  USERS users named user1..userN, password "pw-<name>", log in one after another (SASL, the
  mechanism slixmpp prefers among those offered; bind; session; roster get; initial presence),
  each login timed from the TCP connect to the roster's arrival. Then user1 sends MESSAGES
  chat messages to user2's bare JID one at a time; user2's client sends each back; the round
  trip is timed at user1 (20 more first, not counted). Then the server's private memory is read.
  MEMORY says whose: "children:PID" (the processes PID started: inetd's in.jabberd) or
  "process:PID" (prosody); smaps_rollup Private_Clean + Private_Dirty, summed. Server CPU
  (utime + stime of the same processes) is read around the timed round trips.
  The figures go to OUT as JSON: logins (ms), rtts (ms), memory KB before the logins and
  after, users online, presences user1 saw.
  Then, with everyone still online, the same round trip between two thin clients (plain
  sockets, SASL PLAIN, resource "thin", full JIDs; thin_rtts): slixmpp spends ~0.2 ms of
  Python per stanza, which hides the server's own latency.
With BENCH_CA set (run's TLS=1), every client uses STARTTLS and verifies the server's
certificate against that CA file for DOMAIN, as clients do at their defaults; the server's CPU
during the logins (cpu_per_login_ms) then includes the TLS helpers (in.jabberd's children).
Exits 1 if a login fails or a message does not come back within 5 s.
"""
import asyncio
import base64
import json
import os
import re
import socket
import ssl
import sys
import time

import slixmpp


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.ready = asyncio.get_event_loop().create_future()
        self.waiting = {}
        self.available = set()
        self.echo = False
        self.add_event_handler("session_start", self.started)
        # Not failed_auth: slixmpp tries its mechanisms in turn (-PLUS with tls-unique, which
        # TLS 1.3 does not define, first) and says no_auth when none is left.
        self.add_event_handler("no_auth", self.failed)
        self.add_event_handler("disconnected", self.failed)
        self.add_event_handler("message", self.received)
        self.add_event_handler("presence_available", lambda p: self.available.add(p["from"].bare))

    async def started(self, _event):
        await self.get_roster()
        self.send_presence()
        if not self.ready.done():
            self.ready.set_result(True)

    def failed(self, event):
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(f"{self.boundjid.bare}: {event}"))

    def received(self, message):
        body = message["body"]
        if self.echo:
            message.reply(body).send()
        elif body in self.waiting:
            self.waiting.pop(body).set_result(time.perf_counter())


CA = os.environ.get("BENCH_CA")


def children(pid):
    try:
        return open(f"/proc/{pid}/task/{pid}/children").read().split()
    except FileNotFoundError:
        return []


def server_pids(spec):
    """inetd's live descendants (in.jabberd and the TLS helpers it started), or prosody."""
    kind, pid = spec.split(":")
    if kind == "children":
        found, queue = [], children(pid)
        while queue:
            found.append(queue.pop())
            queue += children(found[-1])
        return found
    return [pid]


def cpu_ms(spec):
    """CPU time of the server's live processes (inetd's in.jabberd and helpers), from
    schedstat's nanoseconds: a process that ran 3 ms shows 0 clock ticks in stat."""
    total = 0
    for p in server_pids(spec):
        try:
            total += int(open(f"/proc/{p}/schedstat").read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e6


def private_kb(spec):
    pids = server_pids(spec)
    total = 0
    for p in pids:
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Private_"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total, len(pids)


class ThinClient:
    """Just enough of a client: stream, SASL PLAIN, bind, presence; then raw stanzas."""

    def __init__(self, port, domain, name, resource="thin"):
        self.socket = socket.create_connection(("127.0.0.1", port))
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        header = (
            f"<?xml version='1.0'?><stream:stream to='{domain}' xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        ).encode()
        self.socket.sendall(header)
        self.until(b"</stream:features>")
        if CA:
            self.socket.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            self.until(b"<proceed[^>]*/>")
            context = ssl.create_default_context(cafile=CA)
            self.socket = context.wrap_socket(self.socket, server_hostname=domain)
            self.socket.sendall(header)
            self.until(b"</stream:features>")
        token = base64.b64encode(f"\0{name}\0pw-{name}".encode())
        self.socket.sendall(b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + token + b"</auth>")
        self.until(b"<success[^>]*(/>|</success>)")
        self.socket.sendall(header)
        self.until(b"</stream:features>")
        self.socket.sendall(
            b"<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            + f"<resource>{resource}</resource>".encode() + b"</bind></iq>"
        )
        self.until(b"</iq>")
        self.socket.sendall(b"<presence/>")

    def until(self, pattern):
        """Reads until `pattern` has arrived; drops what came before it."""
        while True:
            found = re.search(pattern, self.buffer)
            if found:
                self.buffer = self.buffer[found.end():]
                return
            self.socket.settimeout(5)
            data = self.socket.recv(65536)
            if not data:
                raise RuntimeError("a thin client's connection closed")
            self.buffer += data


def thin_round_trips(port, domain, messages):
    sender, echoer = ThinClient(port, domain, "user1"), ThinClient(port, domain, "user2")
    # Let the server's sessions learn of the new resources (in.jabberd: the mesh hellos).
    time.sleep(0.5)
    rtts = []
    for index in range(messages + 20):
        started = time.perf_counter()
        sender.socket.sendall(
            f"<message to='user2@{domain}/thin' type='chat'><body>t{index}</body></message>".encode())
        # The message ends after its body and whatever the server added (a stanza-id).
        echoer.until(f"<body>t{index}</body>.*?</message>".encode())
        echoer.socket.sendall(
            f"<message to='user1@{domain}/thin' type='chat'><body>t{index}</body></message>".encode())
        sender.until(f"<body>t{index}</body>.*?</message>".encode())
        if index >= 20:
            rtts.append((time.perf_counter() - started) * 1000)
    return rtts


async def main(port, domain, users, messages, memory, out):
    before, _ = private_kb(memory)
    login_cpu_before = cpu_ms(memory)
    clients = []
    logins = []
    for number in range(1, users + 1):
        name = f"user{number}"
        client = Client(f"{name}@{domain}/bench", f"pw-{name}")
        if CA:
            client.ca_certs = CA
            client.connect(address=("127.0.0.1", port), disable_starttls=False, force_starttls=True)
        else:
            client.connect(address=("127.0.0.1", port), disable_starttls=True, force_starttls=False)
        started = time.perf_counter()
        await asyncio.wait_for(client.ready, 15)
        logins.append((time.perf_counter() - started) * 1000)
        clients.append(client)
    login_cpu = cpu_ms(memory) - login_cpu_before
    await asyncio.sleep(0.5)
    sender, echoer = clients[0], clients[1]
    echoer.echo = True
    rtts = []
    for index in range(messages + 20):
        if index == 20:
            cpu_before = cpu_ms(memory)
        body = f"ping {index} {time.time()}"
        arrived = asyncio.get_event_loop().create_future()
        sender.waiting[body] = arrived
        sent = time.perf_counter()
        sender.send_message(mto=echoer.boundjid.bare, mbody=body, mtype="chat")
        back = await asyncio.wait_for(arrived, 5)
        if index >= 20:
            rtts.append((back - sent) * 1000)
    round_trip_cpu = cpu_ms(memory) - cpu_before
    await asyncio.sleep(0.5)
    after, processes = private_kb(memory)
    thin_rtts = thin_round_trips(port, domain, messages)
    json.dump(
        {
            "logins": logins,
            "rtts": rtts,
            "memory_before_kb": before,
            "memory_after_kb": after,
            "processes": processes,
            "users": users,
            "presences_seen": len(sender.available),
            "round_trip_cpu_ms": round_trip_cpu,
            "cpu_per_login_ms": login_cpu / users,
            "tls": bool(CA),
            "thin_rtts": thin_rtts,
            "mechanism": sender["feature_mechanisms"].mech.name,
        },
        open(out, "w"),
    )
    for client in clients:
        client.disconnect()
    await asyncio.sleep(0.5)


if __name__ == "__main__":
    port, domain, users, messages, memory, out = sys.argv[1:7]
    try:
        asyncio.get_event_loop().run_until_complete(
            main(int(port), domain, int(users), int(messages), memory, out)
        )
    except (asyncio.TimeoutError, RuntimeError, OSError) as error:
        print(f"clients.py: {error or 'timed out'}", file=sys.stderr)
        sys.exit(1)
