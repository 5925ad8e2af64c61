-- wrk script for the benchmark: every request carries the next token of a list (rotating), in the
-- wire format of the target under test. Requests are formatted once in init(), so generating load
-- costs wrk almost nothing. Environment:
--   BENCH_TOKENS  file with one token per line
--   BENCH_WIRE    "sidecar" (POST /authorize, Authorization header) or "opa" (token inside the input)
--   BENCH_OPA_PATH, BENCH_METHOD, BENCH_PATH  the query path and the request asked about
--   BENCH_OUT     where done() writes the JSON summary
--   BENCH_AUTHZEN AuthZEN evaluations per request (0: /authorize); the tokens file then has "<sub> <token>"
--                 lines, and requests are those of src/load/authzen-request.ts, byte for byte
--   BENCH_OPA_AUTHZEN_PATH  the peer's AuthZEN query path
local wire = os.getenv("BENCH_WIRE") or "sidecar"
local tokens_file = os.getenv("BENCH_TOKENS")
local opa_path = os.getenv("BENCH_OPA_PATH") or "/v1/data/bench/peer/decision"
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/api/orders/42"
local out = os.getenv("BENCH_OUT")
local authzen = tonumber(os.getenv("BENCH_AUTHZEN") or "0")
local opa_authzen_path = os.getenv("BENCH_OPA_AUTHZEN_PATH") or "/v1/data/bench/peer/authzen"

-- The members of an AuthZEN request about `sub` (as JSON.stringify writes them in authzen-request.ts).
local function authzen_query(sub)
  local head = '"subject":{"type":"user","id":"' .. sub .. '"},"action":{"name":"' .. method .. '"}'
  if authzen == 1 then
    return head .. ',"resource":{"type":"route","id":"' .. path .. '"}'
  end
  local items = {}
  for k = 0, authzen - 1 do
    items[#items + 1] = '{"resource":{"type":"route","id":"' .. path .. '/' .. k .. '"}}'
  end
  return head .. ',"evaluations":[' .. table.concat(items, ",") .. ']'
end

local function authzen_request(line)
  local sub, token = line:match("^(%S+) (%S+)$")
  local which = authzen == 1 and "evaluation" or "evaluations"
  if wire == "opa" then
    return wrk.format("POST", opa_authzen_path .. "/" .. which, { ["Content-Type"] = "application/json" },
      '{"input":{"token":"' .. token .. '",' .. authzen_query(sub) .. '}}')
  end
  return wrk.format("POST", "/access/v1/" .. which,
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, '{' .. authzen_query(sub) .. '}')
end

-- Per-thread counters are globals so that done() can read them with thread:get().
local threads = {}
local reqs = {}
n = 0
issued = 0
wraps = 0
local i = 0

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local body = '{"method":"' .. method .. '","path":"' .. path .. '"}'
  for token in io.lines(tokens_file) do
    if token ~= "" then
      n = n + 1
      if authzen > 0 then
        reqs[n] = authzen_request(token)
      elseif wire == "opa" then
        reqs[n] = wrk.format("POST", opa_path, { ["Content-Type"] = "application/json" },
          '{"input":{"token":"' .. token .. '","method":"' .. method .. '","path":"' .. path .. '"}}')
      else
        reqs[n] = wrk.format("POST", "/authorize",
          { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
      end
    end
  end
end

function request()
  i = i + 1
  if i > n then
    i = 1
    wraps = wraps + 1
  end
  issued = issued + 1
  return reqs[i]
end

function done(summary, latency, requests)
  local issued_total, wraps_total, tokens = 0, 0, 0
  for _, t in ipairs(threads) do
    issued_total = issued_total + (t:get("issued") or 0)
    wraps_total = wraps_total + (t:get("wraps") or 0)
    tokens = t:get("n") or tokens
  end
  local e = summary.errors
  local f = io.open(out, "w")
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"issued":%d,"wraps":%d,"tokens":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes, issued_total, wraps_total, tokens,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
  f:close()
end
