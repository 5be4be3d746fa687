"""A real SMTP server for the live end-to-end test (tests/e2e/live_e2e.py), on aiosmtpd.

Usage: smtp_sink.py --port PORT --dir DIR
Listens on 127.0.0.1:PORT (plain SMTP, no STARTTLS, no AUTH), accepts every message and writes
each one, when its DATA is complete, to DIR/<time>-<pid>-<n>.json as
{"received": unix time, "mail_from", "rcpt_tos": [...], "data": the message as sent (text)},
written to a temporary name and renamed, so a reader never sees half a file. Prints
"READY <port>" on stdout once it accepts connections; stops on SIGTERM or SIGINT.

aiosmtpd is the Debian package python3-aiosmtpd: run this with an interpreter that has it
(the driver tries `python3`, then /usr/bin/python3). Exits 77 when aiosmtpd is missing.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time

try:
    from aiosmtpd.controller import Controller
except ImportError:
    print("SKIP: aiosmtpd is not installed for", sys.executable, flush=True)
    sys.exit(77)


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        self.count += 1
        content = envelope.original_content or envelope.content
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        name = "%.6f-%d-%d.json" % (time.time(), os.getpid(), self.count)
        path = os.path.join(self.directory, name)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"received": time.time(), "mail_from": envelope.mail_from,
                       "rcpt_tos": list(envelope.rcpt_tos), "data": content}, f)
            f.flush()
            os.fsync(f.fileno())
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print("READY", args.port, flush=True)
    while not stop.wait(0.2):
        pass
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
