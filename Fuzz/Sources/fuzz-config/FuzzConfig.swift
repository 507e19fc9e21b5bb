import Aggregator
import FuzzSupport
import ModelServer
import TextFormats

@main
enum FuzzConfig {
    static func main() { FuzzDriver.run(fuzzConfig) }
}

/// config.json as the repository reads it, and its `fan_out` section as the
/// fan-out aggregator reads it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput(data, size).bytes
    guard let config = try? ModelConfig.parse(bytes, file: "config.json") else { return 0 }
    if let fanOut = config.raw["fan_out"] {
        _ = try? FanOutConfig.parse(fanOut, model: "fuzz")
    }
    return 0
}
