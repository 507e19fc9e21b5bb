/// An object that knows its position in its owner's list, so that the
/// owner removes it in O(1) (the last member takes its place). Servers keep
/// their connections this way.
protocol ListMember: AnyObject {
    /// Position in the owner's list; -1 when in none.
    var index: Int { get set }
}

extension Array where Element: ListMember {
    mutating func appendMember(_ member: Element) {
        member.index = count
        append(member)
    }

    /// Removes `member` if it is in this list; false when it is not.
    @discardableResult
    mutating func removeMember(_ member: Element) -> Bool {
        let i = member.index
        guard i >= 0, i < count, self[i] === member else { return false }
        let last = removeLast()
        if i < count {
            self[i] = last
            last.index = i
        }
        member.index = -1
        return true
    }
}

extension ServerConnection: ListMember {}
extension StreamConnection: ListMember {}
