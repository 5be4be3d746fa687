-- wrk driver for `scripts/bench vault`: GetSecretValue over keep-alive connections, each
-- request carrying the SigV4 signature of the second it is sent in, as an SDK signing it then
-- would (the signatures come from `vault_load --wrk-script FILE`, which uses trailwatch's
-- signer). wrk is a lighter client than vault_load's httplib threads, so less of the two
-- cores goes to the load generator. Prints one JSON line like vault_load's.
--
--   wrk -t1 -c8 -d5s --latency -s bench/vault_wrk.lua http://127.0.0.1:PORT/ -- FILE

local requests = {}
local start = 0

function init(args)
  local signed = dofile(args[1])
  start = signed.start
  for i, headers in ipairs(signed.headers) do
    requests[i] = wrk.format("POST", "/", headers, signed.body)
  end
end

function request()
  local i = os.time() - start + 1
  if i < 1 then
    i = 1
  elseif i > #requests then
    i = #requests
  end
  return requests[i]
end

function done(summary, latency, _)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local failed = e.connect + e.read + e.write + e.status + e.timeout
  local ok = summary.requests - e.status
  io.write(string.format(
    '{"requests":%d,"errors":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f}\n',
    ok, failed, seconds, ok / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
