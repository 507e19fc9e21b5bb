extension Duration {
    /// Whole milliseconds, rounded up (a 0.5 ms timeout is 1 ms, not "fire
    /// now"); negative durations are 0. The one conversion for libuv timers,
    /// wire `timeout_ms`, Redis arguments and messages.
    public var milliseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        return UInt64(seconds) &* 1000 &+ UInt64((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
