import Foundation
import Wire

/// Helpers of the fan-out process tests.
enum FanOutTest {
    /// A port free on 127.0.0.1 right now (bound to port 0, then released).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ProcessFailure("bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ProcessFailure("getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Calls `attempt` until it returns a value, or fails after `timeout`.
    static func waitFor<T>(timeout: Duration, every interval: TimeInterval = 0.05, _ attempt: () throws -> T?) throws -> T {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if let value = try attempt() { return value }
            if ContinuousClock.now >= deadline { throw ProcessFailure("condition not met within \(timeout)") }
            Thread.sleep(forTimeInterval: interval) // polling pace; the condition is what we wait on
        }
    }

    static func strings(_ response: PredictResponse, _ name: String) throws -> [String] {
        guard case .string(let v)? = response.output(named: name)?.storage else {
            throw ProcessFailure("no string output '\(name)' in \(response.outputs.map(\.name))")
        }
        return v
    }

    static func floats(_ response: PredictResponse, _ name: String) throws -> [Float] {
        guard case .float(let v)? = response.output(named: name)?.storage else {
            throw ProcessFailure("no float output '\(name)' in \(response.outputs.map(\.name))")
        }
        return v
    }

    static func int64s(_ response: PredictResponse, _ name: String) throws -> [Int64] {
        guard case .int64(let v)? = response.output(named: name)?.storage else {
            throw ProcessFailure("no int64 output '\(name)' in \(response.outputs.map(\.name))")
        }
        return v
    }
}
