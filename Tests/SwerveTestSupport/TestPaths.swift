import Foundation

/// Paths the process tests need, found from this file and the test binary.
public enum TestPaths {
    /// The repository root (this file is Tests/SwerveTestSupport/TestPaths.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let models = repositoryRoot.appendingPathComponent("models")
    public static let fixtures = models.appendingPathComponent("fixtures")

    /// The `swerve` executable built beside the test bundle.
    public static var swerveBinary: URL {
        let testBinary = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var dir = testBinary.deletingLastPathComponent()
        // The xctest "bundle" on Linux is a plain executable; on a layout with a
        // bundle directory, step out of it.
        while dir.pathExtension == "xctest" || dir.lastPathComponent == "Contents" || dir.lastPathComponent == "MacOS" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("swerve")
    }

    /// A fresh temporary directory, removed by the caller.
    public static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("swerve-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Copies the named served models (`models/<name>`) into a new repository directory.
    public static func repository(with names: [String], testName: String) throws -> URL {
        let root = try temporaryDirectory(testName)
        for name in names {
            try FileManager.default.copyItem(at: models.appendingPathComponent(name),
                                             to: root.appendingPathComponent(name))
        }
        return root
    }
}
