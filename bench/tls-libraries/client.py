#!/usr/bin/env python3
"""bench/tls-libraries/client.py DIR COUNT NAME PROG [NAME PROG]...: the client side of
bench/tls-libraries/run, the same for every library (Python's ssl, OpenSSL underneath,
verifying against DIR/ca.pem, TLS 1.2 and 1.3 offered).

Per connection, as inetd would: accept on 127.0.0.1, start `PROG serve DIR` with the accepted
socket as fds 0 and 1, handshake, send a line, read the answer, reap the server with its
rusage. Each library gets COUNT connections with a new session each (full handshakes) and
COUNT offering the session of the connection before (resumed handshakes); the libraries take
turns in rounds of 20 so machine noise hits them alike. Prints one line per library and kind:
NAME kind=full|resumed n=N resumed=R handshake_us=MEDIAN setup_us=MEDIAN process_cpu_us=MEAN
version=V cipher=C"""
import os, socket, ssl, statistics, subprocess, sys


def main():
    directory, count = sys.argv[1], int(sys.argv[2])
    programs = list(zip(sys.argv[3::2], sys.argv[4::2]))
    context = ssl.create_default_context(cafile=os.path.join(directory, "ca.pem"))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    address = listener.getsockname()
    results = {(name, kind): [] for name, _ in programs for kind in ("full", "resumed")}
    sessions = {}
    rounds, per_round = (count + 19) // 20, 20
    for round_number in range(rounds):
        order = programs if round_number % 2 == 0 else programs[::-1]
        for name, program in order:
            for kind in ("full", "resumed"):
                for _ in range(per_round):
                    session = sessions.get(name) if kind == "resumed" else None
                    row, new_session = connect(context, listener, address, program, directory, session)
                    if kind == "full" and name not in sessions or kind == "resumed":
                        sessions[name] = new_session
                    results[(name, kind)].append(row)
    for (name, kind), rows in results.items():
        server = [r for r in rows if r["line"]]
        def median(key):
            values = [float(r["line"][key]) for r in server if key in r["line"]]
            return f"{statistics.median(values):.0f}" if values else "n/a"
        last = server[-1]["line"] if server else {}
        print(f"{name} kind={kind} n={len(rows)} resumed={sum(r['resumed'] for r in rows)}"
              f" handshake_us={median('handshake_us')} setup_us={median('setup_us')}"
              f" process_cpu_us={statistics.mean(r['cpu_us'] for r in rows):.0f}"
              f" version={last.get('version', '?')} cipher={last.get('cipher', '?')}"
              f" failures={len(rows) - len(server)}", flush=True)


def connect(context, listener, address, program, directory, session):
    client = socket.create_connection(address)
    accepted, _ = listener.accept()
    read_end, write_end = os.pipe()
    process = subprocess.Popen([program, "serve", directory], stdin=accepted, stdout=accepted,
                               stderr=write_end, close_fds=True, env={})
    accepted.close()
    os.close(write_end)
    resumed, new_session = False, None
    try:
        with context.wrap_socket(client, server_hostname="localhost", session=session) as tls:
            tls.sendall(b"ping\n")
            answer = tls.recv(16)
            if answer != b"ok\n":
                raise ssl.SSLError(f"answer {answer!r}")
            resumed, new_session = tls.session_reused, tls.session
    except (OSError, ssl.SSLError) as error:
        print(f"client: {program}: {error}", file=sys.stderr)
    _, status, usage = os.wait4(process.pid, 0)
    with os.fdopen(read_end) as stderr:
        text = stderr.read()
    line = {}
    for word in text.split():
        key, _, value = word.partition("=")
        line[key] = value
    if "handshake_us" not in line:
        line = {}
        print(f"client: {program}: {text.strip()}", file=sys.stderr)
    cpu = (usage.ru_utime + usage.ru_stime) * 1e6
    return {"line": line, "resumed": int(resumed), "cpu_us": cpu}, new_session


main()
