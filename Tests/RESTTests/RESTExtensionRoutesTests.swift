import SwerveTestSupport
import REST
import Wire
import XCTest

/// Content negotiation, TF Serving's classify/regress, and Triton's
/// statistics, configuration and repository index, against the fake handler.
final class RESTExtensionRoutesTests: FakeRESTServerTestCase {
    static let predictBody = Array(#"{"instances": [[5.1, 3.5, 1.4, 0.2]]}"#.utf8)

    func testJSONWithoutContentTypeOrAsCurlsFormDefaultIsRead() throws {
        let none = try client.call("POST", "/v1/models/iris:predict", bytes: Self.predictBody)
        XCTAssertEqual(none.status, 200, none.text)
        XCTAssertEqual(none.headers["content-type"], "application/json")
        let form = try client.call("POST", "/v1/models/iris:predict", bytes: Self.predictBody,
                                   headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(form.status, 200, form.text)
        XCTAssertEqual(form.text, none.text)
        let infer = try client.call("POST", "/v2/models/iris/infer", bytes: Array(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[5.1,3.5,1.4,0.2]}]}"#.utf8),
                                    headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"])
        XCTAssertEqual(infer.status, 200, infer.text)
    }

    func testFormBodyThatIsNotJSONIs400AndOtherTypesStay415() throws {
        let notJSON = try client.call("POST", "/v1/models/iris:classify", bytes: Array("a=1&b=2".utf8),
                                      headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(notJSON.status, 400)
        XCTAssertTrue(notJSON.text.contains("malformed JSON"), notJSON.text)
        let csv = try client.call("POST", "/v1/models/iris:predict", bytes: Self.predictBody, headers: ["Content-Type": "text/csv"])
        XCTAssertEqual(csv.status, 415, csv.text)
    }

    func testClassifyMapsFeatureNamesAndContextOntoColumns() throws {
        let r = try client.call("POST", "/v1/models/iris:classify", body: """
            {"context": {"petal width (cm)": 0.2},
             "examples": [{"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": [1.4]},
                          {"input": [6.3, 3.3, 6.0, 2.5]}]}
            """)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.text, #"{"result":[[["setosa",0.75],["versicolor",0.125],["virginica",0.125]],[["setosa",0.0625],["versicolor",0.0625],["virginica",0.875]]]}"#)
        guard case .predict(let p)? = server.handler.requests.last?.call, case .float(let values) = p.inputs[0].tensor.storage else {
            return XCTFail("no float predict")
        }
        XCTAssertEqual(p.inputs[0].tensor.shape, [2, 4])
        XCTAssertEqual(values, [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5])
    }

    func testClassifyErrorsNameTheFeature() throws {
        let missing = try client.call("POST", "/v1/models/iris:classify", body: #"{"examples": [{"sepal length (cm)": 5.1}]}"#)
        XCTAssertEqual(missing.status, 400)
        XCTAssertTrue(missing.text.contains("examples[0] has no feature 'sepal width (cm)'"), missing.text)
        let unknown = try client.call("POST", "/v1/models/iris:classify", body: #"{"examples": [{"colour": "red"}]}"#)
        XCTAssertEqual(unknown.status, 400)
        XCTAssertTrue(unknown.text.contains("has feature 'colour', which model 'iris' does not have"), unknown.text)
        let noExamples = try client.call("POST", "/v1/models/iris:classify", body: #"{"instances": [[1, 2, 3, 4]]}"#)
        XCTAssertEqual(noExamples.status, 400)
        XCTAssertTrue(noExamples.text.contains("'examples'"), noExamples.text)
        let list = try client.call("POST", "/v1/models/iris:classify", body: #"{"examples": [{"input": [1, 2, 3, 4], "x": 1}], "context": [1]}"#)
        XCTAssertEqual(list.status, 400)
        XCTAssertTrue(list.text.contains("'context' must be an object"), list.text)
        let unknownModel = try client.call("POST", "/v1/models/nope:classify", body: #"{"examples": [{"input": [1, 2, 3, 4]}]}"#)
        XCTAssertEqual(unknownModel.status, 404)
    }

    func testRegressOnAClassifierIs400() throws {
        let r = try client.call("POST", "/v1/models/iris/versions/1:regress", body: #"{"examples": [{"input": [1, 2, 3, 4]}]}"#)
        XCTAssertEqual(r.status, 400)
        XCTAssertTrue(r.text.contains("model 'iris' is a classifier"), r.text)
        let verb = try client.call("POST", "/v1/models/iris:explain", body: "{}")
        XCTAssertEqual(verb.status, 404)
        XCTAssertTrue(verb.text.contains(":classify, :regress"), verb.text)
    }

    func testStatisticsInTritonsShape() throws {
        let r = try client.call("GET", "/v2/models/iris/versions/1/stats")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.text, #"{"model_stats":[{"name":"iris","version":"1","last_inference":1700000000000,"inference_count":5,"execution_count":3,"inference_stats":{"success":{"count":3,"ns":3000},"fail":{"count":1,"ns":100},"queue":{"count":3,"ns":300},"compute_input":{"count":0,"ns":0},"compute_infer":{"count":3,"ns":2000},"compute_output":{"count":0,"ns":0},"cache_hit":{"count":0,"ns":0},"cache_miss":{"count":0,"ns":0}},"batch_stats":[]}]}"#)
        guard case .getModelStatistics(let g)? = server.handler.requests.last?.call else { return XCTFail("no statistics call") }
        XCTAssertEqual(g.modelSpec, ModelSpec(name: "iris", version: 1))
        XCTAssertEqual(try client.call("GET", "/v2/models/stats").status, 200)
        guard case .getModelStatistics(let all)? = server.handler.requests.last?.call else { return XCTFail("no statistics call") }
        XCTAssertEqual(all.modelSpec.name, "")
        XCTAssertEqual(try client.call("GET", "/v2/models/nope/stats").status, 404)
        XCTAssertEqual(try client.call("POST", "/v2/models/iris/stats", body: "{}").status, 405)
    }

    func testConfigInTritonsShape() throws {
        let r = try client.call("GET", "/v2/models/iris/config")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.text, #"{"name":"iris","platform":"onnxruntime_onnx","backend":"onnxruntime","version_policy":{"latest":{"num_versions":1}},"max_batch_size":0,"input":[{"name":"input","data_type":"TYPE_FP32","dims":[-1,4]}],"output":[{"name":"label","data_type":"TYPE_INT64","dims":[-1]},{"name":"probabilities","data_type":"TYPE_FP32","dims":[-1,3]},{"name":"probabilities:labels","data_type":"TYPE_INT64","dims":[3]}],"parameters":{"labels":{"string_value":"setosa,versicolor,virginica"}}}"#)
        XCTAssertEqual(try client.call("GET", "/v2/models/nope/config").status, 404)
    }

    func testRepositoryIndexListsVersionsWithTritonStates() throws {
        let all = try client.call("POST", "/v2/repository/index", bytes: [])
        XCTAssertEqual(all.status, 200, all.text)
        XCTAssertEqual(all.text, #"[{"name":"iris","version":"1","state":"READY","reason":""}]"#)
        XCTAssertEqual(try client.call("POST", "/v2/repository/index", body: #"{"ready": true}"#).text, all.text)
        let bad = try client.call("POST", "/v2/repository/index", body: #"{"ready": "yes"}"#)
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue(bad.text.contains("'ready' must be true or false"), bad.text)
        XCTAssertEqual(try client.call("GET", "/v2/repository/index").status, 405)
    }

    func testLoadAndUnloadReachTheManagerAndMapItsErrors() throws {
        for (action, body) in [("load", "{}"), ("unload", ""), ("unload", #"{"parameters": {"unload_dependents": true}}"#)] {
            let r = try client.call("POST", "/v2/repository/models/iris/\(action)", body: body)
            XCTAssertEqual(r.status, 200, r.text)
            XCTAssertEqual(r.text, "")
        }
        let calls = server.handler.requests.compactMap { request -> String? in
            switch request.call {
            case .loadModel(let m): return "load \(m.name)"
            case .unloadModel(let m): return "unload \(m.name)"
            default: return nil
            }
        }
        XCTAssertEqual(calls, ["load iris", "unload iris", "unload iris"])

        let polled = try client.call("POST", "/v2/repository/models/polled/load", body: "{}")
        XCTAssertEqual(polled.status, 400, "Triton answers a refused load with 400")
        XCTAssertTrue(polled.text.contains("poll mode"), polled.text)
        let absent = try client.call("POST", "/v2/repository/models/absent/unload", body: "{}")
        XCTAssertEqual(absent.status, 404, absent.text)
        let overrides = try client.call("POST", "/v2/repository/models/iris/load", body: #"{"parameters": {"config": "{}"}}"#)
        XCTAssertEqual(overrides.status, 400)
        XCTAssertTrue(overrides.text.contains("load parameter 'config' is not supported"), overrides.text)
        let notObject = try client.call("POST", "/v2/repository/models/iris/load", body: "[1]")
        XCTAssertEqual(notObject.status, 400)
        XCTAssertTrue(notObject.text.contains("must be an object"), notObject.text)
        XCTAssertEqual(try client.call("POST", "/v2/repository/models/iris/reload", body: "{}").status, 404)
        XCTAssertEqual(try client.call("GET", "/v2/repository/models/iris/load").status, 405)
    }
}
