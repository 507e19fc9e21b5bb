import REST
import Wire

/// The in-process REST adapter calls the dispatcher directly: the same
/// `Wire.Request` values the binary protocol decodes, no encoding between.
extension Dispatcher: CallHandler {}
