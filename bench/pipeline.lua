-- wrk script for bench/run --load: HTTP/1.1 pipelining, written for this
-- bench. wrk writes what request() returns in one go and then reads one
-- response per request in it, so returning DEPTH copies of the GET keeps
-- DEPTH requests in flight on each connection (wrk -s pipeline.lua URL -- DEPTH).
local depth = 16
local batch

function init(args)
   if args[1] ~= nil then
      depth = tonumber(args[1])
   end
   local copies = {}
   for i = 1, depth do
      copies[i] = wrk.format()
   end
   batch = table.concat(copies)
end

function request()
   return batch
end
