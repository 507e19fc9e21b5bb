/// The file of one version directory as found on disk.
enum VersionFile: Sendable, Equatable {
    /// `model.onnx` is a regular file in this state.
    case file(FileStamp)
    /// Something named like a version exists but cannot be loaded (e.g.
    /// `model.onnx` is a directory, or `stat` fails with EACCES or ELOOP).
    case unusable(String)
}

/// One model directory as found on disk.
struct DiskModel: Sendable {
    var name: String
    var directory: String
    /// `config.json`: nil when absent, else its stamp or why it cannot be read.
    var config: Result<FileStamp, FileSystemError>?
    var versions: [Int64: VersionFile]
    /// Set when the directory could not be listed; `versions` is then empty
    /// and the repository keeps what it had rather than unloading it.
    var listError: FileSystemError?

    var configPath: String { directory + "/config.json" }
    func modelPath(_ version: Int64) -> String { "\(directory)/\(version)/model.onnx" }
}

/// What one scan of the repository root found.
struct DiskScan: Sendable {
    var models: [String: DiskModel] = [:]
    /// Entries skipped on purpose (hidden, not a version number, no model.onnx yet); logged at debug.
    var ignored: [String] = []
    /// Entries that look meant to be used but cannot be read; logged as errors.
    var problems: [String] = []
}

/// Reads the repository layout `ROOT/<name>/<version>/model.onnx` plus
/// optional `ROOT/<name>/config.json`, without loading anything.
///
/// Only names read from disk become paths, and the scan goes exactly two
/// levels deep, so symlink loops and odd entries cannot make it wander.
/// Nothing here throws for one bad entry: it is reported and skipped.
struct RepositoryScanner: Sendable {
    var root: String

    /// Scans the root; throws only when the root itself cannot be listed.
    func scan() throws(FileSystemError) -> DiskScan {
        var result = DiskScan()
        for name in try FileSystem.entries(of: root).sorted() {
            let path = "\(root)/\(name)"
            if name.hasPrefix(".") {
                result.ignored.append("ignoring \(path): hidden entry")
                continue
            }
            do {
                guard try FileSystem.status(path).kind == .directory else {
                    result.ignored.append("ignoring \(path): not a directory")
                    continue
                }
            } catch {
                if error.isNotFound {
                    result.ignored.append("ignoring \(path): \(error)")  // dangling symlink, or removed meanwhile
                } else {
                    result.problems.append("skipping model directory: \(error)")
                }
                continue
            }
            if let model = scanModel(name: name, directory: path, into: &result) {
                result.models[name] = model
            }
        }
        return result
    }

    private func scanModel(name: String, directory: String, into result: inout DiskScan) -> DiskModel? {
        var model = DiskModel(name: name, directory: directory, config: nil, versions: [:], listError: nil)
        let entries: [String]
        do {
            entries = try FileSystem.entries(of: directory)
        } catch {
            model.listError = error
            result.problems.append("cannot read model directory: \(error)")
            return model
        }
        var hasConfig = false
        for entry in entries.sorted() {
            let path = "\(directory)/\(entry)"
            if entry == "config.json" {
                hasConfig = true
                do {
                    let (kind, stamp) = try FileSystem.status(path)
                    if kind == .regularFile {
                        model.config = .success(stamp)
                    } else {
                        model.config = .failure(FileSystemError(path: path, operation: "read a regular file at", code: EISDIR))
                    }
                } catch {
                    model.config = .failure(error)
                }
                continue
            }
            guard let version = Self.parseVersion(entry) else {
                result.ignored.append("ignoring \(path): not a version directory (a positive integer without leading zeros)")
                continue
            }
            do {
                guard try FileSystem.status(path).kind == .directory else {
                    result.ignored.append("ignoring \(path): named like a version but not a directory")
                    continue
                }
            } catch {
                if error.isNotFound {
                    result.ignored.append("ignoring \(path): \(error)")
                } else {
                    model.versions[version] = .unusable("\(error)")
                }
                continue
            }
            let file = model.modelPath(version)
            do {
                let (kind, stamp) = try FileSystem.status(file)
                model.versions[version] = kind == .regularFile
                    ? .file(stamp) : .unusable("\(file) is not a regular file")
            } catch {
                if error.isNotFound {
                    // A version directory being created: wait for its file.
                    result.ignored.append("ignoring \(directory)/\(version): no model.onnx yet")
                } else {
                    model.versions[version] = .unusable("\(error)")
                }
            }
        }
        if model.versions.isEmpty && !hasConfig {
            result.ignored.append("ignoring \(directory): no version directories and no config.json")
            return nil
        }
        return model
    }

    /// A version directory name: decimal digits, no sign, no leading zero,
    /// positive, within Int64. Leading zeros are refused so that two
    /// directories ("1" and "01") can never claim the same version.
    static func parseVersion(_ name: String) -> Int64? {
        guard let first = name.utf8.first, first != UInt8(ascii: "0"),
              name.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let version = Int64(name), version > 0 else { return nil }
        return version
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
