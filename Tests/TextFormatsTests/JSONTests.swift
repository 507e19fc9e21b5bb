import TextFormats
import XCTest

final class JSONTests: XCTestCase {
    func testParsesEveryKindOfValue() throws {
        let v = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null, "x\n\u00e9\ud83d\ude00"], "b": {}} "#)
        guard case .array(let a)? = v["a"] else { return XCTFail("no array") }
        XCTAssertEqual(a.count, 6)
        guard case .number(let n) = a[1] else { return XCTFail("not a number") }
        XCTAssertEqual(n.double, -2500)
        XCTAssertFalse(n.isInteger)
        XCTAssertEqual(a[5].stringValue, "x\né😀")
        XCTAssertTrue(v["b"]?.isObject ?? false)
    }

    func testRejectsMalformedDocumentsWithTheOffset() {
        let bad = ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"abc", "[1] x", "tru", "\"\\x\"", "\"\\ud800\"", "{1: 2}", "\"a\u{01}\""]
        for text in bad {
            XCTAssertThrowsError(try JSONParser.parse(text), text) { error in
                XCTAssertTrue("\(error)".hasPrefix("malformed JSON at byte"), "\(error)")
            }
        }
    }

    func testNumbersTooLargeForFloatOrDoubleHaveNoFiniteValue() throws {
        func number(_ text: String) throws -> JSONNumber {
            guard case .number(let n) = try JSONParser.parse(text) else {
                XCTFail("\(text) is not a number")
                return JSONNumber(text: "0", isInteger: true)
            }
            return n
        }
        for text in ["1e999", "-1e999", String(repeating: "9", count: 400), "2e308"] {
            XCTAssertNil(try number(text).finiteFloat, text)
            XCTAssertNil(try number(text).finiteDouble, text)
        }
        XCTAssertNil(try number("3.5e38").finiteFloat)
        XCTAssertEqual(try number("3.5e38").finiteDouble, 3.5e38)
        XCTAssertEqual(try number("3.4e38").finiteFloat, 3.4e38)
        // Too small is not too large: it rounds to zero, as strtof/strtod round it.
        XCTAssertEqual(try number("1e-999").finiteFloat, 0)
        XCTAssertEqual(try number("-2.5").finiteDouble, -2.5)
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try JSONParser.parse(deep)) { error in
            XCTAssertTrue("\(error)".contains("nesting deeper than"), "\(error)")
        }
    }

    func testFloat32ValuesRoundTripExactly() throws {
        var generator = SystemRandomNumberGenerator()
        var w = JSONWriter()
        var values: [Float] = [0, -0.0, 1, 0.1, 5.1, 1e-45, 3.4028235e38, 1.17549435e-38, 0.009118753]
        for _ in 0..<5000 { values.append(Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &generator))) }
        w.raw("[")
        for (i, v) in values.enumerated() {
            if i > 0 { w.raw(",") }
            w.float(v)
        }
        w.raw("]")
        guard case .array(let parsed) = try JSONParser.parse(w.text) else { return XCTFail("not an array") }
        for (v, p) in zip(values, parsed) {
            guard case .number(let n) = p else { return XCTFail("not a number") }
            XCTAssertEqual(n.float.bitPattern, v.bitPattern, n.text)
        }
        var short = JSONWriter()
        short.float(5.1)
        XCTAssertEqual(short.text, "5.1", "the shortest decimal, not 5.0999999")
    }

    func testNonFiniteNumbersAreWrittenAsStrings() {
        var w = JSONWriter()
        w.float(.nan); w.raw(","); w.double(.infinity); w.raw(","); w.float(-.infinity)
        XCTAssertEqual(w.text, #""NaN","Infinity","-Infinity""#)
    }

    func testStringsAreEscaped() {
        var w = JSONWriter()
        w.string("a\"b\\c\nd\u{01}é")
        XCTAssertEqual(w.text, #""a\"b\\c\nd\u0001é""#)
    }

    func testLargeIntegersStayExact() throws {
        guard case .number(let n) = try JSONParser.parse("9007199254740993") else { return XCTFail("not a number") }
        XCTAssertEqual(n.int64, 9_007_199_254_740_993)
    }
}

final class JSONValuesTests: XCTestCase {
    func testInt64ValueAcceptsWholeNumbersOnly() throws {
        XCTAssertEqual(try JSONParser.parse("3").int64Value, 3)
        XCTAssertEqual(try JSONParser.parse("2.0").int64Value, 2)
        XCTAssertEqual(try JSONParser.parse("-1e3").int64Value, -1000)
        XCTAssertEqual(try JSONParser.parse("9223372036854775807").int64Value, Int64.max)
        XCTAssertNil(try JSONParser.parse("2.5").int64Value)
        XCTAssertNil(try JSONParser.parse("1e30").int64Value)
        XCTAssertNil(try JSONParser.parse("\"3\"").int64Value)
        XCTAssertNil(try JSONParser.parse("true").int64Value)
    }

    func testEqualityIsStructural() throws {
        XCTAssertEqual(try JSONParser.parse(#"{"a": [1, "x", null, true]}"#), try JSONParser.parse(#"{"a":[1.0,"x",null,true]}"#))
        XCTAssertNotEqual(try JSONParser.parse(#"{"a": 1}"#), try JSONParser.parse(#"{"a": 2}"#))
        XCTAssertNotEqual(try JSONParser.parse(#"{"a": 1}"#), try JSONParser.parse(#"{"b": 1}"#))
        XCTAssertNotEqual(try JSONParser.parse("[1]"), try JSONParser.parse("[1, 1]"))
        XCTAssertNotEqual(try JSONParser.parse("\"1\""), try JSONParser.parse("1"))
    }

    func testShortDescriptionQuotesScalarsAndNamesContainers() throws {
        XCTAssertEqual(try JSONParser.parse("2.5").shortDescription, "2.5")
        XCTAssertEqual(try JSONParser.parse("\"abc\"").shortDescription, "\"abc\"")
        XCTAssertEqual(try JSONParser.parse("[1]").shortDescription, "an array")
        XCTAssertEqual(try JSONParser.parse("null").shortDescription, "null")
        XCTAssertEqual(try JSONParser.parse("false").boolValue, false)
        XCTAssertEqual(try JSONParser.parse(#"{"k": 1}"#).objectMembers?.map(\.0), ["k"])
    }
}
