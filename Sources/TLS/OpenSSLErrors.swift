import COpenSSL

/// OpenSSL's thread-local error queue turned into words.
enum OpenSSLErrors {
    /// Empties the queue (so a later call starts clean) and returns its
    /// reasons, oldest first ("certificate verify failed", "wrong version number").
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                var text = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &text, text.count)
                reasons.append(String(cString: text))
            }
        }
        return reasons.joined(separator: "; ")
    }
}
