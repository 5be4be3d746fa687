"""A minimal SMTP server with TLS for the notify tests (Python's smtpd has none).

STARTTLS is offered on a plain connection; with --implicit the connection is TLS from the
start (smtps). Every message goes to DIR/<n>.eml, and DIR/<n>.env holds MAIL FROM, the RCPT TO
addresses and "tls" or "plain" for how the message travelled.
"""
import argparse
import os
import socketserver
import ssl


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--implicit", action="store_true")
    args = parser.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    count = [0]

    class Handler(socketserver.StreamRequestHandler):
        def setup(self):
            if args.implicit:
                self.request = ctx.wrap_socket(self.request, server_side=True)
                self.connection = self.request
            super().setup()

        def send(self, line):
            self.wfile.write((line + "\r\n").encode())
            self.wfile.flush()

        def handle(self):
            tls = args.implicit
            sender, rcpts = "", []
            self.send("220 localhost ESMTP test")
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                cmd = raw.decode().rstrip("\r\n")
                verb = cmd.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.send("250-localhost")
                    if not tls:
                        self.send("250-STARTTLS")
                    self.send("250 8BITMIME")
                elif verb == "STARTTLS" and not tls:
                    self.send("220 Ready to start TLS")
                    self.connection = ctx.wrap_socket(self.connection, server_side=True)
                    self.rfile = self.connection.makefile("rb")
                    self.wfile = self.connection.makefile("wb", 0)
                    tls = True
                elif verb in ("MAIL", "RCPT"):
                    address = cmd[cmd.index("<") + 1:cmd.index(">")]
                    if verb == "MAIL":
                        sender = address
                    else:
                        rcpts.append(address)
                    self.send("250 OK")
                elif verb == "DATA":
                    self.send("354 End data with <CR><LF>.<CR><LF>")
                    data = b""
                    while True:
                        line = self.rfile.readline()
                        if line in (b".\r\n", b""):
                            break
                        data += line[1:] if line.startswith(b"..") else line
                    count[0] += 1
                    base = os.path.join(args.dir, str(count[0]))
                    with open(base + ".env", "w") as f:
                        f.write("\n".join([sender] + rcpts + ["tls" if tls else "plain"]) + "\n")
                    with open(base + ".eml.tmp", "wb") as f:
                        f.write(data)
                    os.rename(base + ".eml.tmp", base + ".eml")
                    self.send("250 OK queued")
                elif verb == "QUIT":
                    self.send("221 Bye")
                    return
                elif verb in ("RSET", "NOOP"):
                    self.send("250 OK")
                else:
                    self.send("502 Command not implemented")

    socketserver.TCPServer.allow_reuse_address = True
    socketserver.TCPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
