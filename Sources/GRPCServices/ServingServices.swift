import Auth
import GRPC
import Wire

/// The gRPC services swerve serves, over the same ``CallHandler`` as REST:
/// KServe V2 (`inference.GRPCInferenceService`), TF Serving's
/// `tensorflow.serving.PredictionService` and `ModelService`, and
/// `grpc.health.v1.Health`. Fan-out models are called through ModelInfer and
/// Predict like any model; Submit/GetJob stay on the swerve protocol and REST.
public enum ServingServices {
    /// A router for every service, answering through `handler` after `gate`.
    public static func router(handler: any CallHandler, gate: AccessGate?, serverVersion: String) -> GRPCRouter {
        let calls = ServingCalls(handler: handler, gate: gate)
        var services = [KServeService(calls: calls, serverVersion: serverVersion).service]
        services += TFServingService(calls: calls).services
        let health = HealthService(handler: handler, serviceNames: Set(services.map(\.name) + ["grpc.health.v1.Health"]))
        services.append(health.service)
        return GRPCRouter(services)
    }
}
