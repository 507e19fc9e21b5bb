#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cast and CastLike between float, double, int64, int32, bool and string,
/// following onnxruntime's CPU results: float -> int truncates toward zero and
/// gives the type's minimum for NaN or out-of-range values (what x86's
/// conversion instructions return); numbers print as "%.8g" with "NaN"/"INF";
/// strings parse with strtod/strtoll (leading spaces and trailing junk allowed,
/// no digits at all is an error).
struct CastKernel: Kernel {
    /// The target type, or nil for CastLike (taken from input 1).
    let target: ElementType?

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let x = try args.tensor(0, "input")
        let to = try target ?? args.tensor(1, "target_type").elementType
        return [.tensor(try CastKernel.cast(x, to: to))]
    }

    static func cast(_ x: Tensor, to: ElementType) throws -> Tensor {
        if x.elementType == to { return x }
        let shape = x.shape
        switch x.storage {
        case .float(let v):
            switch to {
            case .double: return mapElements(v, shape) { Double($0) }
            case .int64: return mapElements(v, shape) { f -> Int64 in
                f.isNaN || f >= 0x1p63 || f < -0x1p63 ? .min : Int64(f) }
            case .int32: return mapElements(v, shape) { f -> Int32 in
                f.isNaN || f >= 0x1p31 || f < -0x1p31 ? .min : Int32(f) }
            case .bool: return mapElements(v, shape) { $0 != 0 }
            case .string: return mapElements(v, shape) { formatNumber(Double($0)) }
            case .float: return x
            }
        case .double(let v):
            switch to {
            case .float: return mapElements(v, shape) { Float($0) }
            case .int64: return mapElements(v, shape) { f -> Int64 in
                f.isNaN || f >= 0x1p63 || f < -0x1p63 ? .min : Int64(f) }
            case .int32: return mapElements(v, shape) { f -> Int32 in
                f.isNaN || f >= 0x1p31 || f < -0x1p31 ? .min : Int32(f) }
            case .bool: return mapElements(v, shape) { $0 != 0 }
            case .string: return mapElements(v, shape) { formatNumber($0) }
            case .double: return x
            }
        case .int64(let v):
            switch to {
            case .float: return mapElements(v, shape) { Float($0) }
            case .double: return mapElements(v, shape) { Double($0) }
            case .int32: return mapElements(v, shape) { Int32(truncatingIfNeeded: $0) }
            case .bool: return mapElements(v, shape) { $0 != 0 }
            case .string: return mapElements(v, shape) { String($0) }
            case .int64: return x
            }
        case .int32(let v):
            switch to {
            case .float: return mapElements(v, shape) { Float($0) }
            case .double: return mapElements(v, shape) { Double($0) }
            case .int64: return mapElements(v, shape) { Int64($0) }
            case .bool: return mapElements(v, shape) { $0 != 0 }
            case .string: return mapElements(v, shape) { String($0) }
            case .int32: return x
            }
        case .bool(let v):
            switch to {
            case .float: return mapElements(v, shape) { Float($0 ? 1 : 0) }
            case .double: return mapElements(v, shape) { Double($0 ? 1 : 0) }
            case .int64: return mapElements(v, shape) { Int64($0 ? 1 : 0) }
            case .int32: return mapElements(v, shape) { Int32($0 ? 1 : 0) }
            case .string: return mapElements(v, shape) { $0 ? "1" : "0" }
            case .bool: return x
            }
        case .string(let v):
            switch to {
            case .float: return Tensor(shape: shape, floats: try v.map { Float(try parseDouble($0, single: true)) })
            case .double: return Tensor(shape: shape, doubles: try v.map { try parseDouble($0, single: false) })
            case .int64: return Tensor(shape: shape, int64s: try v.map { try parseInteger($0) })
            case .int32: return Tensor(shape: shape, int32s: try v.map { Int32(truncatingIfNeeded: try parseInteger($0)) })
            case .bool: return Tensor(shape: shape, bools: try v.map { try parseInteger($0) != 0 })
            case .string: return x
            }
        }
    }

    /// "%.8g", with onnxruntime's spellings of the special values.
    static func formatNumber(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-INF" : "INF" }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 40) { buffer in
            _ = withVaList([value]) { vsnprintf(buffer.baseAddress!, 40, "%.8g", $0) }
            return String(cString: buffer.baseAddress!)
        }
    }

    private static func parseDouble(_ text: String, single: Bool) throws -> Double {
        try text.withCString { start in
            var end: UnsafeMutablePointer<CChar>?
            let value = single ? Double(strtof(start, &end)) : strtod(start, &end)
            guard let end, end != UnsafeMutablePointer(mutating: start) else {
                throw ModelError(.execution, "cannot convert string '\(text)' to a number")
            }
            return value
        }
    }

    private static func parseInteger(_ text: String) throws -> Int64 {
        try text.withCString { start in
            var end: UnsafeMutablePointer<CChar>?
            let value = strtoll(start, &end, 10)
            guard let end, end != UnsafeMutablePointer(mutating: start) else {
                throw ModelError(.execution, "cannot convert string '\(text)' to an integer")
            }
            return Int64(value)
        }
    }
}

extension StandardOperators {
    static let castRegistrations: [KernelRegistration] =
        register("Cast", [1, 6, 9, 13, 19, 21]) { node in
            CastKernel(target: try StandardAttributes(node).elementType("to"))
        }
        + register("CastLike", [15, 19, 21]) { _ in CastKernel(target: nil) }
}
