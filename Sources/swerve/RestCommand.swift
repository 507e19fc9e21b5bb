import ArgumentParser

// Owned by the REST work: `swerve rest --upstream HOST:PORT --port 8501`.
struct Rest: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the REST adapter in front of a binary-protocol server.")
    func run() throws { throw ValidationError("rest is not available yet") }
}
