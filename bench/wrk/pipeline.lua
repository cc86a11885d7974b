-- Pipelined shape: each connection sends 16 requests in one write and waits
-- for the 16 answers before the next batch. wrk counts every answer as a
-- request; latency is from the batch's write to each answer.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local depth = 16
local batch

function init(args)
  local requests = {}
  for i = 1, depth do
    requests[i] = wrk.format(nil, "/")
  end
  batch = table.concat(requests)
end

function request()
  return batch
end
