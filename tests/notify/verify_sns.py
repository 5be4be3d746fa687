"""Verifies an SNS message the way AWS documents it (SignatureVersion 1 or 2).

Usage: verify_sns.py ENVELOPE.json CERT.pem. Rebuilds the string to sign from the parsed JSON
(keys in byte order, "Key\\nvalue\\n"), checks the Base64 signature with the certificate's
public key, prints OK and exits 0; otherwise prints why and exits 1.
"""
import base64
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

SIGNED = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                 "TopicArn", "Type"],
    "UnsubscribeConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                "TopicArn", "Type"],
}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        msg = json.load(f)
    with open(sys.argv[2], "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    text = "".join("%s\n%s\n" % (k, msg[k]) for k in SIGNED[msg["Type"]] if k in msg)
    digest = {"1": hashes.SHA1(), "2": hashes.SHA256()}[msg["SignatureVersion"]]
    try:
        cert.public_key().verify(base64.b64decode(msg["Signature"]), text.encode("utf-8"),
                                 padding.PKCS1v15(), digest)
    except Exception as e:  # noqa: BLE001 - report any failure
        print("FAILED: %r" % e)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
