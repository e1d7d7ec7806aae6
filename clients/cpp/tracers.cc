#include "tracers.h"

#include <datadog/opentracing.h>
#include <datadog/version.h>
#include <opentracing/mocktracer/in_memory_recorder.h>
#include <opentracing/mocktracer/tracer.h>
#include <opentracing/noop.h>
#include <opentracing/version.h>
#include <time.h>

#include <cstdlib>
#include <stdexcept>

// Burns `ns` of this thread's CPU time in dependent multiplications: the
// mock tracer's extra per-span work, named so that a profile shows it.
extern "C" [[gnu::noinline]] void spanbench_mock_hot_work(int64_t ns) {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  const int64_t end = int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec + ns;
  volatile double sink = 0;
  double x = 1.0;
  do {
    for (int i = 0; i < 1000; ++i) x *= 1.000000001;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  } while (int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec < end);
  sink = x;
  (void)sink;
}

namespace spanbench::client {
namespace {

class NoopTracer : public TracerUnderTest {
 public:
  std::shared_ptr<opentracing::Tracer> tracer() override { return tracer_; }
  void flush() override { tracer_->Close(); }

 private:
  std::shared_ptr<opentracing::Tracer> tracer_ = opentracing::MakeNoopTracer();
};

// OpenTracing's in-memory mock tracer: real span work (records every tag
// and log of every span), reporting nowhere.
class MockTracer : public TracerUnderTest {
 public:
  explicit MockTracer(int64_t hot_work_ns) : hot_work_ns_(hot_work_ns) {
    auto recorder = std::make_unique<opentracing::mocktracer::InMemoryRecorder>();
    recorder_ = recorder.get();
    opentracing::mocktracer::MockTracerOptions options;
    options.recorder = std::move(recorder);
    tracer_ = std::make_shared<opentracing::mocktracer::MockTracer>(std::move(options));
  }
  std::shared_ptr<opentracing::Tracer> tracer() override { return tracer_; }
  void flush() override {
    recorded_ = recorder_->size();
    tracer_->Close();
  }
  void span_finished() override {
    if (hot_work_ns_ > 0) spanbench_mock_hot_work(hot_work_ns_);
  }
  std::string summary() const override {
    return "mock tracer recorded " + std::to_string(recorded_ ? recorded_ : recorder_->size()) +
           " spans";
  }

 private:
  opentracing::mocktracer::InMemoryRecorder* recorder_ = nullptr;  // owned by tracer_
  std::shared_ptr<opentracing::mocktracer::MockTracer> tracer_;
  size_t recorded_ = 0;
  int64_t hot_work_ns_ = 0;
};

// Datadog's C++ tracer (dd-opentracing-cpp), reporting msgpack traces to the
// satellites as it would to a Datadog agent, every 100 ms.
class DatadogTracer : public TracerUnderTest {
 public:
  explicit DatadogTracer(const ControlCommand& c) {
    // The tracer lets these variables override the options below; a
    // developer's shell pointing at a real agent must not redirect the run.
    for (const char* var :
         {"DD_AGENT_HOST", "DD_TRACE_AGENT_PORT", "DD_TRACE_AGENT_URL", "DD_TRACE_SAMPLE_RATE",
          "DD_TRACE_SAMPLING_RULES", "DD_TRACE_ENABLED"}) {
      unsetenv(var);
    }
    datadog::opentracing::TracerOptions options;
    options.agent_host = c.satellite_host;
    options.agent_port = c.satellite_ports.empty() ? 8126 : c.satellite_ports.front();
    options.service = "spanbench-client-cpp";
    options.write_period_ms = 100;
    tracer_ = datadog::opentracing::makeTracer(options);
  }
  std::shared_ptr<opentracing::Tracer> tracer() override { return tracer_; }
  // Close() flushes with a 5 s timeout, and its writer has two flaws at
  // shutdown: (1) it only signals the end of a flush when it sent
  // something, so with an empty buffer Close() spins for the whole 5 s;
  // (2) when Close() lands while the writer is still sending an earlier
  // batch, the end of that send ends the flush and spans finished meanwhile
  // are lost (seen: 1 span of 10,000 in 1 of 10 runs). Holding the last
  // span through the final sleep plus 20 ms avoids both: no span finishes
  // during the hold, so the writer's one send in it (the spans from before
  // the sleep, a few ms even at 10,000 spans/s) is over before Close().
  void flush() override { tracer_->Close(); }
  std::optional<std::chrono::milliseconds> hold_last_span() const override {
    return std::chrono::milliseconds(20);
  }

 private:
  std::shared_ptr<opentracing::Tracer> tracer_;
};

}  // namespace

const char* tracer_names() { return "noop, mock, datadog"; }

std::string tracer_version(const std::string& name) {
  std::string ot = std::string("opentracing-cpp ") + OPENTRACING_VERSION;
  if (name == "datadog")
    return "dd-opentracing-cpp " + datadog::version::tracer_version + ", " + ot;
  return ot;
}

std::unique_ptr<TracerUnderTest> make_tracer(const std::string& name, const ControlCommand& command,
                                             const TracerFlags& flags) {
  if (name == "noop") return std::make_unique<NoopTracer>();
  if (name == "mock") return std::make_unique<MockTracer>(flags.hot_work_ns);
  if (name == "datadog") return std::make_unique<DatadogTracer>(command);
  throw std::invalid_argument("unknown tracer \"" + name + "\" (known: " + tracer_names() + ")");
}

}  // namespace spanbench::client
