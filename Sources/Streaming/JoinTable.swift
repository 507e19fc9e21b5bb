/// Halves of observations waiting for their pair, keyed by id, bounded in
/// time and size. Each half keeps its delivery (unacked) until it is joined,
/// or evicted to the dead-letter queue.
struct JoinTable {
    enum Side { case truth, prediction }

    struct Half {
        let delivery: Delivery
        let value: Double
        let timestamp: Double?
        let arrived: ContinuousClock.Instant
    }

    enum Outcome {
        /// Both halves: (truth, prediction).
        case joined(Half, Half)
        /// The same half again (a redelivery or a second prediction): the
        /// first one holds the state, this one can be acked.
        case duplicate
        case waiting
    }

    private var entries: [MessageID: (truth: Half?, prediction: Half?)] = [:]
    // Arrival order for eviction; entries already joined are skipped lazily.
    private var order: [(id: MessageID, side: Side, tag: UInt64)] = []
    private var head = 0
    private(set) var pendingCount = 0

    mutating func offer(_ id: MessageID, _ side: Side, _ half: Half) -> Outcome {
        var entry = entries[id] ?? (nil, nil)
        switch side {
        case .truth:
            if entry.truth != nil { return .duplicate }
            if let prediction = entry.prediction {
                entries[id] = nil
                pendingCount -= 1
                return .joined(half, prediction)
            }
            entry.truth = half
        case .prediction:
            if entry.prediction != nil { return .duplicate }
            if let truth = entry.truth {
                entries[id] = nil
                pendingCount -= 1
                return .joined(truth, half)
            }
            entry.prediction = half
        }
        entries[id] = entry
        order.append((id, side, half.delivery.tag))
        pendingCount += 1
        return .waiting
    }

    /// Removes and returns the halves that waited past `deadline`'s age, or
    /// beyond `maxPending`, oldest first, with the reason for each.
    mutating func evict(now: ContinuousClock.Instant, timeout: Duration, maxPending: Int) -> [(Half, String)] {
        var evicted: [(Half, String)] = []
        while head < order.count {
            let (id, side, tag) = order[head]
            guard let entry = entries[id], let half = side == .truth ? entry.truth : entry.prediction, half.delivery.tag == tag else {
                head += 1  // joined meanwhile
                continue
            }
            let reason: String
            if pendingCount > maxPending {
                reason = "the join table is full (--max-pending \(maxPending)); the oldest half waited \(Self.seconds(half.arrived.duration(to: now))) s"
            } else if half.arrived.duration(to: now) >= timeout {
                reason = "no \(side == .truth ? "y_pred" : "y_true") for id \(id) within the join timeout of \(Self.seconds(timeout)) s"
            } else {
                break
            }
            entries[id] = side == .truth ? (nil, entry.prediction) : (entry.truth, nil)
            if entries[id]!.truth == nil && entries[id]!.prediction == nil { entries[id] = nil }
            pendingCount -= 1
            head += 1
            evicted.append((half, reason))
        }
        if head > 4096 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        return evicted
    }

    private static func seconds(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return String((s * 10).rounded() / 10)
    }
}
