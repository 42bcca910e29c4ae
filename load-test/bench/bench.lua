-- wrk script of load-test/bench.sh: what each row sends (BENCH_MODE), and one machine-readable result line.
--
--   get           GET of the URL as given (proxied routes, backend direct)
--   send-random   POST request-otp for random valid KZ mobiles (+77010xxxxxx) from wrk's own address, as the SCG
--                 row comes from it: every request is admitted
--   send-random-ips  the same for another range (+77011xxxxxx), each request from its own client IP
--                 (X-Forwarded-For, one trusted hop), so the per-IP bucket is a new key every time too
--   send-new      POST request-otp for a phone never used before in the run (+7702xxxxxxx): each run of the row
--                 gets its own block of 200,000 numbers (BENCH_NEW_PHONE_BLOCK), each thread half of it
--   send-one      POST request-otp for one phone, over and over: refused once its 10 codes are spent
--   verify-wrong  POST verify-otp with a random wrong code for random phones of the send-random range
--
-- Every row counts answers by status the same way, so the client does equal work on every row.
--
-- BENCH_SECOND_ADDR=host:port sends every even-numbered thread to that address instead of the URL's (two gateway
-- instances driven by one wrk: its threads alternate between them, its latency histogram covers both, and its
-- req/s is their sum). The result line then tells the answers of each thread.

local mode = os.getenv("BENCH_MODE") or "get"
local phones = tonumber(os.getenv("BENCH_PHONES") or "100000")
local hammered = os.getenv("BENCH_HAMMERED_PHONE") or "+77019999999"
local second = os.getenv("BENCH_SECOND_ADDR")

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  if second and second ~= "" and counter % 2 == 0 then
    local host, port = second:match("^(.+):(%d+)$")
    thread.addr = wrk.lookup(host, port)[1]
  end
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  ok2xx, s429, s5xx, other, answered = 0, 0, 0, 0, 0
  sequence = ((tonumber(os.getenv("BENCH_NEW_PHONE_BLOCK") or "0") % 49) * 200000) + (id - 1) * 100000
  json = { ["Content-Type"] = "application/json" }
end

local function phone(range)
  return string.format("+7701%d%06d", range or 0, math.random(0, phones - 1))
end

local function client_ip()
  return string.format("100.%d.%d.%d", math.random(64, 127), math.random(0, 255), math.random(1, 254))
end

if mode == "send-random" then
  request = function()
    return wrk.format("POST", "/api/auth/request-otp", json, '{"phone":"' .. phone() .. '"}')
  end
elseif mode == "send-random-ips" then
  request = function()
    local headers = { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = client_ip() }
    return wrk.format("POST", "/api/auth/request-otp", headers, '{"phone":"' .. phone(1) .. '"}')
  end
elseif mode == "send-new" then
  request = function()
    sequence = sequence + 1
    return wrk.format("POST", "/api/auth/request-otp", json, string.format('{"phone":"+7702%07d"}', sequence))
  end
elseif mode == "send-one" then
  -- One request, the same every time: built once by wrk, as for the GET rows, rather than by Lua per request,
  -- so the client costs the refused row no more than the plain row it is compared with.
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"phone":"' .. hammered .. '"}'
elseif mode == "verify-wrong" then
  request = function()
    local body = string.format('{"phone":"%s","otp_code":"%06d"}', phone(), math.random(0, 999999))
    return wrk.format("POST", "/api/auth/verify-otp", json, body)
  end
end

function response(status, headers, body)
  answered = answered + 1
  if status >= 500 then
    s5xx = s5xx + 1
  end
  if status >= 200 and status < 300 then
    ok2xx = ok2xx + 1
  elseif status == 429 then
    s429 = s429 + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local a2xx, a429, a5xx, aother, by_thread = 0, 0, 0, 0, {}
  for _, thread in ipairs(threads) do
    a2xx = a2xx + thread:get("ok2xx")
    a429 = a429 + thread:get("s429")
    a5xx = a5xx + thread:get("s5xx")
    aother = aother + thread:get("other")
    table.insert(by_thread, tostring(thread:get("answered")))
  end
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d "
      .. "s2xx=%d s429=%d sother=%d s5xx=%d answers_by_thread=%s "
      .. "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    a2xx, a429, aother, a5xx, table.concat(by_thread, ","), errors.connect, errors.read, errors.write, errors.timeout))
end
