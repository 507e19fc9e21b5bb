/// Something that answers a ``Request`` asynchronously: the seam between a
/// front (REST, gRPC) and whatever serves calls. In `swerve serve` it is the
/// in-process `Dispatcher`; in `swerve rest --upstream` it is REST's
/// `UpstreamCallHandler`, which forwards over the binary protocol.
///
/// Thread-safety: `handle` may be called from any thread (the fronts call it
/// on their loop threads) and must not block. `completion` runs
/// exactly once, on any thread: inline when the answer is at hand.
public protocol CallHandler: Sendable {
    func handle(_ request: Request, deadline: ContinuousClock.Instant?,
                completion: @escaping @Sendable (Response) -> Void)
}
