import ModelRuntime

extension CachedPrediction {
    /// The outputs as bytes for the shared level: a count, then per output
    /// its name, element type, shape and values (little-endian, strings
    /// length-prefixed).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + byteCount)
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func put(_ s: String) { put(UInt64(s.utf8.count)); out.append(contentsOf: s.utf8) }
        put(UInt64(names.count))
        for (name, tensor) in zip(names, tensors) {
            put(name)
            put(UInt64(UInt32(bitPattern: tensor.elementType.rawValue)))
            put(UInt64(tensor.shape.count))
            for d in tensor.shape { put(UInt64(bitPattern: Int64(d))) }
            switch tensor.storage {
            case .float(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
            case .double(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
            case .int64(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
            case .int32(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
            case .bool(let v): for b in v { out.append(b ? 1 : 0) }
            case .string(let v): for s in v { put(s) }
            }
        }
        return out
    }

    /// Reads `encoded()` bytes; nil when they are not a well-formed
    /// prediction (a foreign or truncated value is a miss, never a crash).
    public init?(encoded bytes: [UInt8]) {
        var at = 0
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, n <= bytes.count - at else { return nil }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        func u64() -> UInt64? {
            guard let s = take(8) else { return nil }
            return s.reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        func string() -> String? {
            guard let n = u64(), n <= UInt64(bytes.count), let s = take(Int(n)) else { return nil }
            return String(validating: s, as: UTF8.self)
        }
        func values<T>(_ count: Int, _: T.Type) -> [T]? {
            guard let (size, overflow) = Optional(count.multipliedReportingOverflow(by: MemoryLayout<T>.size)),
                  !overflow, let s = take(size) else { return nil }
            return s.withUnsafeBytes { raw in
                (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
            }
        }
        guard let outputs = u64(), outputs <= 1024 else { return nil }
        var names: [String] = [], tensors: [Tensor] = []
        for _ in 0..<outputs {
            guard let name = string(), let typeCode = u64(), let type = ElementType(rawValue: Int32(truncatingIfNeeded: typeCode)),
                  let rank = u64(), rank <= 16 else { return nil }
            var shape: [Int] = []
            var count = 1
            for _ in 0..<rank {
                guard let d = u64(), d <= UInt64(bytes.count) else { return nil }
                shape.append(Int(d))
                let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
                guard !overflow, product <= bytes.count else { return nil }
                count = product
            }
            let storage: TensorStorage
            switch type {
            case .float: guard let v = values(count, Float.self) else { return nil }; storage = .float(v)
            case .double: guard let v = values(count, Double.self) else { return nil }; storage = .double(v)
            case .int64: guard let v = values(count, Int64.self) else { return nil }; storage = .int64(v)
            case .int32: guard let v = values(count, Int32.self) else { return nil }; storage = .int32(v)
            case .bool: guard let v = take(count) else { return nil }; storage = .bool(v.map { $0 != 0 })
            case .string:
                var v: [String] = []
                for _ in 0..<count { guard let s = string() else { return nil }; v.append(s) }
                storage = .string(v)
            }
            names.append(name)
            tensors.append(Tensor(shape: shape, storage: storage))
        }
        guard at == bytes.count else { return nil }
        self.init(names: names, tensors: tensors)
    }
}
