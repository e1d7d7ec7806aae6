#include "tracers.h"

#include <opentracing/mocktracer/in_memory_recorder.h>
#include <opentracing/mocktracer/tracer.h>
#include <opentracing/noop.h>

#include <stdexcept>

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
  MockTracer() {
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
  std::string summary() const override {
    return "mock tracer recorded " + std::to_string(recorded_ ? recorded_ : recorder_->size()) +
           " spans";
  }

 private:
  opentracing::mocktracer::InMemoryRecorder* recorder_ = nullptr;  // owned by tracer_
  std::shared_ptr<opentracing::mocktracer::MockTracer> tracer_;
  size_t recorded_ = 0;
};

}  // namespace

const char* tracer_names() { return "noop, mock"; }

std::unique_ptr<TracerUnderTest> make_tracer(const std::string& name, const ControlCommand&) {
  if (name == "noop") return std::make_unique<NoopTracer>();
  if (name == "mock") return std::make_unique<MockTracer>();
  throw std::invalid_argument("unknown tracer \"" + name + "\" (known: " + tracer_names() + ")");
}

}  // namespace spanbench::client
