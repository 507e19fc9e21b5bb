import CNGHTTP2

/// Header fields to submit to nghttp2: names and values gathered in one
/// buffer, handed over as the `nghttp2_nv` array nghttp2 copies from.
struct HeaderBlock {
    private var bytes: [UInt8] = []
    private var fields: [(name: Range<Int>, value: Range<Int>)] = []

    init() {
        bytes.reserveCapacity(128)
    }

    mutating func add(_ name: StaticString, _ value: StaticString) {
        add(name, UnsafeBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
    }

    mutating func add<Value: Collection<UInt8>>(_ name: StaticString, _ value: Value) {
        let nameStart = bytes.count
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        let valueStart = bytes.count
        bytes.append(contentsOf: value)
        fields.append((nameStart..<valueStart, valueStart..<bytes.count))
    }

    /// Calls `body` with the fields as `nghttp2_nv` (valid during the call).
    func withFields<R>(_ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        var copy = bytes
        return copy.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let nv = fields.map { field in
                nghttp2_nv(name: base + field.name.lowerBound, value: base + field.value.lowerBound,
                           namelen: field.name.count, valuelen: field.value.count, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            return nv.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
        }
    }
}

/// Header fields that never change (the OK response's headers and
/// trailers), built once and handed to nghttp2 without a copy.
final class StaticHeaders: @unchecked Sendable {
    let fields: UnsafeMutablePointer<nghttp2_nv>
    let count: Int

    static let okResponse = StaticHeaders([(":status", "200"), ("content-type", "application/grpc"),
                                           ("grpc-accept-encoding", "identity,gzip")])
    static let okTrailers = StaticHeaders([("grpc-status", "0")])

    // Lives as long as the process (static lets only), so nghttp2 may keep
    // pointing at it until the frames are sent.
    private init(_ pairs: [(String, String)]) {
        count = pairs.count
        fields = .allocate(capacity: pairs.count)
        for (i, (name, value)) in pairs.enumerated() {
            fields[i] = nghttp2_nv(name: Self.bytes(name), value: Self.bytes(value), namelen: name.utf8.count,
                                   valuelen: value.utf8.count,
                                   flags: UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue))
        }
    }

    private static func bytes(_ text: String) -> UnsafeMutablePointer<UInt8> {
        let utf8 = Array(text.utf8)
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(utf8.count, 1))
        p.initialize(from: utf8, count: utf8.count)
        return p
    }
}
