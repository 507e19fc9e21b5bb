import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `mariadbd` on a free loopback port with its own data directory,
/// started without systemd: `mariadb-install-db`, then `mariadbd`, then a
/// database and a user with a password for the tests (over the socket as
/// root). Killed and removed in `stop()`/deinit. A missing server fails the
/// test (make test-deps installs mariadb-server).
public final class MariaDBServerProcess: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    public let database = "swerve_test"
    public let user = "batch"
    public let password = "batch-secret"
    private var process: ChildProcess?

    public init() throws {
        let install = try Self.executable("mariadb-install-db", in: ["/usr/bin", "/usr/local/bin"])
        let server = try Self.executable("mariadbd", in: ["/usr/sbin", "/usr/bin", "/usr/local/sbin"])
        port = try RedisServerProcess.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-mariadb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // mariadbd refuses to run as root unless told to run as root.
        let account = getuid() == 0 ? "root" : String(cString: getpwuid(getuid())!.pointee.pw_name)
        let data = directory.appendingPathComponent("data").path
        let installed = try ChildProcess.run(install, ["--no-defaults", "--datadir=\(data)", "--user=\(account)",
                                                       "--auth-root-authentication-method=normal", "--skip-test-db"], timeout: 120)
        guard installed.status == 0 else {
            throw ChildProcessFailure("mariadb-install-db failed (\(installed.status!)): \(installed.standardError)")
        }
        process = try ChildProcess(server, [
            "--no-defaults", "--datadir=\(data)", "--port=\(port)", "--bind-address=127.0.0.1",
            "--socket=\(socket)", "--pid-file=\(directory.path)/mariadbd.pid", "--user=\(account)",
            "--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=64M",
            "--innodb-flush-log-at-trx-commit=2", "--log-error=\(directory.path)/error.log",
        ])
        let deadline = Date().addingTimeInterval(60)
        while (try? root("SELECT 1")) == nil {
            if let status = try? process?.wait(timeout: 0) {
                throw ChildProcessFailure("mariadbd exited with \(status): \(log)")
            }
            if Date() > deadline { throw ChildProcessFailure("mariadbd on port \(port) not ready within 60 s: \(log)") }
            usleep(50_000)  // pace of a readiness poll with a deadline
        }
        try root("CREATE DATABASE \(database); CREATE USER '\(user)'@'127.0.0.1' IDENTIFIED BY '\(password)'; "
                 + "GRANT ALL ON \(database).* TO '\(user)'@'127.0.0.1'")
    }

    deinit { stop() }

    public var socket: String { directory.appendingPathComponent("mariadbd.sock").path }

    /// `mysql://user:password@127.0.0.1:port/database`.
    public var url: String { "mysql://\(user):\(password)@127.0.0.1:\(port)/\(database)" }

    private var log: String {
        (try? String(contentsOfFile: directory.appendingPathComponent("error.log").path, encoding: .utf8)) ?? ""
    }

    /// Runs SQL as root over the socket with the `mariadb` client; returns its output (tab-separated rows).
    @discardableResult
    public func root(_ sql: String) throws -> String {
        let client = try Self.executable("mariadb", in: ["/usr/bin", "/usr/local/bin"])
        let run = try ChildProcess.run(client, ["--no-defaults", "--socket=\(socket)", "-uroot", "-N", "-B", "-e", sql], timeout: 60)
        guard run.status == 0 else { throw ChildProcessFailure("mariadb -e \(sql): \(run.standardError)") }
        return run.standardOutput
    }

    public func stop() {
        guard let process else { return }
        process.send(SIGKILL)
        _ = try? process.wait(timeout: 30)
        self.process = nil
        try? FileManager.default.removeItem(at: directory)
    }

    private static func executable(_ name: String, in directories: [String]) throws -> URL {
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return URL(fileURLWithPath: "\(directory)/\(name)")
        }
        throw ChildProcessFailure("\(name) is not installed (make test-deps installs mariadb-server)")
    }
}
