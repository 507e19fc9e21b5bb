import XCTest
@testable import ModelRuntime

final class MLLinearAndSVMTests: XCTestCase {
    let x = Tensor(shape: [2, 2], floats: [2, 1,   0, 3])

    func testLinearClassifierBinaryWidensOneScoreToTwoColumns() throws {
        let attrs: [String: Attribute] = ["coefficients": .floats([1, -1]), "intercepts": .floats([0.5]),
                                          "classlabels_ints": .ints([0, 1])]
        let out = try MLTest.run("LinearClassifier", attrs, [x])
        // Scores 1.5 and -2.5: the label follows the sign, columns are [1 - s, s].
        XCTAssertEqual(MLTest.int64s(out[0]), [1, 0])
        XCTAssertEqual(MLTest.shape(out[1]), [2, 2])
        XCTAssertEqual(MLTest.floats(out[1]), [-0.5, 1.5, 3.5, -2.5])

        var logistic = attrs
        logistic["post_transform"] = .string("LOGISTIC")
        let p = MLTest.floats(try MLTest.run("LinearClassifier", logistic, [x])[1])
        XCTAssertEqual(p[1], 0.8175745, accuracy: 1e-6)
        XCTAssertEqual(p[0], 1 - p[1])
        XCTAssertEqual(p[3], 0.07585818, accuracy: 1e-6)
    }

    func testLinearClassifierMulticlassPicksFirstHighestScore() throws {
        let attrs: [String: Attribute] = ["coefficients": .floats([1, 0,  0, 1,  1, 1]), "intercepts": .floats([0, 0, -1]),
                                          "classlabels_strings": .strings(["a", "b", "c"]), "post_transform": .string("SOFTMAX")]
        let out = try MLTest.run("LinearClassifier", attrs, [x])
        // Raw scores [2, 1, 2] (tie: first wins) and [0, 3, 2].
        XCTAssertEqual(MLTest.strings(out[0]), ["a", "b"])
        let z = MLTest.floats(out[1])
        XCTAssertEqual(z[0], z[2])
        XCTAssertEqual(z[0] + z[1] + z[2], 1, accuracy: 1e-6)
        XCTAssertEqual(z[1], 1 / (2 * expf(1) + 1), accuracy: 1e-6)
    }

    func testLinearClassifierChecksShapes() throws {
        MLTest.assertThrows(.invalidModel, "coefficients") {
            try MLTest.kernel("LinearClassifier", ["coefficients": .floats([1, 2, 3]), "intercepts": .floats([0, 0]),
                                                   "classlabels_ints": .ints([0, 1])])
        }
        MLTest.assertThrows(.invalidModel, "exactly 2") {
            try MLTest.kernel("LinearClassifier", ["coefficients": .floats([1, 2]), "intercepts": .floats([0]),
                                                   "classlabels_ints": .ints([0, 1, 2])])
        }
        let k = try MLTest.kernel("LinearClassifier", ["coefficients": .floats([1, -1]), "intercepts": .floats([0.5]),
                                                       "classlabels_ints": .ints([0, 1])])
        MLTest.assertThrows(.invalidInput, "3 features") {
            try k.compute(values: [.tensor(Tensor(shape: [1, 3], floats: [1, 2, 3]))])
        }
        // Integer input is cast to float as in ORT.
        let ints = try k.compute(values: [.tensor(Tensor(shape: [1, 2], int64s: [2, 1]))])
        XCTAssertEqual(MLTest.floats(ints[1]), [-0.5, 1.5])
    }

    func testLinearRegressorWithAndWithoutIntercepts() throws {
        let y = try MLTest.run("LinearRegressor", ["coefficients": .floats([2, 3]), "intercepts": .floats([1])], [x])
        XCTAssertEqual(MLTest.shape(y[0]), [2, 1])
        XCTAssertEqual(MLTest.floats(y[0]), [8, 10])
        let two = try MLTest.run("LinearRegressor", ["coefficients": .floats([1, 0, 0, 1]), "targets": .int(2)], [x])
        XCTAssertEqual(MLTest.floats(two[0]), [2, 1, 0, 3])
        MLTest.assertThrows(.invalidInput, "float") {
            try MLTest.run("LinearRegressor", ["coefficients": .floats([2, 3])], [Tensor(shape: [1, 2], doubles: [1, 2])])
        }
    }

