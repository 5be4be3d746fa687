"""A loopback HTTP receiver for the notify tests.

Answers every POST with --status (default 200), after --delay seconds, over HTTPS when
--cert/--key are given, and writes the request to DIR/<n>.json as
{"path", "headers": {name: value}, "body"}.
"""
import argparse
import http.server
import json
import os
import ssl
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0, help="seconds before answering")
    parser.add_argument("--cert", default="", help="serve HTTPS with this certificate")
    parser.add_argument("--key", default="")
    args = parser.parse_args()
    count = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8")
            count[0] += 1
            path = os.path.join(args.dir, "%d.json" % count[0])
            with open(path + ".tmp", "w") as f:
                json.dump({"path": self.path, "headers": dict(self.headers.items()),
                           "body": body}, f)
            os.rename(path + ".tmp", path)
            time.sleep(args.delay)
            reply = b"ok" if args.status < 300 else b"no_service"
            self.send_response(args.status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *unused):
            pass

    server = http.server.HTTPServer(("127.0.0.1", args.port), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
