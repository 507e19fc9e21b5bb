// The "tuned C++ gRPC" reference of the gRPC benchmark (scripts/bench-grpc.sh):
// inference.GRPCInferenceService/ModelInfer answered with one fixed,
// iris-shaped ModelInferResponse (label INT64 [1], probabilities FP32 [1, 3],
// raw contents), so what is measured is gRPC itself: HTTP/2, framing,
// protobuf parsing of the request and serialising of the answer.
//
// Built from Debian's libgrpc++-dev with protoc + grpc_cpp_plugin on the
// vendored proto/inference/grpc_service.proto (bench-grpc.sh does it, into .build/).
// Tuned the usual way: the async API, one completion queue and one thread per
// core (or --threads), many calls pre-posted on every queue so no stream waits
// for a slot, and no per-call work beyond reading the request.
//
//   grpc-fixed-server --port N [--threads T]
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "grpc_service.grpc.pb.h"

namespace {

using inference::GRPCInferenceService;
using inference::ModelInferRequest;
using inference::ModelInferResponse;

// What swerve answers for iris row [5.1, 3.5, 1.4, 0.2]: label 0 and the three probabilities.
ModelInferResponse FixedIrisResponse() {
  ModelInferResponse response;
  response.set_model_name("iris");
  response.set_model_version("1");
  auto* label = response.add_outputs();
  label->set_name("label");
  label->set_datatype("INT64");
  label->add_shape(1);
  auto* probabilities = response.add_outputs();
  probabilities->set_name("probabilities");
  probabilities->set_datatype("FP32");
  probabilities->add_shape(1);
  probabilities->add_shape(3);
  const int64_t label_value = 0;
  const float probability_values[3] = {0.9796692f, 0.011212017f, 0.009118753f};
  response.add_raw_output_contents(std::string(reinterpret_cast<const char*>(&label_value), sizeof label_value));
  response.add_raw_output_contents(std::string(reinterpret_cast<const char*>(probability_values), sizeof probability_values));
  return response;
}

// One ModelInfer call's life on a completion queue: posted, request read, answered, freed.
class InferCall {
 public:
  InferCall(GRPCInferenceService::AsyncService* service, grpc::ServerCompletionQueue* queue, const ModelInferResponse* fixed)
      : service_(service), queue_(queue), fixed_(fixed), responder_(&context_) {
    service_->RequestModelInfer(&context_, &request_, &responder_, queue_, queue_, this);
  }

  void Proceed(bool ok) {
    if (!answered_ && ok) {
      // Post the next call first, so the queue never runs short of slots.
      new InferCall(service_, queue_, fixed_);
      answered_ = true;
      responder_.Finish(*fixed_, grpc::Status::OK, this);
      return;
    }
    delete this;  // answered, or the queue is shutting down
  }

 private:
  GRPCInferenceService::AsyncService* service_;
  grpc::ServerCompletionQueue* queue_;
  const ModelInferResponse* fixed_;
  grpc::ServerContext context_;
  ModelInferRequest request_;
  grpc::ServerAsyncResponseWriter<ModelInferResponse> responder_;
  bool answered_ = false;
};

void Serve(grpc::ServerCompletionQueue* queue) {
  void* tag;
  bool ok;
  while (queue->Next(&tag, &ok)) static_cast<InferCall*>(tag)->Proceed(ok);
}

int Usage() {
  std::fprintf(stderr, "usage: grpc-fixed-server --port N [--threads T]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int port = -1;
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
    else return Usage();
  }
  if (port <= 0 || port > 65535 || threads <= 0 || argc % 2 == 0) return Usage();

  // SIGINT/SIGTERM are taken by sigwait below, so every thread must block them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const ModelInferResponse fixed = FixedIrisResponse();
  GRPCInferenceService::AsyncService service;
  grpc::ServerBuilder builder;
  const std::string address = "127.0.0.1:" + std::to_string(port);
  int bound_port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(&service);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 1024);
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  for (int i = 0; i < threads; ++i) queues.push_back(builder.AddCompletionQueue());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    std::fprintf(stderr, "cannot listen on %s\n", address.c_str());
    return 1;
  }
  // Enough pre-posted calls per queue for 32 connections x 16 streams spread over the queues.
  const int posted_per_queue = 1024 / threads + 64;
  for (auto& queue : queues)
    for (int i = 0; i < posted_per_queue; ++i) new InferCall(&service, queue.get(), &fixed);
  std::vector<std::thread> workers;
  for (auto& queue : queues) workers.emplace_back(Serve, queue.get());
  std::printf("listening on %s (%d threads)\n", address.c_str(), threads);
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->Shutdown();
  for (auto& queue : queues) queue->Shutdown();
  for (auto& worker : workers) worker.join();
  return 0;
}
