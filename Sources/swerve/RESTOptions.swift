import ArgumentParser
import REST

/// The REST adapter's options, shared by `swerve serve` (in-process adapter)
/// and `swerve rest` (standalone).
struct RESTOptions: ParsableArguments {
    @Option(help: "Largest accepted REST request body, in bytes (larger ones get 413).")
    var maxBodyBytes: Int = EnvironmentDefaults.value("MAX_BODY_BYTES", 16 * 1024 * 1024)

    @Option(help: "The model behind the classic routes (/predict, /predict/label, /metadata, /submit).")
    var defaultModel: String = EnvironmentDefaults.value("DEFAULT_MODEL", "iris")

    @Option(help: "Seconds a REST request's headers may take to arrive (slower clients get 408 and are dropped).")
    var headerTimeoutSeconds: Double = EnvironmentDefaults.value("HEADER_TIMEOUT_SECONDS", 10)

    @Option(help: "Seconds a REST request's body may take to arrive after its headers.")
    var bodyTimeoutSeconds: Double = EnvironmentDefaults.value("BODY_TIMEOUT_SECONDS", 30)

    func validate() throws {
        guard maxBodyBytes >= 0 else { throw ValidationError("--max-body-bytes must not be negative") }
        guard headerTimeoutSeconds > 0, bodyTimeoutSeconds > 0, headerTimeoutSeconds <= 86_400, bodyTimeoutSeconds <= 86_400 else {
            throw ValidationError("--header-timeout-seconds and --body-timeout-seconds must be in (0, 86400]")
        }
        guard !defaultModel.isEmpty else { throw ValidationError("--default-model must not be empty") }
    }

    /// The adapter's options for `host:port`.
    func serverOptions(host: String, port: Int) -> RESTServer.Options {
        var o = RESTServer.Options()
        o.host = host
        o.port = port
        o.maxBodyBytes = maxBodyBytes
        o.defaultModel = defaultModel
        o.headerTimeout = .milliseconds(Int64((headerTimeoutSeconds * 1000).rounded()))
        o.bodyTimeout = .milliseconds(Int64((bodyTimeoutSeconds * 1000).rounded()))
        return o
    }
}

/// `--rest-port` for `swerve serve`.
struct ServeRESTOptions: ParsableArguments {
    @Option(help: "REST (HTTP/JSON) port served in-process on the same loops; 0 turns REST off, -1 picks a free port.")
    var restPort: Int = EnvironmentDefaults.value("REST_PORT", 8501)

    @OptionGroup var rest: RESTOptions

    func validate() throws {
        guard (-1...65535).contains(restPort) else { throw ValidationError("--rest-port \(restPort) is not in -1...65535") }
    }

    /// nil when REST is off.
    func serverOptions(host: String) -> RESTServer.Options? {
        restPort == 0 ? nil : rest.serverOptions(host: host, port: max(0, restPort))
    }
}
