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
  (utime + stime of the same processes) is read after the logins and around the timed
  round trips (prosody's includes its start-up; in.jabberd's only the live sessions).
  The figures go to OUT as JSON: logins (ms), rtts (ms), memory KB before the logins and
  after, users online, presences user1 saw.
Exits 1 if a login fails or a message does not come back within 5 s.
"""
import asyncio
import json
import os
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
        self.add_event_handler("failed_auth", self.failed)
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


def server_pids(spec):
    kind, pid = spec.split(":")
    if kind == "children":
        return open(f"/proc/{pid}/task/{pid}/children").read().split()
    return [pid]


def cpu_ms(spec):
    """user + system CPU of the server's processes (inetd's in.jabberd: the live ones)."""
    total = 0
    for p in server_pids(spec):
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total * 1000 / os.sysconf("SC_CLK_TCK")


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


async def main(port, domain, users, messages, memory, out):
    before, _ = private_kb(memory)
    clients = []
    logins = []
    for number in range(1, users + 1):
        name = f"user{number}"
        client = Client(f"{name}@{domain}/bench", f"pw-{name}")
        client.connect(address=("127.0.0.1", port), disable_starttls=True, force_starttls=False)
        started = time.perf_counter()
        await asyncio.wait_for(client.ready, 15)
        logins.append((time.perf_counter() - started) * 1000)
        clients.append(client)
    await asyncio.sleep(0.5)
    login_cpu = cpu_ms(memory)
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
    json.dump(
        {
            "logins": logins,
            "rtts": rtts,
            "memory_before_kb": before,
            "memory_after_kb": after,
            "processes": processes,
            "users": users,
            "presences_seen": len(sender.available),
            "login_cpu_ms": login_cpu,
            "round_trip_cpu_ms": round_trip_cpu,
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
    except (asyncio.TimeoutError, RuntimeError) as error:
        print(f"clients.py: {error or 'timed out'}", file=sys.stderr)
        sys.exit(1)
