#include "satellite/grpc_satellite.h"

#include <grpc/byte_buffer.h>
#include <grpc/slice.h>
#include <grpcpp/alarm.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <string>
#include <vector>

#include "satellite/grpc_message.h"

// grpc::ByteBuffer names this class a friend (gRPC's own tests define it).
// We define it to reach the raw message: ByteBuffer::Dump() would inflate a
// compressed message with no limit before we could look at its size.
namespace grpc::internal {
class GrpcByteBufferPeer {
 public:
  explicit GrpcByteBufferPeer(ByteBuffer* buffer) : buffer_(buffer) {}
  grpc_byte_buffer* c_buffer() { return buffer_->c_buffer(); }

 private:
  ByteBuffer* buffer_;
};
}  // namespace grpc::internal

namespace spanbench::satellite {
namespace {

constexpr const char* kExportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
// Below this, waiting inline is cheaper than arming an alarm.
constexpr auto kInlineDelay = std::chrono::microseconds(200);

// One Export call. gRPC hands us the message as it came over the wire
// (per-message decompression is off on the server): its size is checked
// before anything else, and a compressed one is inflated by us, only up to
// --max-body-bytes. A call whose message does not arrive within the read
// timeout is ended.
//
// The reactor is deleted when both gRPC is done with the call (OnDone) and
// the deadline alarm has run or been cancelled.
class ExportReactor final : public grpc::ServerGenericBidiReactor {
 public:
  ExportReactor(grpc::GenericCallbackServerContext* context, ReportIngestor& ingestor,
                BandwidthLimiter& limiter, const SatelliteOptions& options)
      : ingestor_(ingestor), limiter_(limiter), options_(options) {
    if (context->method() != kExportMethod) {
      finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          std::string("only ") + kExportMethod + " is served"));
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++refs_;
    }
    deadline_.Set(std::chrono::system_clock::now() + options_.read_timeout,
                  [this](bool fired) { on_deadline(fired); });
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    const int64_t received = realtime_now_nanos();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      read_done_ = true;
      if (finished_) return;  // the deadline ended the call
    }
    deadline_.Cancel();
    if (!ok) {
      finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
      return;
    }
    std::string_view body;
    uint64_t wire_bytes = 0;
    grpc::Status status = take_message(body, wire_bytes);
    if (!status.ok()) {
      ingestor_.count_rejected(Protocol::kOtlpGrpc);
      finish(status);
      return;
    }

