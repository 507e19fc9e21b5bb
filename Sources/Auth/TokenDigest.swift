import CCrypto

/// The SHA-256 digest of a token: what the server keeps instead of the token.
/// Digests are compared in constant time (`CRYPTO_memcmp`), so the time a
/// comparison takes tells nothing about how much of a guess was right.
public struct TokenDigest: Sendable, Hashable {
    /// 32 bytes, as four words so the value needs no heap storage.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Digests `token`'s UTF-8 bytes.
    public init(_ token: String) {
        var token = token
        token.withUTF8 { bytes in
            withUnsafeMutableBytes(of: &words) { out in
                var length: UInt32 = 0
                // EVP_Digest fails only on allocation failure or a missing
                // algorithm; SHA-256 is always built in.
                let ok = EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                    &length, EVP_sha256(), nil)
                precondition(ok == 1 && length == 32, "SHA-256 through libcrypto failed")
            }
        }
    }

    // Hashable (for rate-limit buckets) compares digests, not secrets: a
    // timing difference there reveals nothing about a token.
    public static func == (a: TokenDigest, b: TokenDigest) -> Bool { a.matches(b) }
    public func hash(into hasher: inout Hasher) { hasher.combine(words.0) }

    /// Constant-time equality.
    public func matches(_ other: TokenDigest) -> Bool {
        withUnsafeBytes(of: words) { a in
            withUnsafeBytes(of: other.words) { b in
                CRYPTO_memcmp(a.baseAddress, b.baseAddress, 32) == 0
            }
        }
    }
}
