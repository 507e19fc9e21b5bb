import CZlib
import Wire

/// `grpc-encoding: gzip` for request messages.
enum GRPCGzip {
    /// Inflates a gzip member, refusing output past `limit` bytes (a small
    /// compressed message must not become gigabytes in memory).
    static func inflate(_ compressed: UnsafeRawBufferPointer, limit: Int) throws(GRPCStatus) -> [UInt8] {
        var stream = z_stream()
        guard swerve_inflate_init_gzip(&stream) == Z_OK else {
            throw GRPCStatus(.internal, "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: min(max(compressed.count * 4, 256), limit + 1))
        var produced = 0
        stream.next_in = UnsafeMutablePointer(mutating: compressed.bindMemory(to: Bytef.self).baseAddress)
        stream.avail_in = uInt(compressed.count)
        while true {
            if produced == output.count {
                guard output.count <= limit else {
                    throw GRPCStatus(.resourceExhausted, "the gzip request message inflates past the \(limit)-byte message limit")
                }
                output.append(contentsOf: repeatElement(0, count: min(output.count, limit + 1 - output.count)))
            }
            let rc = output.withUnsafeMutableBytes { out -> Int32 in
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress! + produced
                stream.avail_out = uInt(out.count - produced)
                let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                produced = out.count - Int(stream.avail_out)
                return rc
            }
            switch rc {
            case Z_STREAM_END:
                guard produced <= limit else {
                    throw GRPCStatus(.resourceExhausted, "the gzip request message inflates past the \(limit)-byte message limit")
                }
                output.removeLast(output.count - produced)
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_in == 0:
                throw GRPCStatus(.invalidArgument, "the gzip request message is truncated")
            case Z_BUF_ERROR:
                continue
            default:
                throw GRPCStatus(.invalidArgument, "the request message is not valid gzip (zlib error \(rc))")
            }
        }
    }
}
