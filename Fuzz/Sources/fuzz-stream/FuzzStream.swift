import FuzzSupport
@testable import Streaming
import TextFormats

@main
enum FuzzStream {
    static func main() { FuzzDriver.run(fuzzStream) }
}

/// Stream messages as the pipeline's services read them. The input is a
/// sequence of messages separated by NUL bytes (never valid inside JSON);
/// each message's first byte picks its kind (features, truth, prediction)
/// and content type, the rest is its body. Features are written back the way
/// the model service forwards them and must read back the same; truth and
/// predictions go through the metrics service's join table.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStream(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let contentTypes: [String?] = [nil, "application/json", "text/plain"]
    var join = JoinTable()
    var writer = JSONWriter()
    var tag: UInt64 = 0
    for message in FuzzInput(data, size).bytes.split(separator: 0) {
        guard let selector = message.first else { continue }
        tag += 1
        let delivery = Delivery(tag: tag, queue: "fuzz", body: Array(message.dropFirst()),
                                contentType: contentTypes[Int(selector / 3) % contentTypes.count], redelivered: false)
        switch selector % 3 {
        case 0:
            guard let feature = try? StreamMessages.feature(delivery) else { continue }
            StreamMessages.write(feature, into: &writer)
            let echoed = Delivery(tag: tag, queue: "fuzz", body: writer.bytes, contentType: "application/json", redelivered: false)
            do {
                let again = try StreamMessages.feature(echoed)
                precondition(again.id == feature.id && again.x.count == feature.x.count,
                             "feature message changed on the way through: \(feature) -> \(again)")
            } catch {
                preconditionFailure("a feature message swerve wrote does not read back: \(error)")
            }
        case 1:
            guard let truth = try? StreamMessages.truth(delivery) else { continue }
            _ = join.offer(truth.id, .truth, JoinTable.Half(delivery: delivery, value: truth.yTrue,
                                                            timestamp: truth.timestamp, arrived: .now))
        default:
            guard let prediction = try? StreamMessages.prediction(delivery) else { continue }
            _ = join.offer(prediction.id, .prediction, JoinTable.Half(delivery: delivery, value: prediction.yPred,
                                                                      timestamp: prediction.timestamp, arrived: .now))
        }
    }
    _ = join.evict(now: .now, timeout: .zero, maxPending: 0)
    return 0
}
