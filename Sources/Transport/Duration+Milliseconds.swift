extension Duration {
    // libuv timers count whole milliseconds. Round up, so a 0.5 ms timeout
    // does not become "fire immediately", and clamp negatives to zero.
    var uvMilliseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let ms = UInt64(seconds) &* 1000 &+ UInt64((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        return ms
    }
}
