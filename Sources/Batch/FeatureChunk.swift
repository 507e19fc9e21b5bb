/// A run of input rows ready to predict: their ids and their features
/// row-major. A reader fills the same value again for every chunk, so the
/// arrays keep their capacity and memory stays flat.
public struct FeatureChunk: Sendable {
    public var ids: [RowID] = []
    /// `rowCount * featureCount` values, row after row.
    public var features: [Double] = []
    public let featureCount: Int

    public init(featureCount: Int) {
        self.featureCount = featureCount
    }

    public var rowCount: Int { ids.count }

    mutating func removeAll() {
        ids.removeAll(keepingCapacity: true)
        features.removeAll(keepingCapacity: true)
    }
}
