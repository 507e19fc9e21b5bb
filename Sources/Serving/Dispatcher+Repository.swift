import ModelServer
import Primitives
import Wire

extension Dispatcher {
    /// Runs a load or unload on a thread of its own: loading reads and warms
    /// a model, which must not stall an event loop. The repository
    /// serialises it with the poller's passes.
    func controlRepository(_ request: ModelControlRequest,
                           completion: @escaping @Sendable (Result<Response.CallResult, WireError>) -> Void,
                           _ action: @escaping @Sendable (ModelRepository) throws -> Response.CallResult) {
        guard !request.name.isEmpty else {
            return completion(.failure(.invalidArgument("a model name is required")))
        }
        PThread.detached(name: "swerve-repo-ctl") { [repository] in
            do {
                completion(.success(try action(repository)))
            } catch {
                completion(.failure(.from(error)))
            }
        }
    }
}
