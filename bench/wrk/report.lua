-- Shared by every shape: at the end of a run, one line on stdout starting
-- with "BENCH_JSON " that bench/run parses (requests, errors by kind,
-- latency percentiles in microseconds; "distinct" is how many distinct
-- latencies were recorded, 0 when none was). Defining only done() keeps
-- wrk's static-request fast path: no Lua runs per request.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f,' ..
    '"distinct":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, #latency))
end
