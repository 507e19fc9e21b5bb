import Foundation
import ModelRuntime
import Transport
import Wire
import XCTest

/// Randomized robustness: a real server takes 100,000 mutated frames and
/// still answers a valid Predict afterwards.
final class MutatedFrameTests: XCTestCase {
    /// A small deterministic generator, so a failure can be replayed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Valid payloads of every call kind, the seeds the mutations start from.
    static func seedPayloads() -> [[UInt8]] {
        let spec = ModelSpec(name: "iris")
        let calls: [Request.Call] = [
            .predict(PredictRequest(modelSpec: spec, inputs: [NamedTensor("input", Tensor(shape: [2, 4], floats: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]))])),
            .predict(PredictRequest(modelSpec: spec, inputs: [NamedTensor("input", Tensor(shape: [1, 4], floats: [5.1, 3.5, 1.4, 0.2]))], tensorEncoding: .raw)),
            .predict(PredictRequest(modelSpec: ModelSpec(name: "iris", version: 1), inputs: [NamedTensor("input", Tensor(shape: [1, 4], floats: [1, 2, 3, 4]))], outputFilter: ["label"])),
            .getModelStatus(GetModelStatusRequest(modelSpec: spec)),
            .getModelMetadata(GetModelMetadataRequest(modelSpec: spec)),
            .listModels(ListModelsRequest()),
            .health(HealthRequest()),
            .submit(SubmitRequest(request: PredictRequest(modelSpec: spec, inputs: []), idempotencyKey: "k")),
        ]
        return calls.enumerated().map { RequestFrames.payload(Request(id: UInt64($0.offset + 1), call: $0.element, timeoutMs: 5000)) }
    }

    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        switch rng.next() % 6 {
        case 0: // flip a few bits
            for _ in 0..<(1 + Int(rng.next() % 4)) where !bytes.isEmpty {
                bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1 << (rng.next() % 8))
            }
        case 1: // overwrite a few bytes
            for _ in 0..<(1 + Int(rng.next() % 4)) where !bytes.isEmpty {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
        case 2: // truncate
            bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
        case 3: // insert random bytes
            let at = Int(rng.next() % UInt64(bytes.count + 1))
            bytes.insert(contentsOf: (0..<(1 + Int(rng.next() % 8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case 4: // pure garbage
            bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        default: // duplicate a slice (repeated fields, nested lengths)
            if !bytes.isEmpty {
                let a = Int(rng.next() % UInt64(bytes.count))
                let b = min(bytes.count, a + Int(rng.next() % 16))
                bytes.insert(contentsOf: bytes[a..<b], at: a)
            }
        }
        return bytes
    }

    func testHundredThousandMutatedFramesThenAValidPredict() throws {
        let repository = try TestPaths.repository(with: ["iris"], testName: "mutated")
        defer { try? FileManager.default.removeItem(at: repository) }
        let server = try SwerveProcess(models: repository)
        defer {
            server.send(SIGTERM)
            _ = server.waitForExit(timeout: 30)
        }
        let seeds = Self.seedPayloads()
        var rng = SplitMix64(state: 20261123)
        let total = 100_000
        let batch = 500
        var client = try BlockingFrameClient(host: "127.0.0.1", port: server.port, ioTimeout: .seconds(60))
        var sent = 0
        var answered = 0
        while sent < total {
            // Every tenth batch also breaks the framing itself on a fresh
            // connection: bad flags or an oversized length get an error and a close.
            if (sent / batch) % 10 == 9 {
                let broken = try BlockingFrameClient(host: "127.0.0.1", port: server.port, ioTimeout: .seconds(60))
                var frame = Frame.encode(seeds[Int(rng.next() % UInt64(seeds.count))])
                if rng.next() % 2 == 0 { frame[0] = UInt8(1 + rng.next() % 255) } else { frame[1] = 0x7F }
                try broken.sendRaw(frame)
                let response = try RequestFrames.decode(broken.receive())
                XCTAssertEqual(response.id, 0)
                XCTAssertNotEqual(response.status.code, .ok)
                try broken.waitForClose()
                sent += 1
            }
            // Payload mutations keep the framing intact: each gets exactly one answer.
            let n = min(batch, total - sent)
            let frames = (0..<n).map { _ in Self.mutate(seeds[Int(rng.next() % UInt64(seeds.count))], &rng) }
            try client.send(frames: frames)
            for _ in 0..<n {
                let payload = try client.receive()
                // Whatever the server says must itself be a well-formed Response.
                _ = try RequestFrames.decode(payload)
                answered += 1
            }
            sent += n
            if sent % 20_000 == 0 {
                client.close()
                client = try BlockingFrameClient(host: "127.0.0.1", port: server.port, ioTimeout: .seconds(60))
            }
        }
        XCTAssertGreaterThanOrEqual(sent, total)
        XCTAssertGreaterThan(answered, 0)
        let valid = try BlockingFrameClient(host: "127.0.0.1", port: server.port).roundTrip(RequestFrames.predictIris(id: 77))
        XCTAssertEqual(valid.id, 77)
        XCTAssertEqual(valid.status.code, .ok, valid.status.message)
        guard case .predict(let predict)? = valid.result else { return XCTFail("no predict result") }
        guard case .int64(let labels)? = predict.output(named: "label")?.storage else { return XCTFail("no int64 label output") }
        XCTAssertEqual(labels, [0])
    }
}
