"""A loopback SMTP server for the notify tests (Python 3.11's smtpd).

Writes every accepted message to DIR/<n>.eml (the DATA as received) and DIR/<n>.env (MAIL
FROM, then one RCPT TO per line), and one line per connection to DIR/connections.log. --auth USER:PASS advertises AUTH PLAIN and demands it;
--rcpt-code CODE answers every RCPT TO with CODE (to test failure classes).
"""
import argparse
import asyncore
import base64
import os
import smtpd


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--auth", default="")
    parser.add_argument("--rcpt-code", type=int, default=0)
    args = parser.parse_args()

    class Channel(smtpd.SMTPChannel):
        authed = False
        auth_pending = False

        def push(self, msg):
            if args.auth and msg == "250 HELP" and self.extended_smtp:
                super().push("250-AUTH PLAIN")
            super().push(msg)

        def check_plain(self, b64):
            try:
                parts = base64.b64decode(b64).split(b"\0")
                ok = b":".join(parts[1:3]).decode() == args.auth
            except Exception:  # noqa: BLE001 - any garbage is a failed login
                ok = False
            self.authed = ok
            self.push("235 2.7.0 Authentication successful" if ok else
                      "535 5.7.8 Authentication credentials invalid")

        def smtp_AUTH(self, arg):
            words = (arg or "").split()
            if not args.auth or not words or words[0].upper() != "PLAIN":
                self.push("504 5.5.4 Unrecognized authentication type")
            elif len(words) > 1:
                self.check_plain(words[1])
            else:
                self.auth_pending = True
                self.push("334 ")

        def found_terminator(self):
            if self.auth_pending:
                line = self._emptystring.join(self.received_lines)
                self.received_lines = []
                self.auth_pending = False
                self.check_plain(line if isinstance(line, str) else line.decode())
                return
            super().found_terminator()

        def smtp_MAIL(self, arg):
            if args.auth and not self.authed:
                self.push("530 5.7.0 Authentication required")
                return
            super().smtp_MAIL(arg)

        def smtp_RCPT(self, arg):
            if args.rcpt_code:
                self.push("%d Recipient refused for the test" % args.rcpt_code)
                return
            super().smtp_RCPT(arg)

    class Server(smtpd.SMTPServer):
        channel_class = Channel
        count = 0

        def handle_accepted(self, conn, addr):
            # One line per SMTP connection, so tests can tell whether a client reused one.
            with open(os.path.join(args.dir, "connections.log"), "a") as f:
                f.write("%s:%d\n" % addr)
            super().handle_accepted(conn, addr)

        def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
            Server.count += 1
            base = os.path.join(args.dir, str(Server.count))
            with open(base + ".eml.tmp", "wb") as f:
                f.write(data)
            with open(base + ".env", "w") as f:
                f.write("\n".join([mailfrom] + rcpttos) + "\n")
            os.rename(base + ".eml.tmp", base + ".eml")

    Server(("127.0.0.1", args.port), None, decode_data=False)
    asyncore.loop()


if __name__ == "__main__":
    main()