    func testSVMRegressorLinearKernelAndOneClass() throws {
        let attrs: [String: Attribute] = ["kernel_type": .string("LINEAR"), "kernel_params": .floats([0, 0, 0]),
                                          "n_supports": .int(2), "support_vectors": .floats([1, 0, 0, 1]),
                                          "coefficients": .floats([2, -1]), "rho": .floats([0.5])]
        // y = 2·x0 - x1 + 0.5
        XCTAssertEqual(MLTest.floats(try MLTest.run("SVMRegressor", attrs, [x])[0]), [3.5, -2.5])
        var oneClass = attrs
        oneClass["one_class"] = .int(1)
        XCTAssertEqual(MLTest.floats(try MLTest.run("SVMRegressor", oneClass, [x])[0]), [1, -1])
        // RBF with gamma 0.5 and one support vector at the origin: exp(-0.5·|x|²).
        let rbf: [String: Attribute] = ["kernel_type": .string("RBF"), "kernel_params": .floats([0.5, 0, 0]),
                                        "n_supports": .int(1), "support_vectors": .floats([0, 0]),
                                        "coefficients": .floats([1]), "rho": .floats([0])]
        let r = MLTest.floats(try MLTest.run("SVMRegressor", rbf, [x])[0])
        XCTAssertEqual(r[0], expf(-2.5), accuracy: 1e-7)
        XCTAssertEqual(r[1], expf(-4.5), accuracy: 1e-7)
    }

    func testSVMClassifierBinaryDecisionSignAndVotes() throws {
        // One support vector per class; decision d = x0 - x1 + 0.25; a positive
        // decision votes for the first class (libsvm's convention, kept by ORT).
        let attrs: [String: Attribute] = ["kernel_type": .string("LINEAR"), "kernel_params": .floats([0, 0, 0]),
                                          "vectors_per_class": .ints([1, 1]), "support_vectors": .floats([1, 0, 0, 1]),
                                          "coefficients": .floats([1, -1]), "rho": .floats([0.25]),
                                          "classlabels_ints": .ints([7, 9])]
        let out = try MLTest.run("SVMClassifier", attrs, [x])
        XCTAssertEqual(MLTest.int64s(out[0]), [7, 9])
        XCTAssertEqual(MLTest.floats(out[1]), [-1.25, 1.25, 2.75, -2.75])
    }

    func testSVMClassifierProbabilitiesSumToOne() throws {
        let attrs: [String: Attribute] = ["kernel_type": .string("RBF"), "kernel_params": .floats([0.5, 0, 3]),
                                          "vectors_per_class": .ints([1, 1, 1]),
                                          "support_vectors": .floats([0, 0,  2, 0,  0, 3]),
                                          "coefficients": .floats([1, 1, -1,  -1, 1, -1]),
                                          "rho": .floats([0.1, -0.2, 0.3]),
                                          "prob_a": .floats([-2, -2, -2]), "prob_b": .floats([0, 0, 0]),
                                          "classlabels_ints": .ints([0, 1, 2])]
        let out = try MLTest.run("SVMClassifier", attrs, [x])
        XCTAssertEqual(MLTest.shape(out[1]), [2, 3])
        let p = MLTest.floats(out[1])
        XCTAssertEqual(p[0] + p[1] + p[2], 1, accuracy: 1e-5)
        XCTAssertEqual(p[3] + p[4] + p[5], 1, accuracy: 1e-5)
        XCTAssertTrue(p.allSatisfy { $0 > 0 && $0 < 1 })
    }

    func testSVMClassifierRejectsInconsistentArrays() {
        var attrs: [String: Attribute] = ["kernel_type": .string("RBF"), "kernel_params": .floats([0.5, 0, 3]),
                                          "vectors_per_class": .ints([1, 1]), "support_vectors": .floats([0, 0, 2, 0]),
                                          "coefficients": .floats([1, 1, 1]), "rho": .floats([0.1]),
                                          "classlabels_ints": .ints([0, 1])]
        MLTest.assertThrows(.invalidModel, "coefficients") { try MLTest.kernel("SVMClassifier", attrs) }
        attrs["coefficients"] = .floats([1, 1])
        attrs["kernel_type"] = .string("CUBIC")
        MLTest.assertThrows(.unsupported, "CUBIC") { try MLTest.kernel("SVMClassifier", attrs) }
        attrs["kernel_type"] = .string("RBF")
        attrs["prob_a"] = .floats([1])
        MLTest.assertThrows(.invalidModel, "prob_b") { try MLTest.kernel("SVMClassifier", attrs) }
    }
}
