import ModelRuntime
import Wire

/// Triton's binary tensor data extension of KServe V2: a body of
/// `Inference-Header-Content-Length` bytes of JSON followed by the raw
/// tensors (``RawTensorBytes``), each input's bytes announced by its
/// `binary_data_size`.
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

    /// Decodes `count` elements of `type` from exactly `bytes` (an input's
    /// `binary_data_size` bytes).
    static func tensor(_ bytes: UnsafeRawBufferPointer, type: ElementType, shape: [Int], count: Int,
                       name: String) throws(TranslationError) -> Tensor {
        do {
            return try RawTensorBytes.tensor(bytes, type: type, shape: shape, count: count, name: name, source: "binary_data_size")
        } catch {
            throw TranslationError(error.description)
        }
    }
}
