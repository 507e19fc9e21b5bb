import XCTest
@testable import ModelRuntime

final class MLPreprocessingTests: XCTestCase {
    func testScalerPerFeatureAndShared() throws {
        let x = Tensor(shape: [2, 2], floats: [1, 2, 3, 4])
        let y = try MLTest.run("Scaler", ["offset": .floats([1, 0]), "scale": .floats([2, 0.5])], [x])
        XCTAssertEqual(MLTest.floats(y[0]), [0, 1, 4, 2])
        let shared = try MLTest.run("Scaler", ["offset": .floats([1]), "scale": .floats([-1])], [Tensor(shape: [3], int64s: [1, 2, 3])])
        XCTAssertEqual(MLTest.floats(shared[0]), [0, -1, -2])
        MLTest.assertThrows(.invalidInput, "3 features") {
            try MLTest.run("Scaler", ["offset": .floats([1, 0]), "scale": .floats([2, 0.5])], [Tensor(shape: [1, 3], floats: [1, 2, 3])])
        }
        MLTest.assertThrows(.invalidModel, "offset") {
            try MLTest.kernel("Scaler", ["offset": .floats([1]), "scale": .floats([2, 0.5])])
        }
    }

    func testNormalizerNorms() throws {
        let x = Tensor(shape: [2, 2], floats: [3, -4, 0, 0])
        XCTAssertEqual(MLTest.floats(try MLTest.run("Normalizer", ["norm": .string("L2")], [x])[0]), [0.6, -0.8, 0, 0])
        XCTAssertEqual(MLTest.floats(try MLTest.run("Normalizer", ["norm": .string("L1")], [x])[0]), [3.0 / 7, -4.0 / 7, 0, 0])
        XCTAssertEqual(MLTest.floats(try MLTest.run("Normalizer", ["norm": .string("MAX")], [x])[0]), [1, Float(-4) / 3, 0, 0])
        MLTest.assertThrows(.unsupported, "L3") { try MLTest.kernel("Normalizer", ["norm": .string("L3")]) }
    }

    func testImputerReplacesNaNOrAValue() throws {
        let x = Tensor(shape: [2, 2], floats: [.nan, 1, 2, .nan])
        let y = MLTest.floats(try MLTest.run("Imputer", ["imputed_value_floats": .floats([7, 8]),
                                                         "replaced_value_float": .float(.nan)], [x])[0])
        XCTAssertEqual(y, [7, 1, 2, 8])
        let ints = try MLTest.run("Imputer", ["imputed_value_int64s": .ints([5]), "replaced_value_int64": .int(-1)],
                                  [Tensor(shape: [3], int64s: [-1, 0, -1])])
        XCTAssertEqual(MLTest.int64s(ints[0]), [5, 0, 5])
        MLTest.assertThrows(.invalidInput, "needs 'imputed_value_floats'") {
            try MLTest.run("Imputer", ["imputed_value_int64s": .ints([5])], [x])
        }
        MLTest.assertThrows(.invalidModel, "imputed_value_floats") {
            try MLTest.kernel("Imputer", ["imputed_value_int64s": .ints([5]), "imputed_value_floats": .floats([1])])
        }
    }

    func testBinarizerAndItsNaNError() throws {
        let y = try MLTest.run("Binarizer", ["threshold": .float(1)], [Tensor(shape: [3], floats: [0.5, 1, 1.5])])
        XCTAssertEqual(MLTest.floats(y[0]), [0, 0, 1])
        MLTest.assertThrows(.execution, "index 1") {
            try MLTest.run("Binarizer", [:], [Tensor(shape: [2], floats: [0.5, .nan])])
        }
    }

    func testZipMapStaysColumnar() throws {
        let p = Tensor(shape: [3], floats: [0.2, 0.3, 0.5])
        let out = try MLTest.run("ZipMap", ["classlabels_strings": .strings(["a", "b", "c"])], [p])
        guard case .zipMap(let labels, let probabilities) = out[0] else { return XCTFail("not a ZipMap value") }
        XCTAssertEqual(labels.shape, [3])
        XCTAssertEqual(MLTest.strings(.tensor(labels)), ["a", "b", "c"])
        XCTAssertEqual(probabilities.shape, [1, 3])
        XCTAssertEqual(MLTest.floats(.tensor(probabilities)), [0.2, 0.3, 0.5])
        MLTest.assertThrows(.invalidInput, "2 class labels") {
            try MLTest.run("ZipMap", ["classlabels_int64s": .ints([1, 2])], [p])
        }
        MLTest.assertThrows(.invalidModel, "not both") { try MLTest.kernel("ZipMap", [:]) }
    }

    func testArrayFeatureExtractor() throws {
        let x = Tensor(shape: [2, 3], strings: ["a", "b", "c", "d", "e", "f"])
        let out = try MLTest.kernel("ArrayFeatureExtractor", [:])
            .compute(values: [.tensor(x), .tensor(Tensor(shape: [2], int64s: [2, 0]))])
        XCTAssertEqual(MLTest.shape(out[0]), [2, 2])
        XCTAssertEqual(MLTest.strings(out[0]), ["c", "a", "f", "d"])
        MLTest.assertThrows(.invalidInput, "out of range") {
            try MLTest.kernel("ArrayFeatureExtractor", [:]).compute(values: [.tensor(x), .tensor(Tensor(shape: [1], int64s: [-1]))])
        }
    }

    func testLabelEncoderVersions() throws {
        let s = Tensor(shape: [3], strings: ["b", "x", "a"])
        let v1 = try MLTest.run("LabelEncoder", ["classes_strings": .strings(["a", "b"])], [s])
        XCTAssertEqual(MLTest.int64s(v1[0]), [1, -1, 0])
        let back = try MLTest.run("LabelEncoder", ["classes_strings": .strings(["a", "b"])], [Tensor(shape: [2], int64s: [1, 5])])
        XCTAssertEqual(MLTest.strings(back[0]), ["b", "_Unused"])
        let v2 = try MLTest.run("LabelEncoder", ["keys_strings": .strings(["a", "b"]), "values_floats": .floats([0.5, 1.5]),
                                                 "default_float": .float(-1)], [s], opset: 2)
        XCTAssertEqual(MLTest.floats(v2[0]), [1.5, -1, 0.5])
        let nanKey = ["keys_floats": Attribute.floats([.nan]), "values_int64s": .ints([9])]
        let nanInput = Tensor(shape: [1], floats: [.nan])
        XCTAssertEqual(MLTest.int64s(try MLTest.run("LabelEncoder", nanKey, [nanInput], opset: 2)[0]), [-1])
        XCTAssertEqual(MLTest.int64s(try MLTest.run("LabelEncoder", nanKey, [nanInput], opset: 4)[0]), [9])
        MLTest.assertThrows(.invalidModel, "values_int64s") {
            try MLTest.kernel("LabelEncoder", ["keys_strings": .strings(["a", "b"]), "values_int64s": .ints([1])], opset: 2)
        }
        MLTest.assertThrows(.invalidInput, "int64") {
            try MLTest.run("LabelEncoder", ["keys_int64s": .ints([1]), "values_int64s": .ints([1])], [s], opset: 2)
        }
    }
}
