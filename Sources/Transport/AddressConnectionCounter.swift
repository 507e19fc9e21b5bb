import Primitives

/// Open connections per remote host, shared by the loops of one server:
/// `--max-connections-per-address`, so one client cannot take the whole
/// connection budget. Taken once per accept and once per close.
final class AddressConnectionCounter: Sendable {
    let limit: Int
    private let counts = Locked<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts a new connection from `host`; false (and nothing counted) when
    /// the host already has `limit` open.
    func admit(_ host: String) -> Bool {
        counts.withLock { counts in
            let open = counts[host, default: 0]
            guard open < limit else { return false }
            counts[host] = open + 1
            return true
        }
    }

    /// Uncounts a closed connection admitted for `host`.
    func release(_ host: String) {
        counts.withLock { counts in
            let open = counts[host, default: 1] - 1
            counts[host] = open > 0 ? open : nil
        }
    }
}
