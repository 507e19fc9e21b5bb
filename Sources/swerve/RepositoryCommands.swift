import ArgumentParser
import TextFormats
import Wire

/// `swerve load MODEL` / `swerve unload MODEL`: repository control over the
/// binary protocol, as Triton's `/v2/repository/models/{m}/load|unload`.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load (or reload) a model on a server started with --repository-control explicit or both.")

    @OptionGroup var client: ClientOptions

    @Argument(help: "Model name (a directory of the server's repository).")
    var model: String

    func run() throws {
        try client.withClient { swerve in printVersions(try swerve.loadModel(model)) }
    }
}

struct Unload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a model out of service (calls in flight finish first) until it is loaded again.")

    @OptionGroup var client: ClientOptions

    @Argument(help: "Model name.")
    var model: String

    func run() throws {
        try client.withClient { swerve in printVersions(try swerve.unloadModel(model)) }
    }
}

/// Prints a model's version states as one JSON object.
func printVersions(_ status: GetModelStatusResponse) {
    var json = JSONWriter()
    json.raw("{\"model\": ")
    json.string(status.name)
    json.raw(", \"versions\": ")
    json.versionStatuses(status.versions)
    json.raw("}")
    print(json.text)
}
