-- Keep-alive shape: one request at a time per connection, connections kept
-- open (wrk's default), plus the JSON report.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
