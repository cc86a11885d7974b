-- New connection per request: every request says "Connection: close", the
-- server answers and closes, and wrk opens a new connection for the next one.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

wrk.headers["Connection"] = "close"
