import FuzzSupport
@testable import Jobs
import Redis

@main
enum FuzzRedis {
    static func main() { FuzzDriver.run(fuzzRedis) }
}

/// Redis replies as the driver reads them (hiredis's reader, then the
/// conversion to `RedisReply`), each read as the job queue reads its
/// replies: a job record (`get_job`'s HMGET, with the stored result
/// decoded), a stream entry (the workers' XREADGROUP/XAUTOCLAIM), and the
/// start script's answer carrying a stored request.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRedis(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let address = RedisAddress(host: "127.0.0.1")
    try? RedisReply.decodeAll(wire: FuzzInput(data, size).bytes) { reply in
        _ = RedisJobQueue.jobResponse(reply, jobID: "fuzz", resultTTL: .seconds(60), address: address)
        _ = RedisWorkerGroup.parseEntry(reply)
        if let parts = reply.array, parts.count >= 2, let request = parts[1].bytes {
            _ = JobCodec.decodeRequest(request)
        }
    }
    return 0
}
