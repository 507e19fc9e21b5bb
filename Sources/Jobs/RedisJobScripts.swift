import Redis
/// The Lua scripts that change a job. Each runs atomically in Redis, which
/// is what keeps states moving forward only and results stored once even
/// when two workers hold the same job (a reclaimed job whose first worker
/// was only slow, not dead).
///
/// Timestamps come from Redis's TIME so that fronts and workers on
/// different machines agree. They are built as strings: Lua 5.1 formats
/// numbers with 14 significant digits, too few for Unix microseconds.
enum RedisJobScripts {
    /// KEYS: stream, job hash, [idempotency key]. ARGV: job id, request bytes,
    /// result TTL (s). Returns the job id: the existing one for a known key.
    static let submit = RedisScript(name: "submit", source: """
        local function now()
          local t = redis.call('TIME')
          return t[1] .. string.format('%06d', tonumber(t[2]))
        end
        -- A retried submit (its first reply was lost) must not queue the job twice.
        if redis.call('EXISTS', KEYS[2]) == 1 then return ARGV[1] end
        local idem = ''
        if #KEYS == 3 then
          idem = KEYS[3]
          local existing = redis.call('GET', idem)
          if existing then return existing end
          redis.call('SET', idem, ARGV[1], 'EX', ARGV[3])
        end
        redis.call('HSET', KEYS[2], 'state', 1, 'request', ARGV[2], 'submitted', now(), 'attempts', 0, 'idem', idem)
        redis.call('XADD', KEYS[1], '*', 'job', ARGV[1])
        return ARGV[1]
        """)

    /// A worker takes a delivered entry. KEYS: stream, job hash, dead-letter
    /// stream, stats. ARGV: group, entry id, max attempts, consumer, result
    /// TTL (s), job id.
    /// Returns {1, request, attempts} to run it, or {0, why} when the entry
    /// needs no run (job expired, already finished, or out of attempts).
    static let start = RedisScript(name: "start", source: """
        local function now()
          local t = redis.call('TIME')
          return t[1] .. string.format('%06d', tonumber(t[2]))
        end
        local function done()
          redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
          redis.call('XDEL', KEYS[1], ARGV[2])
        end
        local h = redis.call('HMGET', KEYS[2], 'state', 'attempts', 'request', 'last_code', 'last_error', 'idem')
        if not h[1] then done(); return {0, 'gone'} end
        local state = tonumber(h[1])
        if state >= 3 then done(); return {0, 'finished'} end
        local attempts = tonumber(h[2] or '0') + 1
        if attempts > tonumber(ARGV[3]) then
          local code = h[4] or '10'
          local message = h[5] or ('gave up after ' .. (attempts - 1) .. ' attempts: every worker that took the job stopped before finishing it')
          local t = now()
          redis.call('HSET', KEYS[2], 'state', 4, 'err_code', code, 'err_msg', message, 'finished', t)
          redis.call('HINCRBY', KEYS[2], 'result_writes', 1)
          redis.call('EXPIRE', KEYS[2], ARGV[5])
          if h[6] and h[6] ~= '' then redis.call('EXPIRE', h[6], ARGV[5]) end
          redis.call('XADD', KEYS[3], 'MAXLEN', '~', 100000, '*', 'job', ARGV[6], 'attempts', attempts - 1, 'error', message)
          redis.call('HINCRBY', KEYS[4], 'failed', 1)
          done()
          return {0, 'dead'}
        end
        redis.call('HSET', KEYS[2], 'attempts', attempts, 'worker', ARGV[4])
        if state == 1 then redis.call('HSET', KEYS[2], 'state', 2, 'started', now()) end
        return {1, h[3], attempts}
        """)

    /// Stores a result once and acks. KEYS: stream, job hash, stats. ARGV:
    /// group, entry id, state (3 completed | 4 failed), result bytes or
    /// error message, error code, result TTL (s).
    /// Returns 1 when stored, 0 when the job had already finished (or gone).
    static let finish = RedisScript(name: "finish", source: """
        local t = redis.call('TIME')
        local now = t[1] .. string.format('%06d', tonumber(t[2]))
        local h = redis.call('HMGET', KEYS[2], 'state', 'idem')
        local stored = 0
        if h[1] and tonumber(h[1]) < 3 then
          if ARGV[3] == '3' then
            redis.call('HSET', KEYS[2], 'state', 3, 'result', ARGV[4], 'finished', now)
            redis.call('HINCRBY', KEYS[3], 'completed', 1)
          else
            redis.call('HSET', KEYS[2], 'state', 4, 'err_code', ARGV[5], 'err_msg', ARGV[4], 'finished', now)
            redis.call('HINCRBY', KEYS[3], 'failed', 1)
          end
          redis.call('HDEL', KEYS[2], 'request')
          redis.call('HINCRBY', KEYS[2], 'result_writes', 1)
          redis.call('EXPIRE', KEYS[2], ARGV[6])
          if h[2] and h[2] ~= '' then redis.call('EXPIRE', h[2], ARGV[6]) end
          stored = 1
        else
          redis.call('HINCRBY', KEYS[3], 'duplicates', 1)
        end
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        redis.call('XDEL', KEYS[1], ARGV[2])
        return stored
        """)
}
