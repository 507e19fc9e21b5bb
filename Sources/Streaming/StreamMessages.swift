import TextFormats

/// `features/X`: `{"id": …, "x": [numbers], "ts": seconds}` (`ts` optional).
public struct FeatureMessage: Sendable {
    public var id: MessageID
    public var x: [Float]
    public var timestamp: Double?

    public init(id: MessageID, x: [Float], timestamp: Double?) {
        self.id = id
        self.x = x
        self.timestamp = timestamp
    }
}

/// `features/Y_true`: `{"id": …, "y_true": number}`.
public struct TruthMessage: Sendable {
    public var id: MessageID
    public var yTrue: Double
    public var timestamp: Double?
}

/// `predictions/Y_pred`: `{"id": …, "y_pred": number, "model": name, "version": n, "ts": seconds}`.
public struct PredictionMessage: Sendable {
    public var id: MessageID
    public var yPred: Double
    public var model: String?
    public var version: Int64?
    public var timestamp: Double?
}

/// Reads and writes the pipeline's JSON messages (TextFormats underneath),
/// so pika services written the seed's way interoperate in both directions.
public enum StreamMessages {
    /// Refuses non-JSON content types; a message without one is read as JSON.
    static func parse(_ delivery: Delivery) throws(StreamError) -> JSON {
        if let type = delivery.contentType, !type.isEmpty, !type.hasPrefix("application/json") {
            throw StreamError("content type '\(type)' is not application/json")
        }
        let parsed = delivery.body.withUnsafeBytes { raw in
            Result { () throws(JSONError) -> JSON in try JSONParser.parse(raw) }
        }
        switch parsed {
        case .success(let json):
            guard json.isObject else { throw StreamError("the message is \(json.kindName), not a JSON object") }
            return json
        case .failure(let error):
            throw StreamError("\(error)")
        }
    }

    public static func feature(_ delivery: Delivery) throws(StreamError) -> FeatureMessage {
        let json = try parse(delivery)
        let id = try MessageID.read(json)
        guard let values = json["x"] else { throw StreamError("missing \"x\"") }
        guard let array = values.arrayValue else { throw StreamError("\"x\" must be an array of numbers, not \(values.kindName)") }
        var x: [Float] = []
        x.reserveCapacity(array.count)
        for (i, value) in array.enumerated() {
            guard case .number(let n) = value else { throw StreamError("\"x\"[\(i)] is \(value.kindName), not a number") }
            // Too large for a float: refused, not run (and forwarded) as infinity.
            guard let v = n.finiteFloat else { throw StreamError("\"x\"[\(i)] is \(n.text.prefix(40)), which does not fit in float") }
            x.append(v)
        }
        return FeatureMessage(id: id, x: x, timestamp: try optionalNumber(json, "ts"))
    }

    public static func truth(_ delivery: Delivery) throws(StreamError) -> TruthMessage {
        let json = try parse(delivery)
        return TruthMessage(id: try MessageID.read(json), yTrue: try number(json, "y_true"), timestamp: try optionalNumber(json, "ts"))
    }

    public static func prediction(_ delivery: Delivery) throws(StreamError) -> PredictionMessage {
        let json = try parse(delivery)
        var version: Int64?
        if case .number(let n)? = json["version"] { version = n.int64 }
        return PredictionMessage(id: try MessageID.read(json), yPred: try number(json, "y_pred"),
                                 model: json["model"]?.stringValue, version: version, timestamp: try optionalNumber(json, "ts"))
    }

    private static func number(_ json: JSON, _ key: String) throws(StreamError) -> Double {
        guard let value = json[key] else { throw StreamError("missing \"\(key)\"") }
        guard case .number(let n) = value else { throw StreamError("\"\(key)\" must be a number, not \(value.kindName)") }
        guard let v = n.finiteDouble else { throw StreamError("\"\(key)\" is \(n.text.prefix(40)), which does not fit in double") }
        return v
    }

    private static func optionalNumber(_ json: JSON, _ key: String) throws(StreamError) -> Double? {
        guard let value = json[key] else { return nil }
        if case .null = value { return nil }
        return try number(json, key)
    }

    // MARK: Writing

    public static func write(_ m: FeatureMessage, into w: inout JSONWriter) {
        w.bytes.removeAll(keepingCapacity: true)
        w.raw("{\"id\":")
        m.id.write(to: &w)
        w.raw(",\"x\":[")
        for (i, v) in m.x.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.float(v)
        }
        w.byte(UInt8(ascii: "]"))
        if let ts = m.timestamp { w.raw(",\"ts\":"); w.double(ts) }
        w.byte(UInt8(ascii: "}"))
    }

    public static func write(_ m: TruthMessage, into w: inout JSONWriter) {
        w.bytes.removeAll(keepingCapacity: true)
        w.raw("{\"id\":")
        m.id.write(to: &w)
        w.raw(",\"y_true\":")
        w.double(m.yTrue)
        if let ts = m.timestamp { w.raw(",\"ts\":"); w.double(ts) }
        w.byte(UInt8(ascii: "}"))
    }

    public static func write(_ m: PredictionMessage, into w: inout JSONWriter) {
        w.bytes.removeAll(keepingCapacity: true)
        w.raw("{\"id\":")
        m.id.write(to: &w)
        w.raw(",\"y_pred\":")
        w.double(m.yPred)
        if let model = m.model { w.raw(",\"model\":"); w.string(model) }
        if let version = m.version { w.raw(",\"version\":"); w.int(version) }
        if let ts = m.timestamp { w.raw(",\"ts\":"); w.double(ts) }
        w.byte(UInt8(ascii: "}"))
    }
}
