-- Template for bench/engines.py: each pre-built request body is sent exactly once.
-- @NAME@ placeholders are filled in per phase. Thread t sends bodies t, t+T, t+2T, ...
-- delay() reserves one body per request and parks the connection for an hour once this
-- thread's bodies are reserved, so no surplus request is ever sent. When its last response
-- arrives, a thread writes DONE_PREFIX<t>.json; the driver then SIGINTs wrk.
local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec_t;
int clock_gettime(int clk_id, bench_timespec_t *tp);
]])
local ts = ffi.new("bench_timespec_t")
local function now() -- CLOCK_MONOTONIC, the clock Python's time.monotonic() reads
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local BODIES = "@BODIES@"
local TARGET = "@TARGET@"
local DONE_PREFIX = "@DONE_PREFIX@"
local THREADS = @THREADS@
local EXPECT = [==[@EXPECT@]==] -- if not empty, a 200 answer must contain this text
local PARK_MS = 3600000

local counter = 0
function setup(thread) -- runs in wrk's main Lua state, once per thread
  thread:set("tid", counter)
  counter = counter + 1
end

local reqs = {}
local n, reserved, sent, received = 0, 0, 0, 0
local t_first, t_last = 0, 0
local errors = {}
local finished = false

local function finish()
  if finished then
    return
  end
  finished = true
  local parts = {}
  for kind, count in pairs(errors) do
    parts[#parts + 1] = string.format('"%s":%d', kind, count)
  end
  local path = DONE_PREFIX .. tid .. ".json"
  local f = assert(io.open(path .. ".tmp", "w"))
  f:write(string.format(
    '{"tid":%d,"n":%d,"sent":%d,"received":%d,"t_first":%.6f,"t_last":%.6f,"errors":{%s}}\n',
    tid, n, sent, received, t_first, t_last, table.concat(parts, ",")))
  f:close()
  os.rename(path .. ".tmp", path)
end

function init(args)
  local headers = {
    ["Content-Type"] = "application/x-amz-json-1.1",
    ["X-Amz-Target"] = TARGET,
  }
  local i = 0
  for line in io.lines(BODIES) do
    if i % THREADS == tid then
      n = n + 1
      reqs[n] = wrk.format("POST", "/", headers, line)
    end
    i = i + 1
  end
  if n == 0 then
    finish()
  end
end

function delay()
  if reserved < n then
    reserved = reserved + 1
    return 0
  end
  return PARK_MS
end

function request()
  if reserved == 0 then
    return reqs[1] -- wrk's start-up check calls request() once before any delay()
  end
  if sent == 0 then
    t_first = now()
  end
  if sent < n then
    sent = sent + 1
  end
  return reqs[sent] -- only a retried connection could ask past n: it resends the last one
end

function response(status, headers, body)
  received = received + 1
  if status ~= 200 then
    local kind = body and body:match('"__type"%s*:%s*"([^"]+)"') or "-"
    kind = status .. " " .. kind:gsub("[^%w%.%-_#:]", "?")
    errors[kind] = (errors[kind] or 0) + 1
  elseif EXPECT ~= "" and not (body and body:find(EXPECT, 1, true)) then
    errors["200 unexpected-body"] = (errors["200 unexpected-body"] or 0) + 1
  end
  if received >= n then
    t_last = now()
    finish()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_DONE {"requests":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
