#!/usr/bin/env python3
"""The Python reference for the gRPC benchmark: KServe V2 ModelInfer served by
grpcio (synchronous server, thread pool) running the model with onnxruntime,
the way a team would write it in Python.

    .build/grpc-venv/bin/python scripts/grpc_python_server.py --model models/iris/1/model.onnx --port 8600 [--workers 16]

Implements ServerLive, ServerReady, ModelReady and ModelInfer (raw or typed FP32
inputs; outputs as raw contents, the way tritonclient reads them). A ZipMap
output (scikit-learn classifiers) is answered as a dense FP32 [N, classes]
tensor, as swerve answers it. Prints "listening on 127.0.0.1:PORT" once serving.
"""
import argparse
import os
import signal
import sys
from concurrent import futures

import grpc
import numpy as np
import onnxruntime as ort
from tritonclient.grpc import service_pb2, service_pb2_grpc

NUMPY_TO_KSERVE = {np.dtype(np.float32): "FP32", np.dtype(np.float64): "FP64",
                   np.dtype(np.int64): "INT64", np.dtype(np.int32): "INT32"}


class InferenceService(service_pb2_grpc.GRPCInferenceServiceServicer):
    def __init__(self, model_name, session):
        self.model_name = model_name
        self.session = session
        self.input = session.get_inputs()[0]
        self.width = self.input.shape[1]
        self.output_names = [o.name for o in session.get_outputs()]

    def ServerLive(self, request, context):
        return service_pb2.ServerLiveResponse(live=True)

    def ServerReady(self, request, context):
        return service_pb2.ServerReadyResponse(ready=True)

    def ModelReady(self, request, context):
        return service_pb2.ModelReadyResponse(ready=request.name == self.model_name)

    def ModelInfer(self, request, context):
        if request.model_name != self.model_name:
            context.abort(grpc.StatusCode.NOT_FOUND, f"model '{request.model_name}' not found")
        if len(request.inputs) != 1 or request.inputs[0].datatype != "FP32":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"expected one FP32 input '{self.input.name}'")
        tensor = request.inputs[0]
        shape = list(tensor.shape)
        if len(shape) != 2 or shape[1] != self.width:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"input '{tensor.name}' has shape {shape}, expected [-1, {self.width}]")
        if request.raw_input_contents:
            rows = np.frombuffer(request.raw_input_contents[0], dtype="<f4")
        else:
            rows = np.array(tensor.contents.fp32_contents, dtype=np.float32)
        if rows.size != shape[0] * shape[1]:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"input '{tensor.name}' carries {rows.size} values for shape {shape}")
        results = self.session.run(None, {self.input.name: rows.reshape(shape)})
        response = service_pb2.ModelInferResponse(model_name=self.model_name, model_version="1", id=request.id)
        for name, value in zip(self.output_names, results):
            if isinstance(value, list):  # ZipMap: one {class: probability} per row
                classes = sorted(value[0]) if value else []
                value = np.array([[row[c] for c in classes] for row in value], dtype=np.float32)
            value = np.ascontiguousarray(value)
            response.outputs.add(name=name, datatype=NUMPY_TO_KSERVE[value.dtype], shape=list(value.shape))
            response.raw_output_contents.append(value.astype(value.dtype.newbyteorder("<")).tobytes())
        return response


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="an ONNX file")
    parser.add_argument("--name", default="iris", help="the model name requests use")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=16, help="thread pool size")
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers),
                         options=[("grpc.max_concurrent_streams", 1024)])
    service_pb2_grpc.add_GRPCInferenceServiceServicer_to_server(InferenceService(args.name, session), server)
    address = f"{args.host}:{args.port}"
    if server.add_insecure_port(address) == 0:
        print(f"cannot listen on {address}", file=sys.stderr)
        return 1
    server.start()
    signal.signal(signal.SIGTERM, lambda *_: server.stop(grace=1))
    print(f"listening on {address} (model {args.name} from {os.path.basename(args.model)}, {args.workers} workers)", flush=True)
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    sys.exit(main())
