-- wrk script: every request POSTs the body given after `--` as JSON.
--   wrk -t1 -c32 -d10s -s scripts/wrk-post.lua URL -- '{"instances": [[5.1, 3.5, 1.4, 0.2]]}'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function init(args)
    wrk.body = args[1]
end
