import ArgumentParser
import SwerveClient
import TLS
import Transport
import Wire

/// Options every client subcommand shares.
struct ClientOptions: ParsableArguments {
    @Option(help: "The server's binary-protocol address, host:port.")
    var server: String = EnvironmentDefaults.value("SERVER", "127.0.0.1:8500")

    @Option(help: "Seconds to wait for the connection and for each answer.")
    var timeoutSeconds: Double = 30

    @OptionGroup(title: "TLS") var tls: ClientTLSOptions

    @Option(help: "Bearer token for a server started with --auth-tokens (SWERVE_TOKEN).")
    var token: String? = EnvironmentDefaults.optional("TOKEN")

    func connect() throws -> SwerveClient {
        guard let address = ServerAddress(server) else {
            throw ValidationError("--server '\(server)' is not host:port (IPv6 in brackets: [::1]:8500)")
        }
        let timeout = Duration.milliseconds(Int64(timeoutSeconds * 1000))
        return try SwerveClient(address: address, connectTimeout: timeout, callTimeout: timeout, tls: try tls.context(),
                                token: token)
    }

    /// Runs `body` with a connected client; a connection or call failure is
    /// printed for a person and becomes exit status 1.
    func withClient(_ body: (SwerveClient) throws -> Void) throws {
        do {
            let swerve = try connect()
            defer { swerve.close() }
            try body(swerve)
        } catch let exit as ExitCode {
            throw exit
        } catch let error as ValidationError {
            throw error
        } catch let error as InputParsing.Failure {
            throw ValidationError(error.description)
        } catch let error as SwerveClientError {
            if case .transport(let message) = error, message.hasSuffix("\(TransportError.connectionClosed)"), !tls.isOn {
                // A TLS port closes a plain-text client without a word: say what that likely means.
                printError("swerve: \(error) (does the server use TLS? then pass --tls-ca)")
                throw ExitCode(1)
            }
            throw reportClientError(error)
        }
    }
}

/// Which model (and optionally which version) a subcommand is about.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model name.")
    var model: String

    @Option(help: "Model version (default: the newest available).")
    var version: Int64?

    @Option(help: "Version label from the model's config.json (e.g. stable, canary).")
    var label: String?

    var spec: ModelSpec { ModelSpec(name: model, version: version, versionLabel: label) }
}

/// Prints a client error the way a person wants to read it, and fails.
func reportClientError(_ error: Error) -> ExitCode {
    printError("swerve: \(error)")
    return ExitCode(1)
}

func printError(_ message: String) {
    var standardError = StandardError()
    print(message, to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        fputs(string, stderr)
    }
}

#if canImport(Glibc)
import Glibc
#endif
