#!/usr/bin/env python3
"""bench/dhcp/direct.py PROGRAM ARGV0 [ARG...]: run PROGRAM (as ARGV0 ARG...) the way inetd runs a `dgram wait` service
on bootps (fd 0 and 1 a UDP socket bound to 0.0.0.0:67, empty environment), but with fd 2 left
as this script's stderr, so that PROGRAM -d can log there (under inetd fd 2 is the socket too).

The socket is bound here and handed over with exec, so PROGRAM keeps this script's PID: the
caller stops it by that PID.
"""
import os
import socket
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("0.0.0.0", 67))
os.dup2(sock.fileno(), 0)
os.dup2(sock.fileno(), 1)
sock.close()
os.execve(sys.argv[1], sys.argv[2:], {})
