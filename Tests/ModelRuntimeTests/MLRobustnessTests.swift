import XCTest
@testable import ModelRuntime

/// Damaged attributes must be refused with a ModelError at load time or give
/// an error (or a result) at run time — never a trap. Every parity case is
/// loaded again with each attribute removed, truncated, or given out-of-range
/// values, and run on its inputs and on inputs of the wrong width.
final class MLRobustnessTests: XCTestCase {
    func testDamagedAttributesNeverTrap() throws {
        let cases = try MLParityFixture.load().filter { !$0.expectsError }
        var attempts = 0
        var refused = 0
        for c in cases {
            for (name, attribute) in c.attributes.sorted(by: { $0.key < $1.key }) {
                for damaged in damage(attribute) {
                    var attributes = c.attributes
                    attributes[name] = damaged
                    attempts += 1
                    if !survives(c, attributes) { refused += 1 }
                }
                var without = c.attributes
                without[name] = nil
                attempts += 1
                if !survives(c, without) { refused += 1 }
            }
        }
        XCTAssertGreaterThan(attempts, 1000)
        XCTAssertGreaterThan(refused, 0)
    }

    func testInputsOfTheWrongShapeOrTypeAreErrors() throws {
        for c in try MLParityFixture.load() where !c.expectsError {
            guard let kernel = try? kernel(c, c.attributes), let first = c.inputs.first else { continue }
            var inputs = c.inputs.map { Value.tensor($0) }
            let count = first.count
            let wrong: [Tensor] = [
                Tensor(shape: [2, count + 3], floats: Array(repeating: 0.5, count: 2 * (count + 3))),
                Tensor(shape: [1, 1], floats: [1]),
                Tensor(shape: [], floats: [1]),
                Tensor(shape: [2, 2, 2], doubles: Array(repeating: 1, count: 8)),
                Tensor(shape: [2], strings: ["a", "b"]),
                Tensor(shape: [0, 3], floats: []),
            ]
            for w in wrong {
                inputs[0] = .tensor(w)
                do { _ = try kernel.compute(values: inputs) } catch is ModelError {} catch { XCTFail("\(c.name): \(error)") }
            }
            do { _ = try kernel.compute(values: []) } catch is ModelError {} catch { XCTFail("\(c.name): \(error)") }
        }
    }

    private func kernel(_ c: MLParityFixture.Case, _ attributes: [String: Attribute]) throws -> any Kernel {
        try MLTest.kernel(c.op, attributes, opset: c.opset)
    }

    /// True when the node loads and runs; false when it is refused with a
    /// ModelError. Anything else fails the test (a trap ends the process).
    private func survives(_ c: MLParityFixture.Case, _ attributes: [String: Attribute]) -> Bool {
        do {
            let k = try kernel(c, attributes)
            _ = try k.compute(values: c.inputs.map { .tensor($0) })
            return true
        } catch is ModelError {
            return false
        } catch {
            XCTFail("\(c.name): unexpected \(error)")
            return false
        }
    }

    /// Variants of an attribute: shortened, lengthened, emptied, with large,
    /// negative and NaN values, and as the wrong kind.
    private func damage(_ a: Attribute) -> [Attribute] {
        switch a {
        case .ints(let v):
            var out: [Attribute] = [.ints([]), .ints(Array(v.prefix(v.count / 2))), .ints(v + [1, 2, 3]), .floats([1])]
            if !v.isEmpty {
                out.append(.ints(v.map { $0 &+ 1000 }))
                out.append(.ints(v.map { _ in -1 }))
                out.append(.ints(v.enumerated().map { $0.offset == v.count - 1 ? Int64.max : $0.element }))
                out.append(.ints(v.reversed()))
            }
            return out
        case .floats(let v):
            var out: [Attribute] = [.floats([]), .floats(Array(v.prefix(v.count / 2))), .floats(v + [1, 2, 3]), .ints([1])]
            if !v.isEmpty { out.append(.floats(v.map { _ in .nan })) }
            return out
        case .strings(let v):
            return [.strings([]), .strings(Array(v.prefix(v.count / 2))), .strings(v + ["x"]), .strings(v.map { $0 + "?" }), .ints([0])]
        case .int(let v):
            return [.int(-1), .int(0), .int(v &+ 1000), .int(Int64.max), .string("x")]
        case .float(let v):
            return [.float(.nan), .float(-v), .floats([])]
        case .string(let v):
            return [.string(""), .string(v.lowercased() + "_"), .int(1)]
        case .tensor(let t):
            return [.tensor(Tensor(shape: [0], floats: [])), .tensor(Tensor(shape: [1], int64s: [1])),
                    .tensor(Tensor(shape: [2, t.count], storage: duplicated(t.storage)))]
        }
    }

    private func duplicated(_ s: TensorStorage) -> TensorStorage {
        switch s {
        case .float(let v): return .float(v + v)
        case .double(let v): return .double(v + v)
        case .int64(let v): return .int64(v + v)
        case .int32(let v): return .int32(v + v)
        case .bool(let v): return .bool(v + v)
        case .string(let v): return .string(v + v)
        }
    }
}
