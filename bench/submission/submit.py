"""Load for bench/submission/run: WORKERS processes, each sending MESSAGES messages, one per
connection, as a mail client set up for submission does: EHLO, STARTTLS verifying the CA and the
name, EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT. Prints the seconds the whole load took and the
number of messages accepted; exits 1 on any failure.
Usage: submit.py PORT CA USER PASSWORD WORKERS MESSAGES"""
import multiprocessing, smtplib, ssl, sys, time

port, ca, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
workers, messages = int(sys.argv[5]), int(sys.argv[6])
body = ("Subject: bench\r\n\r\n" + "x" * 70 + "\r\n") * 50


def work(_):
    context = ssl.create_default_context(cafile=ca)
    sent = 0
    for _ in range(messages):
        with smtplib.SMTP("localhost", port, timeout=30) as client:
            client.starttls(context=context)
            client.login(user, password)
            client.sendmail("bench@home.lan", ["someone@example.org"], body)
            sent += 1
    return sent


if __name__ == "__main__":
    start = time.monotonic()
    with multiprocessing.Pool(workers) as pool:
        total = sum(pool.map(work, range(workers)))
    print(f"{time.monotonic() - start:.3f} {total}")
