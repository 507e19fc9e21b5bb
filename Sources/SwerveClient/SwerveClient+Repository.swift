import Wire

extension SwerveClient {
    /// Loads (or reloads) model `name` through the server's model manager and
    /// returns its versions once one serves; needs a server started with
    /// `--repository-control explicit` or `both`.
    public func loadModel(_ name: String, timeoutMs: UInt32 = 0) throws -> GetModelStatusResponse {
        guard case .loadModel(let r) = try call(.loadModel(ModelControlRequest(name: name)), timeoutMs: timeoutMs) else {
            throw SwerveClientError.protocolViolation("load_model answered with another result")
        }
        return r
    }

    /// Takes model `name` out of service (in-flight calls finish first) and
    /// returns its versions' states after the call.
    public func unloadModel(_ name: String, timeoutMs: UInt32 = 0) throws -> GetModelStatusResponse {
        guard case .unloadModel(let r) = try call(.unloadModel(ModelControlRequest(name: name)), timeoutMs: timeoutMs) else {
            throw SwerveClientError.protocolViolation("unload_model answered with another result")
        }
        return r
    }
}
