"""A stand-in daemon for TLSHelperTests: accepts connections on 127.0.0.1:PORT and hands each to
slug-tls the way TLSHandoff does (client socket on its fd 0, a socketpair end on its fd 1), writes
the session line slug-tls reports to SESSIONS (one per connection), then echoes each line it gets
back as "echo LINE" ("slow" first waits 2 s, as a daemon at work would). Usage: tls_fake_daemon.py SLUG_TLS TLS_DIR PORT SESSIONS LOG [TIMEOUT]"""
import os, socket, subprocess, sys, time

helper, directory, port, sessions, log = sys.argv[1:6]
timeout = sys.argv[6] if len(sys.argv) > 6 else "20"
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(port)))
listener.listen(16)
print("ready", flush=True)
while True:
    client, address = listener.accept()
    if os.fork() == 0:
        listener.close()
        ours, theirs = socket.socketpair()
        with open(log, "ab") as errors:
            process = subprocess.Popen(
                [helper, "--as", "fake", "--dir", directory, "--peer", address[0], "-d", "--timeout", timeout],
                stdin=client.fileno(), stdout=theirs.fileno(), stderr=errors)
        client.close()
        theirs.close()
        lines = ours.makefile("rb")
        header = lines.readline()
        with open(sessions, "ab") as out:
            out.write(header if header else b"none\n")
        for line in lines:
            if line == b"slow\n":
                time.sleep(2)
            ours.sendall(b"echo " + line)
        ours.close()
        process.wait()
        os._exit(0)
    client.close()
