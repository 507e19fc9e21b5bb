import ArgumentParser
import Serving

/// `swerve`: the server and its command-line client in one binary.
@main
struct Swerve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swerve",
        abstract: "A model server for ONNX models, and its command-line client.",
        discussion: """
        The binary protocol is gRPC-style framing (flags byte, 4-byte big-endian length, \
        protobuf message) but it is not gRPC: gRPC clients do not speak it.
        """,
        version: SwerveServer.version,
        subcommands: [Serve.self, Predict.self, Status.self, Metadata.self, Models.self, Health.self,
                      Submit.self, Job.self, Worker.self, Rest.self, BatchCommand.self, Stream.self,
                      Load.self, Unload.self]
    )
}
