import Foundation
import ModelRuntime
import Primitives
import Synchronization
import Transport
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for `swerve serve`: answers Predict on "iris" with one label
/// per row, GetModelMetadata with a float [-1, 4] input named "input",
/// NOT_FOUND for other models, and Submit either with UNIMPLEMENTED (as
/// swerve does without a job queue) or with jobs that complete on their
/// second GetJob.
final class FakeSwerveHandler: FrameHandler {
    let jobsEnabled: Bool
    private let jobs = Locked<[String: Int]>([:]) // job id -> polls so far
    private let nextJob = Atomic<Int>(0)

    init(jobsEnabled: Bool = false) {
        self.jobsEnabled = jobsEnabled
    }

    func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply) {
        var id: UInt64 = 0
        let response: Response
        switch ProtobufCodec.decodeRequest(payload, id: &id) {
        case .failure(let error):
            response = .failure(id: id, error)
        case .success(let request):
            response = answer(request)
        }
        var output: [UInt8] = []
        ProtobufCodec.encode(response, into: &output)
        reply.send(output)
    }

    private func answer(_ request: Request) -> Response {
        switch request.call {
        case .predict(let predict):
            return predictResponse(id: request.id, predict)
        case .getModelMetadata(let metadata):
            guard metadata.modelSpec.name == "iris" else { return notFound(request.id, metadata.modelSpec.name) }
            return .success(id: request.id, .getModelMetadata(GetModelMetadataResponse(
                modelSpec: ModelSpec(name: "iris", version: 1),
                inputs: [TensorInfo(name: "input", dtype: .float, shape: [-1, 4])],
                outputs: [TensorInfo(name: "label", dtype: .int64, shape: [-1])])))
        case .submit(let submit):
            guard jobsEnabled else {
                return Response(id: request.id, status: Status(.unimplemented, "asynchronous jobs are not available in this build"))
            }
            guard submit.request.modelSpec.name == "iris" else { return notFound(request.id, submit.request.modelSpec.name) }
            let job = "job-\(nextJob.wrappingAdd(1, ordering: .relaxed).newValue)"
            jobs.withLock { $0[job] = 0 }
            return .success(id: request.id, .submit(SubmitResponse(jobId: job)))
        case .getJob(let get):
            let polls = jobs.withLock { jobs -> Int? in
                guard let polls = jobs[get.jobId] else { return nil }
                jobs[get.jobId] = polls + 1
                return polls + 1
            }
            guard let polls else { return Response(id: request.id, status: Status(.notFound, "no job \(get.jobId)")) }
            let state: JobState = polls >= 2 ? .completed : .pending
            return .success(id: request.id, .getJob(GetJobResponse(jobId: get.jobId, state: state)))
        default:
            return Response(id: request.id, status: Status(.unimplemented, "not in the fake server"))
        }
    }

    private func predictResponse(id: UInt64, _ predict: PredictRequest) -> Response {
        guard predict.modelSpec.name == "iris" else { return notFound(id, predict.modelSpec.name) }
        guard let input = predict.input(named: "input"), input.shape.count == 2, input.shape[1] == 4 else {
            return Response(id: id, status: Status(.invalidArgument, "input 'input' must be float [N, 4]"))
        }
        let rows = input.shape[0]
        return .success(id: id, .predict(PredictResponse(
            modelSpec: ModelSpec(name: "iris", version: 1),
            outputs: [NamedTensor("label", Tensor(shape: [rows], int64s: [Int64](repeating: 1, count: rows)))])))
    }

    private func notFound(_ id: UInt64, _ model: String) -> Response {
        Response(id: id, status: Status(.notFound, "model '\(model)' is not in the repository"))
    }

    func framingErrorResponse(_ error: FrameError) -> [UInt8] { [] }
}

/// A tiny HTTP/1.1 server on a loopback port for the HTTP target: one
/// thread per connection, keep-alive, pipelined requests answered in order
/// with `200 {"predictions": [0]}` (or `status` for every request).
final class TinyHTTPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let status: Int
    private let counts = Locked<(connections: Int, requests: Int)>((0, 0))
    private let stopped = Atomic<Bool>(false)

    init(status: Int = 200) throws {
        self.status = status
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let acceptor = Thread { [self] in acceptLoop() }
        acceptor.start()
    }

    var connections: Int { counts.withLock { $0.connections } }
    var requests: Int { counts.withLock { $0.requests } }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let fd = accept(listener, nil, nil)
            if fd < 0 { return }
            counts.withLock { $0.connections += 1 }
            Thread { [self] in serve(fd) }.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var input: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        let body = status == 200 ? "{\"predictions\": [0]}" : "{\"error\": \"fake\"}"
        let response = Array("HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return }
            input.append(contentsOf: chunk[0..<n])
            var output: [UInt8] = []
            // Answer every complete request in the buffer, in order.
            while let headerEnd = input.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: input[..<headerEnd.lowerBound], as: UTF8.self).lowercased()
                var length = 0
                if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }) {
                    length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
                guard input.count >= headerEnd.upperBound + length else { break }
                input.removeFirst(headerEnd.upperBound + length)
                output += response
                counts.withLock { $0.requests += 1 }
            }
            var sent = 0
            while sent < output.count {
                let w = output[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if w <= 0 { return }
                sent += w
            }
        }
    }
}
