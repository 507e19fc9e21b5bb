import ModelRuntime

/// Triton's binary tensor data extension of KServe V2: a body of
/// `Inference-Header-Content-Length` bytes of JSON followed by the raw
/// tensors, each input's bytes announced by its `binary_data_size`. Values
/// are little-endian in row-major order; BOOL is one byte; a BYTES element
/// is a 4-byte little-endian length and that many bytes.
enum TritonBinary {
    /// Splits a body at the JSON header's length (the header's text).
    static func split(_ body: UnsafeRawBufferPointer, headerLength text: String) throws(TranslationError)
        -> (json: UnsafeRawBufferPointer, binary: UnsafeRawBufferPointer) {
        guard let length = Int(text.trimmingSpaces), length >= 0 else {
            throw TranslationError("Inference-Header-Content-Length '\(text.prefix(40))' is not a non-negative integer")
        }
        guard length <= body.count else {
            throw TranslationError("Inference-Header-Content-Length is \(length) but the body has only \(body.count) bytes")
        }
        guard length > 0 else { throw TranslationError("Inference-Header-Content-Length is 0; the JSON header is required") }
        return (UnsafeRawBufferPointer(rebasing: body[..<length]), UnsafeRawBufferPointer(rebasing: body[length...]))
    }

    /// The bytes of one element of `type` (nil for BYTES, which vary).
    static func elementSize(_ type: ElementType) -> Int? {
        switch type {
        case .float, .int32: return 4
        case .double, .int64: return 8
        case .bool: return 1
        case .string: return nil
        }
    }

    /// Decodes `count` elements of `type` from exactly `bytes`.
    static func tensor(_ bytes: UnsafeRawBufferPointer, type: ElementType, shape: [Int], count: Int,
                       name: String) throws(TranslationError) -> Tensor {
        if let size = elementSize(type) {
            guard bytes.count == count * size else {
                throw TranslationError("input '\(name)': binary_data_size \(bytes.count) does not match shape \(shape) of \(Router.v2Name(type)) (\(count * size) bytes)")
            }
        }
        switch type {
        case .float: return Tensor(shape: shape, storage: .float(load(bytes, count, Float.self)))
        case .double: return Tensor(shape: shape, storage: .double(load(bytes, count, Double.self)))
        case .int64: return Tensor(shape: shape, storage: .int64(load(bytes, count, Int64.self)))
        case .int32: return Tensor(shape: shape, storage: .int32(load(bytes, count, Int32.self)))
        case .bool: return Tensor(shape: shape, storage: .bool(bytes.map { $0 != 0 }))
        case .string: return Tensor(shape: shape, storage: .string(try strings(bytes, count: count, shape: shape, name: name)))
        }
    }

    // The wire order is little-endian, as is every platform swerve builds for.
    private static func load<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, _ count: Int, _: T.Type) -> [T] {
        (0..<count).map { T(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
    }

    private static func load<T: BinaryFloatingPoint>(_ bytes: UnsafeRawBufferPointer, _ count: Int, _: T.Type) -> [T] {
        (0..<count).map { bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
    }

    private static func strings(_ bytes: UnsafeRawBufferPointer, count: Int, shape: [Int], name: String) throws(TranslationError) -> [String] {
        var result: [String] = []
        result.reserveCapacity(min(count, bytes.count / 4))
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 4 else {
                throw TranslationError("input '\(name)': BYTES element \(result.count) has a truncated 4-byte length prefix")
            }
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
            guard length <= bytes.count - offset else {
                throw TranslationError("input '\(name)': BYTES element \(result.count) is \(length) bytes but only \(bytes.count - offset) remain of its binary_data_size")
            }
            guard let s = String(validating: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self) else {
                throw TranslationError("input '\(name)': BYTES element \(result.count) is not valid UTF-8")
            }
            result.append(s)
            offset += length
            guard result.count <= count else { break }
        }
        guard result.count == count else {
            throw TranslationError("input '\(name)': binary_data_size holds \(result.count) BYTES elements but shape \(shape) needs \(count)")
        }
        return result
    }

    /// Appends `tensor`'s raw bytes; returns how many were written.
    @discardableResult
    static func append(_ tensor: Tensor, to out: inout [UInt8]) -> Int {
        let before = out.count
        func raw<T>(_ values: [T]) { values.withUnsafeBytes { out.append(contentsOf: $0) } }
        switch tensor.storage {
        case .float(let v): raw(v)
        case .double(let v): raw(v)
        case .int64(let v): raw(v)
        case .int32(let v): raw(v)
        case .bool(let v): out.append(contentsOf: v.map { $0 ? 1 : 0 })
        case .string(let v):
            for s in v {
                let utf8 = s.utf8
                withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { out.append(contentsOf: $0) }
                out.append(contentsOf: utf8)
            }
        }
        return out.count - before
    }
}
