import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `redis-server` on a free loopback port, for tests. Started with
/// persistence off unless `appendOnly` (then `appendfsync always`, so an
/// acknowledged write survives SIGKILL). Killed in `stop()`/deinit; its
/// directory is removed.
public final class RedisServerProcess: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    public let appendOnly: Bool
    private var process: Process?

    /// The redis-server binary; throws (failing the test) when it is not
    /// installed (`make test-deps` installs it).
    public static func executable() throws -> URL {
        for path in ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        // A missing server is a missing install step: fail, never skip.
        throw RedisTestFailure("redis-server is not installed (make test-deps installs it)")
    }

    public init(appendOnly: Bool = false) throws {
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.appendOnly = appendOnly
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    public var url: String { "redis://127.0.0.1:\(port)" }
    public var pid: Int32 { process?.processIdentifier ?? 0 }

    /// Starts (or restarts, with the same port and data directory) the server
    /// and waits, bounded, until it answers PING.
    public func start() throws {
        let p = Process()
        p.executableURL = try Self.executable()
        var arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--dir", directory.path, "--save", ""]
        arguments += appendOnly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if ping() { return }
            usleep(20_000)  // polling a condition with a deadline, not a fixed wait
        }
        throw RedisTestFailure("redis-server on port \(port) did not answer PING within 20 s")
    }

    /// SIGKILL, then waits for the process to be gone.
    public func kill() {
        guard let p = process, p.isRunning else { return }
        Glibc.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    public func stop() {
        kill()
        process = nil
    }

    /// Pauses (SIGSTOP) or resumes (SIGCONT) the server: a hung Redis.
    public func pause() { if let p = process { Glibc.kill(p.processIdentifier, SIGSTOP) } }
    public func resume() { if let p = process { Glibc.kill(p.processIdentifier, SIGCONT) } }

    /// One RESP PING over a plain socket with a short timeout.
    public func ping() -> Bool {
        (try? command(["PING"])) == "+PONG"
    }

    /// Sends one command and returns the first line of the reply (tests only;
    /// simple replies, integers and the header of bulk replies).
    public func command(_ arguments: [String]) throws -> String {
        guard let fd = try? connectLoopback(port: port) else { throw RedisTestFailure("cannot connect to redis on \(port)") }
        defer { close(fd) }
        var request = "*\(arguments.count)\r\n"
        for a in arguments { request += "$\(a.utf8.count)\r\n\(a)\r\n" }
        let bytes = Array(request.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw RedisTestFailure("write failed") }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Enough of the reply for these tests: one line for simple replies,
        // two for a bulk string or the first element of an array.
        func lines() -> [Substring] { String(decoding: reply, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false) }
        while true {
            let l = lines()
            if l.count >= 2, let first = l.first, let kind = first.first {
                if "+-:".contains(kind) || first == "$-1" || first == "*-1" || first == "*0" { break }
                if l.count >= 3 { break }
            }
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { throw RedisTestFailure("no reply") }
            reply += buffer[..<n]
        }
        let l = lines()
        return l[0].first == "$" || l[0].first == "*" ? l[0] + "\n" + l[1] : String(l[0])
    }

    /// An integer: an integer reply (XLEN), a bulk string holding one (HGET
    /// of a counter; missing → 0), or an array's first element (XPENDING's count).
    public func integer(_ arguments: [String]) throws -> Int {
        let text = try command(arguments)
        let parts = text.split(separator: "\n")
        if text.hasPrefix(":") { return Int(text.dropFirst()) ?? -1 }
        if text.hasPrefix("$-1") { return 0 }
        if text.hasPrefix("$"), parts.count == 2, let n = Int(parts[1]) { return n }
        if text.hasPrefix("*"), parts.count == 2, parts[1].hasPrefix(":"), let n = Int(parts[1].dropFirst()) { return n }
        throw RedisTestFailure("\(arguments.joined(separator: " ")) answered \(text)")
    }

    /// A port nobody listens on right now (bind port 0, read it, close).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw RedisTestFailure("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct RedisTestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
