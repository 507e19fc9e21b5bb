/// A Swift type that a `TensorStorage` case holds, so layout kernels (Gather,
/// Concat, Transpose, ...) can be written once, generically, and specialised
/// per type by the optimiser.
protocol TensorElement: Sendable {
    static var elementType: ElementType { get }
    static func values(of storage: TensorStorage) -> [Self]?
    static func storage(_ values: [Self]) -> TensorStorage
}

extension Float: TensorElement {
    static var elementType: ElementType { .float }
    static func values(of storage: TensorStorage) -> [Float]? { if case .float(let v) = storage { return v }; return nil }
    static func storage(_ values: [Float]) -> TensorStorage { .float(values) }
}

extension Double: TensorElement {
    static var elementType: ElementType { .double }
    static func values(of storage: TensorStorage) -> [Double]? { if case .double(let v) = storage { return v }; return nil }
    static func storage(_ values: [Double]) -> TensorStorage { .double(values) }
}

extension Int64: TensorElement {
    static var elementType: ElementType { .int64 }
    static func values(of storage: TensorStorage) -> [Int64]? { if case .int64(let v) = storage { return v }; return nil }
    static func storage(_ values: [Int64]) -> TensorStorage { .int64(values) }
}

extension Int32: TensorElement {
    static var elementType: ElementType { .int32 }
    static func values(of storage: TensorStorage) -> [Int32]? { if case .int32(let v) = storage { return v }; return nil }
    static func storage(_ values: [Int32]) -> TensorStorage { .int32(values) }
}

extension Bool: TensorElement {
    static var elementType: ElementType { .bool }
    static func values(of storage: TensorStorage) -> [Bool]? { if case .bool(let v) = storage { return v }; return nil }
    static func storage(_ values: [Bool]) -> TensorStorage { .bool(values) }
}

extension String: TensorElement {
    static var elementType: ElementType { .string }
    static func values(of storage: TensorStorage) -> [String]? { if case .string(let v) = storage { return v }; return nil }
    static func storage(_ values: [String]) -> TensorStorage { .string(values) }
}

/// A type-generic transformation of one tensor's values, applied by
/// `TensorStorage.transformed(_:)` after a single switch on the element type.
protocol StorageTransform {
    func apply<T: TensorElement>(_ values: [T]) throws -> [T]
}

extension TensorStorage {
    func transformed(_ transform: some StorageTransform) throws -> TensorStorage {
        switch self {
        case .float(let v): return .float(try transform.apply(v))
        case .double(let v): return .double(try transform.apply(v))
        case .int64(let v): return .int64(try transform.apply(v))
        case .int32(let v): return .int32(try transform.apply(v))
        case .bool(let v): return .bool(try transform.apply(v))
        case .string(let v): return .string(try transform.apply(v))
        }
    }

    /// The values in `range` (a valid range of positions).
    func subrange(_ range: Range<Int>) -> TensorStorage {
        switch self {
        case .float(let v): return .float(Array(v[range]))
        case .double(let v): return .double(Array(v[range]))
        case .int64(let v): return .int64(Array(v[range]))
        case .int32(let v): return .int32(Array(v[range]))
        case .bool(let v): return .bool(Array(v[range]))
        case .string(let v): return .string(Array(v[range]))
        }
    }

    /// The values at `indices` (each a valid position), in that order.
    func gathered(_ indices: [Int]) -> TensorStorage {
        struct Gather: StorageTransform {
            let indices: [Int]
            func apply<T: TensorElement>(_ values: [T]) -> [T] {
                values.withUnsafeBufferPointer { source in
                    indices.map { source[$0] }
                }
            }
        }
        // Gather never throws.
        return try! transformed(Gather(indices: indices))
    }
}