    const IngestResult prepared =
        ingestor_.prepare(Protocol::kOtlpGrpc, body, wire_bytes, received, report_);
    release_buffers();
    if (prepared.outcome == IngestOutcome::kRejected) {
      finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, prepared.reason));
      return;
    }
    const auto delay = report_.verdict.delay + limiter_.reserve(wire_bytes);
    if (delay < kInlineDelay) {
      complete(ingestor_.interrupter().sleep_for(delay));
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_) {
      finish_locked_out();
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

  void OnDone() override { unref(); }

 private:
  // The message as received, inflated if it was compressed; or why not.
  grpc::Status take_message(std::string_view& body, uint64_t& wire_bytes) {
    grpc_byte_buffer* raw = grpc::internal::GrpcByteBufferPeer(&request_).c_buffer();
    if (raw == nullptr || raw->type != GRPC_BB_RAW) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unreadable request message");
    }
    const grpc_slice_buffer& slices = raw->data.raw.slice_buffer;
    wire_bytes = slices.length;
    MessageCompression compression = MessageCompression::kOther;
    switch (raw->data.raw.compression) {
      case GRPC_COMPRESS_NONE:
        compression = MessageCompression::kNone;
        break;
      case GRPC_COMPRESS_GZIP:
        compression = MessageCompression::kGzip;
        break;
      case GRPC_COMPRESS_DEFLATE:
        compression = MessageCompression::kDeflate;
        break;
      default:
        break;
    }
    if (slices.length > options_.max_body_bytes) {
      // Refused on its size alone, before it is copied or inflated.
      return grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          std::string(compression != MessageCompression::kNone ? "compressed " : "") +
              "message of " + std::to_string(slices.length) + " bytes exceeds the limit of " +
              std::to_string(options_.max_body_bytes) + " bytes (--max-body-bytes)");
    }
    std::string_view wire;
    if (slices.count == 1) {
      wire = std::string_view(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slices.slices[0])),
                              GRPC_SLICE_LENGTH(slices.slices[0]));
    } else {
      flat_.clear();
      flat_.reserve(slices.length);
      for (size_t i = 0; i < slices.count; ++i) {
        flat_.append(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slices.slices[i])),
                     GRPC_SLICE_LENGTH(slices.slices[i]));
      }
      wire = flat_;
    }
    const MessageBody message =
        grpc_message_body(compression, wire, options_.max_body_bytes, inflated_);
    switch (message.refusal) {
      case MessageRefusal::kNone:
        body = message.body;
        return grpc::Status::OK;
      case MessageRefusal::kTooLarge:
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, message.reason);
      case MessageRefusal::kMalformed:
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message.reason);
      case MessageRefusal::kUnsupported:
        return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, message.reason);
    }
    return grpc::Status(grpc::StatusCode::INTERNAL, "unexpected message verdict");
  }

  void release_buffers() {
    std::string().swap(flat_);
    std::string().swap(inflated_);
    request_.Clear();
  }

  void on_deadline(bool fired) {
    bool end = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      end = fired && !read_done_ && !finished_;
    }
    if (end) {
      ingestor_.count_rejected(Protocol::kOtlpGrpc);
      finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          "request message not received within the read timeout (" +
                              std::to_string(options_.read_timeout.count()) +
                              " ms, --read-timeout-ms)"));
    }
    unref();
  }

  // Finishes the call once, whoever gets there first.
  void finish(const grpc::Status& status) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(status);
  }

  void finish_locked_out() {
    if (finished_) return;
    finished_ = true;
    Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "satellite shutting down"));
  }

  void unref() {
    bool last = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      last = --refs_ == 0;
    }
    if (last) delete this;
  }

  void complete(bool waited) {
    if (!waited || ingestor_.interrupter().interrupted()) {
      finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "satellite shutting down"));
      return;
    }
    const IngestResult result = ingestor_.commit(report_);
    switch (result.outcome) {
      case IngestOutcome::kAccepted: {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (finished_) return;
          finished_ = true;
        }
        // An empty message is an empty ExportTraceServiceResponse.
        grpc::Slice empty;
        response_ = grpc::ByteBuffer(&empty, 1);
        StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
        return;
      }
      case IngestOutcome::kFailedByMode:
        finish(grpc::Status(grpc::StatusCode::INTERNAL,
                            "satellite mode slow_fail refuses every report"));
        return;
      case IngestOutcome::kFailedInjected:
        finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "injected failure (--error-rate)"));
        return;
      case IngestOutcome::kRejected:
      case IngestOutcome::kInterrupted:
        finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "satellite shutting down"));
        return;
    }
  }

  ReportIngestor& ingestor_;
  BandwidthLimiter& limiter_;
  const SatelliteOptions& options_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::string flat_;
  std::string inflated_;
  PreparedReport report_;
  std::mutex mutex_;
  grpc::Alarm alarm_;
  grpc::Alarm deadline_;
  int refs_ = 1;  // gRPC's, until OnDone; +1 while the deadline is armed
  bool alarm_armed_ = false;
  bool cancelled_ = false;
  bool read_done_ = false;
  bool finished_ = false;
};

}  // namespace

class GrpcSatellites::Service final : public grpc::CallbackGenericService {
 public:
  Service(ReportIngestor& ingestor, BandwidthLimiter& limiter, const SatelliteOptions& options)
      : ingestor_(ingestor), limiter_(limiter), options_(options) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new ExportReactor(context, ingestor_, limiter_, options_);
  }

 private:
  ReportIngestor& ingestor_;
  BandwidthLimiter& limiter_;
  const SatelliteOptions& options_;
};

GrpcSatellites::GrpcSatellites(const SatelliteOptions& options, ReportIngestor& ingestor,
                               BandwidthLimiter& limiter)
    : options_(options), ingestor_(ingestor), limiter_(limiter) {}

GrpcSatellites::~GrpcSatellites() { stop(); }

void GrpcSatellites::start() {
  if (server_) return;
  service_ = std::make_unique<Service>(ingestor_, limiter_, options_);
  grpc::ServerBuilder builder;
  // gRPC's default SO_REUSEPORT would let two groups share a port unnoticed.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // gRPC inflates a compressed message whole before checking its size (a
  // 10 MB message can inflate to 10 GB); we inflate it ourselves, bounded.
  builder.AddChannelArgument(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 100);
  // Bounds the memory gRPC's transport takes for buffers on all
  // connections together; past it gRPC slows its readers.
  grpc::ResourceQuota quota("spanbench-satellites");
  quota.Resize(std::max<size_t>(size_t{512} << 20, options_.max_body_bytes * 4));
  builder.SetResourceQuota(quota);
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
