/// A binary min-heap of (deadline, key) pairs: one loop timer armed at the
/// earliest deadline serves any number of request timeouts. Entries whose
/// request already finished are skipped when popped (lazy deletion), so
/// completing a request costs nothing here.
struct DeadlineHeap {
    private var items: [(deadline: UInt64, key: UInt64)] = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var earliest: UInt64? { items.first?.deadline }

    mutating func insert(deadline: UInt64, key: UInt64) {
        items.append((deadline, key))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[parent].deadline <= items[child].deadline { break }
            items.swapAt(parent, child)
            child = parent
        }
    }

    /// Removes and returns the earliest entry if its deadline is at or before `now`.
    mutating func popExpired(now: UInt64) -> UInt64? {
        guard let first = items.first, first.deadline <= now else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < items.count && items[left].deadline < items[smallest].deadline { smallest = left }
                if right < items.count && items[right].deadline < items[smallest].deadline { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first.key
    }

    mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
    }
}
