import TextFormats

/// An observation's id as the publisher wrote it: a JSON string or integer.
/// The join key is its text, and it is written back exactly as given.
public struct MessageID: Hashable, Sendable, CustomStringConvertible {
    // Equal by text alone: the CSV keeps only the text, so `5` and `"5"` are
    // one observation for the join and the dedupe.
    public static func == (a: MessageID, b: MessageID) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// The string's content, or the integer's digits.
    public let text: String
    public let isInteger: Bool

    public init(_ text: String, isInteger: Bool = false) {
        self.text = text
        self.isInteger = isInteger
    }

    public var description: String { text }

    /// Reads member `id` of a message: a string or an integer, nothing else.
    static func read(_ message: JSON) throws(StreamError) -> MessageID {
        switch message["id"] {
        case .string(let s)?:
            guard !s.isEmpty else { throw StreamError("\"id\" is an empty string") }
            return MessageID(s)
        case .number(let n)? where n.isInteger:
            return MessageID(n.text, isInteger: true)
        case nil:
            throw StreamError("missing \"id\"")
        case let other?:
            throw StreamError("\"id\" must be a string or an integer, not \(other.kindName == "a number" ? "a fraction" : other.kindName)")
        }
    }

    func write(to writer: inout JSONWriter) {
        if isInteger {
            writer.bytes.append(contentsOf: text.utf8)
        } else {
            writer.string(text)
        }
    }
}
