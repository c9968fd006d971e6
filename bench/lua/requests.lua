-- Rotates through the requests of a file (one a line: METHOD<TAB>PATH<TAB>headers<TAB>body, headers
-- as "Name: value" joined by "|"), each thread starting at its own offset, and prints the
-- result as one JSON line at the end. Optional: counts statuses and keeps the ETag of an edited
-- record for the next edit ("If-Match: {etag}" in a header is replaced by the newest one seen).
local requests = {}
local templates = {}
local counter = 0
local etag = nil
statuses = {}
local threads = {}

local function split(text, sep)
  local out = {}
  for part in string.gmatch(text .. sep, "(.-)" .. sep) do table.insert(out, part) end
  return out
end

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  for line in io.lines(path) do
    if line ~= "" then
      local f = split(line, "\t")
      local headers = {}
      local dynamic = false
      if f[3] and f[3] ~= "" then
        for _, h in ipairs(split(f[3], "|")) do
          local name, value = h:match("^([^:]+):%s*(.*)$")
          if value == "{etag}" then dynamic = true end
          headers[name] = value
        end
      end
      local body = f[4] ~= "" and f[4] or nil
      if dynamic then
        table.insert(templates, #requests + 1)
        requests[#requests + 1] = {f[1], f[2], headers, body}
      else
        requests[#requests + 1] = wrk.format(f[1], f[2], headers, body)
      end
    end
  end
  counter = (id or 0) * 7919
  -- A response callback costs time on every answer: only where statuses are wanted.
  if args[2] ~= "statuses" then response = nil end
end

function request()
  counter = counter + 1
  local r = requests[(counter % #requests) + 1]
  if type(r) == "table" then
    local headers = {}
    for k, v in pairs(r[3]) do headers[k] = v == "{etag}" and (etag or '"none"') or v end
    return wrk.format(r[1], r[2], headers, r[4])
  end
  return r
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  local tag = headers["ETag"] or headers["etag"]
  -- Only an edited record's ETag ("<id>-v<n>") is kept; catalogue ETags are hashes.
  if tag and string.find(tag, '%-v%d+"$') then etag = tag end
end

function done(summary, latency, requests_)
  local parts = {}
  for _, p in ipairs({50, 90, 95, 99}) do
    table.insert(parts, string.format('"p%d":%d', p, latency:percentile(p)))
  end
  local codes = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for k, v in pairs(s) do codes[k] = (codes[k] or 0) + v end
    end
  end
  local code_parts = {}
  for k, v in pairs(codes) do table.insert(code_parts, string.format('"%s":%d', k, v)) end
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d},"latency_us":{%s,"mean":%.1f,"max":%d},' ..
    '"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    table.concat(parts, ","), latency.mean, latency.max, table.concat(code_parts, ",")))
end
