/// Measures how deeply the messages of a serialized ModelProto nest, before
/// protobuf-c parses it.
///
/// protobuf-c unpacks nested messages recursively with no depth limit, and
/// ONNX's schema is recursive (a graph attribute holds a graph whose nodes hold
/// attributes holding graphs; a sequence type holds a type). A small crafted
/// file can therefore nest deeply enough to overflow the stack. This walk
/// follows only the message-typed fields of the subset in proto/onnx/onnx.proto,
/// iteratively, and stops at the first malformed byte (protobuf-c then reports
/// the file as corrupt).
enum ProtoNestingCheck {
    /// Message types whose nested fields matter.
    private enum Message {
        case model, graph, node, attribute, valueInfo, type, typeTensor, typeSequence, typeMap, shape, leaf

        /// The message type of field `number` when it is a nested message, else nil.
        func child(_ number: UInt64) -> Message? {
            switch (self, number) {
            case (.model, 7): return .graph
            case (.graph, 1): return .node
            case (.graph, 5): return .leaf            // TensorProto: no nested messages in the subset
            case (.graph, 11), (.graph, 12), (.graph, 13): return .valueInfo
            case (.node, 5): return .attribute
            case (.attribute, 5), (.attribute, 10): return .leaf
            case (.attribute, 6), (.attribute, 11): return .graph
            case (.valueInfo, 2): return .type
            case (.type, 1): return .typeTensor
            case (.type, 4): return .typeSequence
            case (.type, 5): return .typeMap
            case (.typeTensor, 2): return .shape
            case (.typeSequence, 1): return .type
            case (.typeMap, 2): return .type
            default: return nil
            }
        }
    }

    /// The deepest nesting of messages in `bytes` (the model itself is depth 1),
    /// or nil as soon as it exceeds `limit`.
    static func depth(of bytes: [UInt8], limit: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            // Stack of (message type, end offset) for the messages being read.
            var stack: [(message: Message, end: Int)] = [(.model, buffer.count)]
            var deepest = 1
            var position = 0
            while let top = stack.last {
                if position >= top.end {
                    stack.removeLast()
                    continue
                }
                guard let key = readVarint(buffer, &position, end: top.end) else { return deepest }
                let field = key >> 3
                switch key & 7 {
                case 0:
                    guard readVarint(buffer, &position, end: top.end) != nil else { return deepest }
                case 1:
                    position += 8
                case 5:
                    position += 4
                case 2:
                    guard let length = readVarint(buffer, &position, end: top.end),
                          length <= UInt64(top.end - position) else { return deepest }
                    let end = position + Int(length)
                    if let child = top.message.child(field), child != .leaf {
                        stack.append((child, end))
                        deepest = max(deepest, stack.count)
                        if deepest > limit { return nil }
                    } else {
                        position = end
                    }
                default:
                    return deepest  // groups or junk: protobuf-c will judge
                }
                if position > top.end { return deepest }
            }
            return deepest
        }
    }

    private static func readVarint(_ buffer: UnsafeBufferPointer<UInt8>, _ position: inout Int, end: Int) -> UInt64? {
        ProtobufVarint.read(UnsafeRawBufferPointer(buffer), at: &position, end: end)
    }
}
