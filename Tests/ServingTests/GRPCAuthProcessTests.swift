import Foundation
import SwerveTestSupport
import XCTest

/// Tokens on gRPC: the `authorization` metadata, checked like the binary
/// protocol's `auth_token`, with the same codes; health stays open.
final class GRPCAuthProcessTests: AuthTestCase {
    func testTokensAndScopesOnGRPCCalls() throws {
        let server = try SwerveProcess(models: root.appendingPathComponent("repo"), arguments: ["--auth-tokens", tokenFile.path])
        let script = """
            import sys, grpc, numpy as np, tritonclient.grpc as g
            from tritonclient.utils import InferenceServerException
            from grpc_health.v1 import health_pb2, health_pb2_grpc
            target = "127.0.0.1:" + sys.argv[1]
            def infer(token):
                c = g.InferenceServerClient(target)
                x = g.InferInput("input", [1, 4], "FP32")
                x.set_data_from_numpy(np.array([[5.1, 3.5, 1.4, 0.2]], dtype=np.float32))
                try:
                    c.infer("iris", [x], headers={"authorization": "Bearer " + token} if token else None)
                    return "OK"
                except InferenceServerException as e:
                    return e.status()
            print(infer(None), infer("wrong"), infer("jobs-token"), infer("predict-token"))
            print(health_pb2_grpc.HealthStub(grpc.insecure_channel(target)).Check(health_pb2.HealthCheckRequest()).status)
            """
        let run = try runCommand(GRPCCheck.python, ["-c", script, String(server.port)], timeout: 60)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout.split(separator: "\n"), [
            "StatusCode.UNAUTHENTICATED StatusCode.UNAUTHENTICATED StatusCode.PERMISSION_DENIED OK",
            "1", // SERVING, without a token
        ], run.stdout + run.stderr)
    }
}
