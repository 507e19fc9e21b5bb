import ModelRuntime

/// Tensors as raw bytes, the layout of Triton's binary data extension (REST)
/// and of `raw_input_contents` / `raw_output_contents` (gRPC): values
/// little-endian in row-major order, BOOL one byte, a BYTES element a 4-byte
/// little-endian length and that many bytes.
public enum RawTensorBytes {
    /// Why raw bytes do not make the tensor they should.
    public struct DecodeError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The bytes of one element of `type` (nil for BYTES, which vary).
    public static func elementSize(_ type: ElementType) -> Int? {
        switch type {
        case .float, .int32: return 4
        case .double, .int64: return 8
        case .bool: return 1
        case .string: return nil
        }
    }

    /// Decodes `count` elements of `type` from exactly `bytes`; `source`
    /// names where the bytes came from in errors ("binary_data_size",
    /// "raw_input_contents[0]").
    public static func tensor(_ bytes: UnsafeRawBufferPointer, type: ElementType, shape: [Int], count: Int,
                              name: String, source: String) throws(DecodeError) -> Tensor {
        if let size = elementSize(type) {
            guard bytes.count == count * size else {
                throw DecodeError(description: "input '\(name)': \(source) \(bytes.count) does not match shape \(shape) of \(KServeV2.dataTypeName(type)) (\(count * size) bytes)")
            }
        }
        switch type {
        case .float: return Tensor(shape: shape, storage: .float(load(bytes, count, Float.self)))
        case .double: return Tensor(shape: shape, storage: .double(load(bytes, count, Double.self)))
        case .int64: return Tensor(shape: shape, storage: .int64(load(bytes, count, Int64.self)))
        case .int32: return Tensor(shape: shape, storage: .int32(load(bytes, count, Int32.self)))
        case .bool: return Tensor(shape: shape, storage: .bool(bytes.map { $0 != 0 }))
        case .string: return Tensor(shape: shape, storage: .string(try strings(bytes, count: count, shape: shape, name: name, source: source)))
        }
    }

    // The wire order is little-endian, as is every platform swerve builds for.
    private static func load<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, _ count: Int, _: T.Type) -> [T] {
        (0..<count).map { T(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
    }

    private static func load<T: BinaryFloatingPoint>(_ bytes: UnsafeRawBufferPointer, _ count: Int, _: T.Type) -> [T] {
        (0..<count).map { bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
    }

    private static func strings(_ bytes: UnsafeRawBufferPointer, count: Int, shape: [Int], name: String,
                                source: String) throws(DecodeError) -> [String] {
        var result: [String] = []
        result.reserveCapacity(min(count, bytes.count / 4))
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 4 else {
                throw DecodeError(description: "input '\(name)': BYTES element \(result.count) has a truncated 4-byte length prefix")
            }
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
            guard length <= bytes.count - offset else {
                throw DecodeError(description: "input '\(name)': BYTES element \(result.count) is \(length) bytes but only \(bytes.count - offset) remain of its \(source)")
            }
            guard let s = String(validating: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self) else {
                throw DecodeError(description: "input '\(name)': BYTES element \(result.count) is not valid UTF-8")
            }
            result.append(s)
            offset += length
            guard result.count <= count else { break }
        }
        guard result.count == count else {
            throw DecodeError(description: "input '\(name)': \(source) holds \(result.count) BYTES elements but shape \(shape) needs \(count)")
        }
        return result
    }

    /// Appends `tensor`'s raw bytes; returns how many were written.
    @discardableResult
    public static func append(_ tensor: Tensor, to out: inout [UInt8]) -> Int {
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
