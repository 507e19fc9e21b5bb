import ArgumentParser

// Owned by the async-jobs work: `swerve submit`, `swerve job`, `swerve worker`.
struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Submit an asynchronous Predict and print its job id.")
    func run() throws { throw ValidationError("submit is not available yet") }
}

struct Job: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a job's state and result.")
    func run() throws { throw ValidationError("job is not available yet") }
}

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run jobs from a Redis queue.")
    func run() throws { throw ValidationError("worker is not available yet") }
}
