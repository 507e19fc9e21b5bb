import XCTest
@testable import Transport

final class FrameTests: XCTestCase {
    // A stream of frames with varied sizes, including empty ones.
    private let payloads: [[UInt8]] = [
        [],
        [0x2A],
        Array("hello".utf8),
        [],
        (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) },
        [0, 0, 0, 0, 0],
    ]

    private func stream(_ payloads: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for p in payloads { Frame.append(payload: p, to: &out) }
        return out
    }

    func testHeaderIsFlagsThenBigEndianLength() {
        let frame = Frame.encode(Array(repeating: 7, count: 0x0102_03))
        XCTAssertEqual(Array(frame.prefix(5)), [0x00, 0x00, 0x01, 0x02, 0x03])
        XCTAssertEqual(frame.count, 5 + 0x0102_03)
    }

    func testEncodingReusesCallerBufferCapacity() {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1024)
        let before = buffer.capacity
        Frame.append(payload: [1, 2, 3], to: &buffer)
        buffer.removeAll(keepingCapacity: true)
        Frame.append(payload: [4, 5], to: &buffer)
        XCTAssertEqual(buffer, [0, 0, 0, 0, 2, 4, 5])
        XCTAssertEqual(buffer.capacity, before)
    }

    func testAppendInPlacePatchesLength() throws {
        var buffer: [UInt8] = [9]
        Frame.append(to: &buffer) { $0.append(contentsOf: [1, 2, 3, 4]) }
        XCTAssertEqual(buffer, [9, 0, 0, 0, 0, 4, 1, 2, 3, 4])
        struct Boom: Error {}
        XCTAssertThrowsError(try Frame.append(to: &buffer) { $0.append(1); throw Boom() })
        XCTAssertEqual(buffer, [9, 0, 0, 0, 0, 4, 1, 2, 3, 4], "a failed in-place encode leaves the buffer as it was")
    }

    func testManyFramesInOneChunk() throws {
        var decoder = FrameDecoder()
        XCTAssertEqual(try decoder.feed(stream(payloads)), payloads)
        XCTAssertTrue(decoder.isAtFrameBoundary)
    }

    func testSplitAtEveryBytePosition() throws {
        let bytes = stream(payloads)
        for split in 0...bytes.count {
            var decoder = FrameDecoder()
            var frames = try decoder.feed(Array(bytes[..<split]))
            frames += try decoder.feed(Array(bytes[split...]))
            XCTAssertEqual(frames, payloads, "split at \(split)")
            XCTAssertTrue(decoder.isAtFrameBoundary)
        }
    }

    func testSplitAtEveryPairOfPositions() throws {
        let bytes = stream([[1, 2, 3], [], [4, 5, 6, 7, 8, 9, 10]])
        for a in 0...bytes.count {
            for b in a...bytes.count {
                var decoder = FrameDecoder()
                var frames = try decoder.feed(Array(bytes[..<a]))
                frames += try decoder.feed(Array(bytes[a..<b]))
                frames += try decoder.feed(Array(bytes[b...]))
                XCTAssertEqual(frames, [[1, 2, 3], [], [4, 5, 6, 7, 8, 9, 10]], "splits at \(a), \(b)")
            }
        }
    }

    func testOneByteAtATime() throws {
        var decoder = FrameDecoder()
        var frames: [[UInt8]] = []
        for byte in stream(payloads) { frames += try decoder.feed([byte]) }
        XCTAssertEqual(frames, payloads)
    }

    func testZeroLengthFramesOnly() throws {
        var decoder = FrameDecoder()
        let frames = try decoder.feed(stream(Array(repeating: [], count: 1000)))
        XCTAssertEqual(frames.count, 1000)
        XCTAssertTrue(frames.allSatisfy { $0.isEmpty })
    }

    func testTruncatedStreamYieldsNothingAndIsNotAtBoundary() throws {
        let frame = Frame.encode([1, 2, 3, 4])
        for cut in 1..<frame.count {
            var decoder = FrameDecoder()
            XCTAssertEqual(try decoder.feed(Array(frame[..<cut])), [], "cut at \(cut)")
            XCTAssertFalse(decoder.isAtFrameBoundary)
            XCTAssertEqual(decoder.bufferedByteCount, cut)
        }
    }

    func testWholeFrameInOneChunkIsDeliveredWithoutCopy() throws {
        let bytes = stream([[1, 2, 3], [4, 5]])
        var decoder = FrameDecoder()
        var starts: [UnsafeRawPointer?] = []
        var chunkStart: UnsafeRawPointer?
        try bytes.withUnsafeBytes { chunk in
            chunkStart = chunk.baseAddress
            try decoder.feed(chunk) { payload in
                starts.append(payload.baseAddress)
                return .proceed
            }
        }
        XCTAssertEqual(starts, [chunkStart! + 5, chunkStart! + 13])
    }

    func testCompressedFlagIsRejectedOnFirstByte() {
        var decoder = FrameDecoder()
        XCTAssertThrowsError(try decoder.feed([0x01])) { XCTAssertEqual($0 as? FrameError, .compressedFlagUnsupported) }
        // The decoder stays failed.
        XCTAssertThrowsError(try decoder.feed(Frame.encode([1]))) { XCTAssertEqual($0 as? FrameError, .compressedFlagUnsupported) }
        XCTAssertEqual(decoder.error, .compressedFlagUnsupported)
    }

    func testReservedFlagsAreRejected() {
        for flags: UInt8 in [0x02, 0x80, 0xFE] {
            var decoder = FrameDecoder()
            XCTAssertThrowsError(try decoder.feed([flags, 0, 0, 0, 0])) {
                XCTAssertEqual($0 as? FrameError, .reservedFlags(flags))
            }
        }
        var decoder = FrameDecoder()
        XCTAssertThrowsError(try decoder.feed([0x03])) { XCTAssertEqual($0 as? FrameError, .compressedFlagUnsupported) }
    }

    func testGarbageAfterGoodFramesDeliversThoseFramesThenFails() {
        var decoder = FrameDecoder()
        var bytes = stream([[1], [2]])
        bytes += Array("PUT / HTTP/1.1\r\n".utf8)
        var delivered: [[UInt8]] = []
        XCTAssertThrowsError(try bytes.withUnsafeBytes { chunk in
            try decoder.feed(chunk) { delivered.append(Array($0)); return .proceed }
        }) { XCTAssertEqual($0 as? FrameError, .reservedFlags(UInt8(ascii: "P"))) }
        XCTAssertEqual(delivered, [[1], [2]])
    }

    func testOversizedLengthIsRefusedBeforeThePayloadArrives() {
        var decoder = FrameDecoder(maxPayloadLength: 100)
        // Only the header: the error must come before any payload byte.
        XCTAssertThrowsError(try decoder.feed([0, 0, 0, 0, 101])) {
            XCTAssertEqual($0 as? FrameError, .frameTooLarge(length: 101, limit: 100))
        }
        var exact = FrameDecoder(maxPayloadLength: 100)
        XCTAssertEqual(try exact.feed(Frame.encode(Array(repeating: 1, count: 100))).map(\.count), [100])
    }

    func testOversizedLengthSplitAcrossChunks() throws {
        var decoder = FrameDecoder() // 16 MiB default
        XCTAssertEqual(try decoder.feed([0, 0xFF]), [])
        XCTAssertEqual(try decoder.feed([0xFF, 0xFF]), [])
        XCTAssertThrowsError(try decoder.feed([0xFF])) {
            XCTAssertEqual($0 as? FrameError, .frameTooLarge(length: Int(UInt32.max), limit: 16 * 1024 * 1024))
        }
        // The announced 4 GiB were never reserved.
        XCTAssertLessThan(decoder.bufferedByteCount, 16)
    }

    func testPauseKeepsTheRestForResume() throws {
        let bytes = stream(payloads)
        var decoder = FrameDecoder()
        var got: [[UInt8]] = []
        try bytes.withUnsafeBytes { chunk in
            try decoder.feed(chunk) { got.append(Array($0)); return .pause }
        }
        XCTAssertEqual(got, [payloads[0]])
        XCTAssertTrue(decoder.hasPendingBacklog)
        while decoder.hasPendingBacklog {
            try decoder.resume { got.append(Array($0)); return got.count % 2 == 0 ? .pause : .proceed }
        }
        XCTAssertEqual(got, payloads)
        XCTAssertTrue(decoder.isAtFrameBoundary)
    }

    func testFeedWhilePausedQueuesBehindBacklog() throws {
        var decoder = FrameDecoder()
        var got: [[UInt8]] = []
        var pause = true
        let first = stream([[1], [2], [3]])
        try first.withUnsafeBytes { chunk in
            try decoder.feed(chunk) { got.append(Array($0)); return pause ? .pause : .proceed }
        }
        XCTAssertEqual(got, [[1]])
        pause = false
        // A partial frame fed while paused goes behind the backlog.
        let second = Frame.encode([4, 4])
        try Array(second.prefix(3)).withUnsafeBytes { chunk in
            try decoder.feed(chunk) { got.append(Array($0)); return .proceed }
        }
        XCTAssertEqual(got, [[1], [2], [3]])
        XCTAssertFalse(decoder.hasPendingBacklog)
        got += try decoder.feed(Array(second.dropFirst(3)))
        XCTAssertEqual(got, [[1], [2], [3], [4, 4]])
    }

    func testPauseOnSpanningFrame() throws {
        let bytes = stream([[1, 2, 3], [4], [5]])
        var decoder = FrameDecoder()
        var got: [[UInt8]] = []
        XCTAssertEqual(try decoder.feed(Array(bytes.prefix(4))), [])
        try Array(bytes.dropFirst(4)).withUnsafeBytes { chunk in
            try decoder.feed(chunk) { got.append(Array($0)); return .pause }
        }
        XCTAssertEqual(got, [[1, 2, 3]])
        try decoder.resume { got.append(Array($0)); return .proceed }
        XCTAssertEqual(got, [[1, 2, 3], [4], [5]])
    }

    func testErrorDescriptionsNameTheProblem() {
        XCTAssertTrue(FrameError.compressedFlagUnsupported.description.contains("compressed"))
        XCTAssertTrue(FrameError.reservedFlags(0x80).description.contains("0x80"))
        XCTAssertTrue(FrameError.frameTooLarge(length: 20, limit: 10).description.contains("20 bytes exceeds the limit of 10"))
    }
}
