import SwerveTestSupport

/// One input on a fresh loopback connection to a server in this process,
/// as a client would send it: the target's fixed opening (`preamble`), then
/// the input's bytes in the chunks its split byte picks, then a half-close.
/// The server must answer what it can and close the connection; one that
/// neither closes nor resets it within 5 s is a finding.
///
/// Separate writes usually arrive as separate reads on loopback, but TCP may
/// merge them: the split is a strong hint, not a guarantee.
public enum FuzzConnection {
    /// Sends `preamble` and `input` to 127.0.0.1:`port` and waits for the
    /// close; `server` names the server in a finding's message.
    public static func exchange(port: Int, server: String, preamble: [UInt8] = [], _ input: FuzzInput) {
        var connected: RawHTTPClient?
        // libFuzzer's timer signal can interrupt a blocking connect (EINTR): the
        // socket is closed and a new one tries again.
        for attempt in 1...3 where connected == nil {
            do {
                connected = try RawHTTPClient(port: port, timeoutSeconds: 5)
            } catch {
                if attempt == 3 { fatalError("fuzz: cannot connect to \(server): \(error)") }
            }
        }
        guard let client = connected else { return }
        // A send fails once the server has refused the connection and closed it.
        guard preamble.isEmpty || (try? client.send(preamble)) != nil else { return finish(client, server) }
        for chunk in input.chunks() {
            guard (try? client.send(Array(chunk))) != nil else { break }
        }
        finish(client, server)
    }

    private static func finish(_ client: RawHTTPClient, _ server: String) {
        client.finishSending()
        guard client.waitForClose() else {
            fatalError("\(server) neither answered nor closed the connection within 5 s")
        }
    }
}
