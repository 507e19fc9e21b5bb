import Transport

/// A server's `host:port`, as users type it (defined in Transport, where the
/// aggregator's member pools use it too).
public typealias ServerAddress = Transport.ServerAddress
