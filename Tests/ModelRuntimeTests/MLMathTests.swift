import XCTest
@testable import ModelRuntime

final class MLMathTests: XCTestCase {
    func testLogisticAndProbit() {
        XCTAssertEqual(MLMath.logistic(0), 0.5)
        XCTAssertEqual(MLMath.logistic(2), 0.8807971, accuracy: 1e-7)
        XCTAssertEqual(MLMath.logistic(-2), 1 - MLMath.logistic(2), accuracy: 1e-7)
        XCTAssertEqual(MLMath.probit(0.5), 0)
        // ORT's ErfInv is an approximation good to about 1e-3.
        XCTAssertEqual(MLMath.probit(0.975), 1.959964, accuracy: 5e-3)
        XCTAssertTrue(MLMath.probit(1.5).isNaN)
    }

    func testMLASApproximationsStayCloseToTheFunctions() {
        for i in -40...40 {
            let x = Float(i) * 0.37
            XCTAssertEqual(MLMath.mlasLogistic(x), 1 / (1 + expf(-x)), accuracy: 2e-7, "logistic \(x)")
            XCTAssertEqual(MLMath.mlasTanh(x), tanhf(x), accuracy: 2e-6, "tanh \(x)")
        }
        XCTAssertEqual(MLMath.mlasLogistic(100), 1)
        XCTAssertEqual(MLMath.mlasLogistic(-100), 0)
    }

    func testSoftmaxVariants() {
        var v: [Float] = [1, 2, 3]
        v.withUnsafeMutableBufferPointer { MLMath.softmax($0.baseAddress!, 3) }
        XCTAssertEqual(v[0], 0.09003057, accuracy: 1e-7)
        XCTAssertEqual(v[1], 0.24472848, accuracy: 1e-7)
        XCTAssertEqual(v[2], 0.66524094, accuracy: 1e-7)
        // SOFTMAX_ZERO leaves zeros (almost) zero instead of exponentiating them.
        var z: [Float] = [0, 1, 1]
        z.withUnsafeMutableBufferPointer { MLMath.softmaxZero($0.baseAddress!, 3) }
        XCTAssertEqual(z, [0, 0.5, 0.5])
    }

    func testPairwiseCouplingOfUndecidedPairsIsUniform() {
        let k = 4
        var r = [Float](repeating: 0.5, count: k * k)
        var p = [Float](repeating: 0, count: k)
        var q = [Float](repeating: 0, count: k * k)
        var qp = [Float](repeating: 0, count: k)
        r.withUnsafeMutableBufferPointer { rb in
            p.withUnsafeMutableBufferPointer { pb in
                q.withUnsafeMutableBufferPointer { qb in
                    qp.withUnsafeMutableBufferPointer { qpb in
                        MLMath.multiclassProbability(k, r: rb.baseAddress!, p: pb.baseAddress!, q: qb.baseAddress!, qp: qpb.baseAddress!)
                    }
                }
            }
        }
        for v in p { XCTAssertEqual(v, 0.25, accuracy: 1e-6) }
    }

    func testScoreWidening() {
        var packed: [Float] = [0.25, -1, 0, 0]
        packed.withUnsafeMutableBufferPointer {
            MLScoreUpdate.apply($0.baseAddress!, rows: 2, perRow: 1, transform: .none, secondClass: .complement, packed: true)
        }
        XCTAssertEqual(packed, [0.75, 0.25, 2, -1])
        var gapped: [Float] = [0.25, 0, -1, 0]
        gapped.withUnsafeMutableBufferPointer {
            MLScoreUpdate.apply($0.baseAddress!, rows: 2, perRow: 1, transform: .none, secondClass: .negate, packed: false)
        }
        XCTAssertEqual(gapped, [-0.25, 0.25, 1, -1])
    }
}
