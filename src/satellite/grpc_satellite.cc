#include "satellite/grpc_satellite.h"

#include <grpcpp/alarm.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <string>
#include <vector>

namespace spanbench::satellite {
namespace {

constexpr const char* kExportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
// Below this, waiting inline is cheaper than arming an alarm.
constexpr auto kInlineDelay = std::chrono::microseconds(200);

class ExportReactor final : public grpc::ServerGenericBidiReactor {
 public:
  ExportReactor(grpc::GenericCallbackServerContext* context, ReportIngestor& ingestor,
                BandwidthLimiter& limiter, size_t max_body_bytes)
      : ingestor_(ingestor), limiter_(limiter), max_body_bytes_(max_body_bytes) {
    if (context->method() != kExportMethod) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          std::string("only ") + kExportMethod + " is served"));
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
      return;
    }
    const size_t length = request_.Length();
    if (length > max_body_bytes_) {
      ingestor_.count_rejected(Protocol::kOtlpGrpc);
      Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "message of " + std::to_string(length) + " bytes exceeds the limit of " +
                              std::to_string(max_body_bytes_) + " bytes (--max-body-bytes)"));
      return;
    }
    std::string_view body;
    std::vector<grpc::Slice> slices;
    if (!request_.Dump(&slices).ok()) {
      ingestor_.count_rejected(Protocol::kOtlpGrpc);
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unreadable request message"));
      return;
    }
    if (slices.size() == 1) {
      body = std::string_view(reinterpret_cast<const char*>(slices[0].begin()), slices[0].size());
    } else {
      flat_.reserve(length);
      for (const grpc::Slice& s : slices) {
        flat_.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
      body = flat_;
    }

    const IngestResult prepared = ingestor_.prepare(Protocol::kOtlpGrpc, body, length, report_);
    if (prepared.outcome == IngestOutcome::kRejected) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, prepared.reason));
      return;
    }
    const auto delay = report_.verdict.delay + limiter_.reserve(length);
    if (delay < kInlineDelay) {
      complete(ingestor_.interrupter().sleep_for(delay));
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_) {
      complete_locked_out();
      return;
    }
    alarm_armed_ = true;
    alarm_.Set(std::chrono::system_clock::now() + delay, [this](bool fired) { complete(fired); });
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    if (alarm_armed_) alarm_.Cancel();
  }

  void OnDone() override { delete this; }

 private:
  void complete_locked_out() {
    Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "satellite shutting down"));
  }

  void complete(bool waited) {
    if (!waited || ingestor_.interrupter().interrupted()) {
      complete_locked_out();
      return;
    }
    const IngestResult result = ingestor_.commit(report_);
    switch (result.outcome) {
      case IngestOutcome::kAccepted: {
        // An empty message is an empty ExportTraceServiceResponse.
        grpc::Slice empty;
        response_ = grpc::ByteBuffer(&empty, 1);
        StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
        return;
      }
      case IngestOutcome::kFailedByMode:
        Finish(grpc::Status(grpc::StatusCode::INTERNAL,
                            "satellite mode slow_fail refuses every report"));
        return;
      case IngestOutcome::kFailedInjected:
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "injected failure (--error-rate)"));
        return;
      case IngestOutcome::kRejected:
      case IngestOutcome::kInterrupted:
        complete_locked_out();
        return;
    }
  }

  ReportIngestor& ingestor_;
  BandwidthLimiter& limiter_;
  size_t max_body_bytes_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::string flat_;
  PreparedReport report_;
  std::mutex mutex_;
  grpc::Alarm alarm_;
  bool alarm_armed_ = false;
  bool cancelled_ = false;
};

}  // namespace

class GrpcSatellites::Service final : public grpc::CallbackGenericService {
 public:
  Service(ReportIngestor& ingestor, BandwidthLimiter& limiter, size_t max_body_bytes)
      : ingestor_(ingestor), limiter_(limiter), max_body_bytes_(max_body_bytes) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new ExportReactor(context, ingestor_, limiter_, max_body_bytes_);
  }

 private:
  ReportIngestor& ingestor_;
  BandwidthLimiter& limiter_;
  size_t max_body_bytes_;
};

GrpcSatellites::GrpcSatellites(const SatelliteOptions& options, ReportIngestor& ingestor,
                               BandwidthLimiter& limiter)
    : options_(options), ingestor_(ingestor), limiter_(limiter) {}

GrpcSatellites::~GrpcSatellites() { stop(); }

void GrpcSatellites::start() {
  if (server_) return;
  service_ = std::make_unique<Service>(ingestor_, limiter_, options_.max_body_bytes);
  grpc::ServerBuilder builder;
  // gRPC's default SO_REUSEPORT would let two groups share a port unnoticed.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // gRPC refuses larger messages itself (uncounted); up to there we refuse
  // them with a reason and count them.
  const size_t hard_limit = std::min<size_t>(options_.max_body_bytes * 2 + 4096, INT_MAX);
  builder.SetMaxReceiveMessageSize(static_cast<int>(hard_limit));
  std::vector<int> selected(options_.ports.size(), 0);
  for (size_t i = 0; i < options_.ports.size(); ++i) {
    builder.AddListeningPort(options_.host + ":" + std::to_string(options_.ports[i]),
                             grpc::InsecureServerCredentials(), &selected[i]);
  }
  builder.RegisterCallbackGenericService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_) {
    service_.reset();
    for (size_t i = 0; i < options_.ports.size(); ++i) {
      if (selected[i] == 0) {
        throw PortInUseError(PortInUseError::Kind::kSatellite, options_.ports[i],
                             "cannot listen on " + options_.host + ":" +
                                 std::to_string(options_.ports[i]) +
                                 " (gRPC): address in use or not bindable");
      }
    }
    throw Error("gRPC server failed to start on " + options_.host);
  }
}

void GrpcSatellites::stop() {
  if (!server_) return;
  // Calls still running after the grace period are cancelled.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
  server_->Wait();
  server_.reset();
  service_.reset();
}

}  // namespace spanbench::satellite
