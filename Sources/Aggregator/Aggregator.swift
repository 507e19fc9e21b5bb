// Aggregator: fan-out Predict over member services.
