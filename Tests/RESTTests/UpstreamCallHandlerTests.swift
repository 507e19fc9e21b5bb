import Primitives
import Foundation
import REST
import Transport
import Wire
import XCTest

/// A binary-protocol server that answers GetJob with the job id it was
/// asked for, from another thread after a random delay (so answers come
/// back out of order), and never answers the job "hang".
private final class EchoJobServer: FrameHandler, @unchecked Sendable {
    func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply) {
        guard case .success(let request) = ProtobufCodec.decodeRequest(payload),
              case .getJob(let g) = request.call else { return }
        if g.jobId == "hang" { return }
        let response = Response.success(id: request.id, .getJob(GetJobResponse(jobId: g.jobId, state: .pending)))
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int.random(in: 0...20))) {
            var bytes: [UInt8] = []
            ProtobufCodec.encode(response, into: &bytes)
            reply.send(bytes)
        }
    }

    func framingErrorResponse(_ error: FrameError) -> [UInt8] { [] }
}

final class UpstreamCallHandlerTests: XCTestCase {
    func testPipelinedCallsAreMatchedByIDAndSlowOnesTimeOut() throws {
        let group = try EventLoopGroup(loopCount: 2, name: "upstream-test")
        defer { group.shutdown() }
        let server = try FrameServer(host: "127.0.0.1", port: 0, handler: EchoJobServer(), group: group)
        defer { server.shutdown(grace: .zero) }
        let handler = UpstreamCallHandler(host: "127.0.0.1", port: server.boundPort, group: group,
                                          connectionsPerLoop: 2, requestTimeout: .seconds(1))
        defer { handler.close() }

        let mismatches = Locked(0)
        let done = DispatchGroup()
        for i in 0..<200 {
            done.enter()
            let id = "job-\(i)"
            handler.handle(Request(id: 0, call: .getJob(GetJobRequest(jobId: id))), deadline: nil) { response in
                if case .getJob(let g)? = response.result, g.jobId == id {} else { mismatches.withLock { $0 += 1 } }
                done.leave()
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(mismatches.withLock { $0 }, 0)

        let hung = DispatchSemaphore(value: 0)
        let status = Locked(Status.ok)
        handler.handle(Request(id: 0, call: .getJob(GetJobRequest(jobId: "hang"))), deadline: nil) { response in
            status.withLock { $0 = response.status }
            hung.signal()
        }
        XCTAssertEqual(hung.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(status.withLock { $0.code }, .deadlineExceeded)
    }

    func testUnreachableUpstreamIsUnavailable() throws {
        let group = try EventLoopGroup(loopCount: 1, name: "upstream-test")
        defer { group.shutdown() }
        let handler = UpstreamCallHandler(host: "127.0.0.1", port: 1, group: group)
        let done = DispatchSemaphore(value: 0)
        let status = Locked(Status.ok)
        handler.handle(Request(id: 0, call: .health(HealthRequest())), deadline: nil) { response in
            status.withLock { $0 = response.status }
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(status.withLock { $0.code }, .unavailable)
        XCTAssertTrue(status.withLock { $0.message }.contains("127.0.0.1:1"))
    }
}
