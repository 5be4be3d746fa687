"""The receivers of `scripts/bench live`: a real SMTP server and a real HTTP server that note
when each message arrives.

    live_sinks.py smtp --port PORT --out FILE   (aiosmtpd; needs an interpreter that has it)
    live_sinks.py http --port PORT --out FILE   (http.server.ThreadingHTTPServer, stdlib only)

Both listen on 127.0.0.1:PORT (0 picks a free port), accept everything (SMTP: 250 after DATA,
no STARTTLS, no AUTH; HTTP: 200 to every POST) and append one JSON line per message to FILE,
flushed but not fsynced: {"received": time.time() when the message was complete (SMTP: the
end of DATA, before the 250; HTTP: the body read, before the 200), "headers": {...} (HTTP),
"data": the message (SMTP: as sent; HTTP: the body)}. They print "READY <port>" on stdout once
they accept connections and stop on SIGTERM or SIGINT. Exit 77 when aiosmtpd is missing.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time


class Log:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()

    def write(self, record):
        line = json.dumps(record) + "\n"
        with self.lock:
            self.f.write(line)
            self.f.flush()


def serve_smtp(port, log):
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        print(f"live_sinks.py: aiosmtpd is not installed for {sys.executable}", file=sys.stderr)
        sys.exit(77)

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            received = time.time()
            content = envelope.original_content or envelope.content
            if isinstance(content, bytes):
                content = content.decode("utf-8", errors="replace")
            log.write({"received": received, "mail_from": envelope.mail_from,
                       "rcpt_tos": list(envelope.rcpt_tos), "data": content})
            return "250 Message accepted for delivery"

    if port == 0:
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()  # returns once the server answers
    return port, controller.stop


def serve_http(port, log):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 - http.server's name
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            received = time.time()
            log.write({"received": received, "path": self.path,
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "data": body.decode("utf-8", errors="replace")})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1], server.shutdown


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=("smtp", "http"))
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    log = Log(a.out)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    port, stop = (serve_smtp if a.kind == "smtp" else serve_http)(a.port, log)
    print(f"READY {port}", flush=True)
    while not done.wait(0.5):
        pass
    stop()
    log.f.close()
    os._exit(0)


if __name__ == "__main__":
    main()
