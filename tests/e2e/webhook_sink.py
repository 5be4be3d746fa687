"""An HTTP receiver for SNS deliveries, for the live end-to-end test (tests/e2e/live_e2e.py).

Importable (`WebhookSink`, a server on a thread of the test's process, so that arrival times are
exact) or run alone: `webhook_sink.py --port PORT --dir DIR` writes each request to
DIR/<n>.json. Every request (any method) is recorded as {"received", "method", "path",
"headers": {lower-case name: value}, "body"} and answered 200. A SubscriptionConfirmation is
confirmed the way SNS wants it, by a GET of its SubscribeURL, after the reply.
"""
import argparse
import http.server
import json
import os
import threading
import time
import urllib.request


class WebhookSink:
    def __init__(self, port=0, on_request=None):
        self.lock = threading.Lock()
        self.requests = []
        self.confirmations = []  # (SubscribeURL, HTTP status or error text)
        self.on_request = on_request
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_any(self):
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
                record = {"received": time.time(), "method": self.command, "path": self.path,
                          "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                reply = b"ok"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
                self.wfile.flush()
                with sink.lock:
                    sink.requests.append(record)
                if sink.on_request:
                    sink.on_request(record)
                sink._maybe_confirm(record)

            do_POST = do_PUT = do_GET = handle_any  # noqa: N815 - http.server's naming

            def log_message(self, *unused):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def _maybe_confirm(self, record):
        if record["headers"].get("x-amz-sns-message-type") != "SubscriptionConfirmation":
            return
        try:
            url = json.loads(record["body"]).get("SubscribeURL", "")
        except ValueError:
            return

        def confirm():
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    outcome = r.status
            except Exception as e:  # noqa: BLE001 - recorded for the test to report
                outcome = repr(e)
            with self.lock:
                self.confirmations.append((url, outcome))

        threading.Thread(target=confirm, daemon=True).start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    count = [0]
    lock = threading.Lock()

    def write(record):
        with lock:
            count[0] += 1
            path = os.path.join(args.dir, "%d.json" % count[0])
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)

    sink = WebhookSink(args.port, on_request=write)
    print("READY", sink.port, flush=True)
    sink.server.serve_forever()


if __name__ == "__main__":
    main()
