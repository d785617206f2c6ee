-- wrk script for bench/run --load: walk the 10,000-file corpus, one file
-- after the other on each connection (/many/f000000.bin .. f009999.bin),
-- as ringload -i and h2load -i do with a list. Written for this bench.
local count = 10000
local i = 0

function request()
   local path = string.format("/many/f%06d.bin", i)
   i = (i + 1) % count
   return wrk.format(nil, path)
end
