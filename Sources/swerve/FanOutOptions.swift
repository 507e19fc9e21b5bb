import ArgumentParser
import SwerveClient

/// `swerve serve` options for fan-out models.
struct FanOutOptions: ParsableArguments {
    @Option(name: .customLong("member"),
            help: ArgumentHelp("Serve a fan-out member from HOST:PORT instead of its config.json endpoint "
                + "(or in-process); NAME is a member name, or MODEL/MEMBER for one fan-out model. Repeatable.",
                valueName: "NAME=HOST:PORT"))
    var members: [String] = []

    /// `--member` values as name → `HOST:PORT`.
    var endpointOverrides: [String: String] {
        var map: [String: String] = [:]
        for text in members {
            if let (name, address) = Self.split(text) { map[name] = address }
        }
        return map
    }

    func validate() throws {
        var seen: Set<String> = []
        for text in members {
            guard let (name, address) = Self.split(text) else {
                throw ValidationError("--member '\(text)' is not NAME=HOST:PORT")
            }
            guard ServerAddress(address) != nil else {
                throw ValidationError("--member '\(text)': '\(address)' is not HOST:PORT (IPv6 in brackets, port 1...65535)")
            }
            guard seen.insert(name).inserted else { throw ValidationError("--member \(name) is given twice") }
        }
    }

    private static func split(_ text: String) -> (String, String)? {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let name = String(text[..<eq])
        let address = String(text[text.index(after: eq)...])
        return name.isEmpty || address.isEmpty ? nil : (name, address)
    }
}
