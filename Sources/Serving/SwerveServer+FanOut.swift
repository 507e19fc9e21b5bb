import Aggregator
import Logging
import ModelServer
import TLS
import Transport

extension SwerveServer {
    /// Builds the fan-out aggregator on the server's loops. `members` maps a
    /// member name (or `model/member`) to `HOST:PORT` (`swerve serve --member`).
    static func makeFanOut(repository: ModelRepository, group: EventLoopGroup, members: [String: String],
                           memberTLS: TLSClientConfiguration?, memberToken: String?,
                           pollInterval: Duration, logger: Logger) throws -> (FanOutAdapter, DispatcherReference) {
        var overrides: [String: Endpoint] = [:]
        for (name, text) in members {
            guard let endpoint = Endpoint(text) else {
                throw MemberOverrideError(description: "--member \(name)=\(text): '\(text)' is not HOST:PORT "
                    + "(IPv6 in brackets, port 1...65535)")
            }
            overrides[name] = endpoint
        }
        let memberTransforms = try memberTLS.map { try TLSClientContext($0) }
        let reference = DispatcherReference()
        let aggregator = FanOutAggregator(repository: repository, loops: group.loops, endpointOverrides: overrides,
                                          refreshInterval: pollInterval, memberTransforms: memberTransforms,
                                          memberToken: memberToken, logger: logger,
                                          local: { request, deadline, completion in
                                              reference.predict(request, deadline: deadline, completion: completion)
                                          },
                                          localMetadata: { request, deadline, completion in
                                              reference.metadata(request, deadline: deadline, completion: completion)
                                          })
        return (FanOutAdapter(aggregator: aggregator), reference)
    }
}

/// A `--member NAME=HOST:PORT` override that cannot be used.
public struct MemberOverrideError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
