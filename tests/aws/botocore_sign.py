"""Signs one request with botocore, for the differential tests in botocore_test.cc.

Input (argv[1]): lines "key hex(value)"; "header" lines carry "hex(name) hex(value)".
Keys: method, url, body, region, service, access_key, secret_key, token (optional),
timestamp (YYYYMMDDTHHMMSSZ), mode (header | s3-header | s3-unsigned | presign | s3-presign),
expires, param (repeatable: "hex(name) hex(value)").
Output (stdout): "url hex(url)" and one "header hex(name) hex(value)" per header of the signed
request, Host included. Exit 3 when botocore cannot be imported (the test then skips).
"""
import datetime
import sys

try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials
except ImportError:
    sys.exit(3)


def main():
    fields, headers, params = {}, [], []
    with open(sys.argv[1]) as f:
        for line in f:
            # Split at single spaces: an empty value is an empty hex field.
            parts = line.rstrip('\n').split(' ')
            if not parts[0]:
                continue
            values = [bytes.fromhex(p).decode('utf-8') for p in parts[1:]]
            if parts[0] == 'header':
                headers.append((values[0], values[1]))
            elif parts[0] == 'param':
                params.append((values[0], values[1]))
            else:
                fields[parts[0]] = values[0] if values else ''
    when = datetime.datetime.strptime(fields['timestamp'], '%Y%m%dT%H%M%SZ')
    # botocore reads the clock itself; pin it so both sides sign the same instant.
    botocore.auth.get_current_datetime = lambda *a, **k: when
    creds = Credentials(fields['access_key'], fields['secret_key'], fields.get('token') or None)
    request = AWSRequest(method=fields['method'], url=fields['url'], headers=dict(headers),
                         data=fields.get('body', '').encode('utf-8'), params=params or None)
    mode = fields['mode']
    region, service = fields['region'], fields['service']
    if mode == 'header':
        signer = botocore.auth.SigV4Auth(creds, service, region)
    elif mode in ('s3-header', 's3-unsigned'):
        signer = botocore.auth.S3SigV4Auth(creds, service, region)
        if mode == 's3-unsigned':
            request.context['client_config'] = Config(s3={'payload_signing_enabled': False})
    elif mode == 'presign':
        signer = botocore.auth.SigV4QueryAuth(creds, service, region, int(fields['expires']))
    else:
        signer = botocore.auth.S3SigV4QueryAuth(creds, service, region, int(fields['expires']))
    signer.add_auth(request)
    prepared = request.prepare()
    out = [('url', prepared.url)]
    names = {k.lower() for k in prepared.headers.keys()}
    if 'host' not in names:
        out.append(('header', 'Host', botocore.auth._host_from_url(prepared.url)))
    for k, v in prepared.headers.items():
        out.append(('header', k, v if isinstance(v, str) else v.decode('utf-8')))
    for item in out:
        print(item[0], ' '.join(x.encode('utf-8').hex() for x in item[1:]))


if __name__ == '__main__':
    main()
