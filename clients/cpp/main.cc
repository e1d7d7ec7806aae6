// spanbench-client-cpp: the client loop of docs/protocol.md with an OpenTracing
// C++ tracer. Asks the controller what to do, emits Repeat spans doing Work
// multiplications each, sleeps off its debt in SleepInterval chunks, flushes,
// reports its own timings, exits.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/control_command.h"
#include "core/error.h"
#include "tracers.h"

namespace {

using Clock = std::chrono::steady_clock;

// Keeps the work loop's result observable so the compiler cannot drop it.
volatile double g_work_sink = 0;

// `units` dependent floating-point multiplications.
void work(int64_t units) {
  double x = 1.0;
  for (int64_t i = 0; i < units; ++i) x *= 1.000000001;
  g_work_sink = x;
}

struct SpanShape {
  std::vector<std::string> tag_keys, tag_values, log_keys, log_values;
};

// The span loop of docs/protocol.md; returns the spans emitted. A function
// of its own (never inlined), so that a profile names it. A held last span
// (`hold`) is left in `held`, finished after the loop's end is reported:
// the hold is idle time of the tracer's shutdown, and inside the loop it
// would lower the loop's CPU share by hold / runtime (0.7 points of a 2 s
// run), more than some tracers cost.
[[gnu::noinline]] int64_t run_span_loop(const spanbench::ControlCommand& c,
                                        spanbench::client::TracerUnderTest& tut,
                                        opentracing::Tracer& tracer, const SpanShape& shape,
                                        std::optional<std::chrono::milliseconds> hold,
                                        std::unique_ptr<opentracing::Span>& held) {
  int64_t debt_ns = 0;
  auto pay_sleep_debt = [&] {
    debt_ns += c.sleep_ns;
    if (debt_ns > c.sleep_interval_ns) {
      debt_ns -= c.sleep_interval_ns;
      std::this_thread::sleep_for(std::chrono::nanoseconds(c.sleep_interval_ns));
    }
  };
  int64_t sent = 0;
  for (int64_t i = 0; i < c.repeat; ++i) {
    auto span = tracer.StartSpan("TestSpan");
    for (int t = 0; t < c.num_tags; ++t) span->SetTag(shape.tag_keys[t], shape.tag_values[t]);
    for (int l = 0; l < c.num_logs; ++l) span->Log({{shape.log_keys[l], shape.log_values[l]}});
    work(c.work);
    const bool last = i + 1 == c.repeat;
    if (last && hold) {
      pay_sleep_debt();
      held = std::move(span);
    } else {
      span->Finish();
      tut.span_finished();
      pay_sleep_debt();
    }
    ++sent;
  }
  return sent;
}

struct Url {
  std::string base;  // scheme://host:port
  std::string path;
};

Url split_url(const std::string& url) {
  auto scheme_end = url.find("://");
  auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) return {url, "/"};
  return {url.substr(0, path_start), url.substr(path_start)};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "spanbench C++ client: emits spans with an OpenTracing tracer as the controller asks"};
  std::string tracer_name = "noop";
  app.add_option("--tracer", tracer_name,
                 std::string("Tracer: ") + spanbench::client::tracer_names())
      ->capture_default_str();
  spanbench::client::TracerFlags tracer_flags;
  app.add_option("--hot-work-ns", tracer_flags.hot_work_ns,
                 "With --tracer mock: the tracer burns this much CPU (ns) per finished span in "
                 "spanbench_mock_hot_work, a function profiles can find")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const char* env_url = std::getenv("SPANBENCH_CONTROL_URL");
  // 127.0.0.1, not localhost: docs/protocol.md, "Finding the controller".
  Url url = split_url(env_url ? env_url : "http://127.0.0.1:8024/control");
  httplib::Client http(url.base);
  http.set_connection_timeout(5);
  http.set_read_timeout(10);

  auto res = http.Get(url.path.c_str());
  if (!res || res->status != 200) {
    std::cerr << "spanbench-client-cpp: cannot GET " << url.base << url.path << ": "
              << (res ? "HTTP " + std::to_string(res->status) : httplib::to_string(res.error()))
              << "\n";
    return 1;
  }
  spanbench::ControlCommand c;
  try {
    if (nlohmann::json::parse(res->body, nullptr, false).value("Exit", false)) return 0;
    c = spanbench::control_command_from_json(res->body);
  } catch (const spanbench::Error& e) {
    std::cerr << "spanbench-client-cpp: " << e.what() << "\n";
    return 1;
  }

  std::unique_ptr<spanbench::client::TracerUnderTest> tut;
  try {
    tut = spanbench::client::make_tracer(c.trace ? tracer_name : "noop", c, tracer_flags);
  } catch (const std::exception& e) {
    std::cerr << "spanbench-client-cpp: " << e.what() << "\n";
    return 2;
  }
  auto tracer = tut->tracer();

  // Tag and log keys are fixed strings, as in instrumented code.
  SpanShape shape;
  for (int i = 0; i < c.num_tags; ++i) {
    shape.tag_keys.push_back("tag.key" + std::to_string(i));
    shape.tag_values.push_back("tag.value" + std::to_string(i));
  }
  for (int i = 0; i < c.num_logs; ++i) {
    shape.log_keys.push_back("log.key" + std::to_string(i));
    shape.log_values.push_back("log.value" + std::to_string(i));
  }

  const auto hold = c.trace && !c.no_flush ? tut->hold_last_span() : std::nullopt;

  // The controller reads this process's CPU clock at these two requests:
  // the tracer is set up and the loop begins; the loop has ended (sent
  // before the flush, which it measures from there to the exit).
  std::string base_path = url.path.substr(0, url.path.rfind('/') + 1);
  http.Post((base_path + "loop_start").c_str(), "{}", "application/json");

  auto loop_start = Clock::now();
  std::unique_ptr<opentracing::Span> held;
  const int64_t sent = run_span_loop(c, *tut, *tracer, shape, hold, held);
  auto loop_end = Clock::now();
  nlohmann::json report = {
      {"SpansSent", sent},
      {"LoopSeconds", std::chrono::duration<double>(loop_end - loop_start).count()},
      {"TracerVersion", spanbench::client::tracer_version(tracer_name)},
  };
  http.Post((base_path + "result").c_str(), report.dump(), "application/json");
  if (held) {
    std::this_thread::sleep_for(*hold);
    held->Finish();
    tut->span_finished();
  }

  if (c.trace && !c.no_flush) tut->flush();
  std::string summary = tut->summary();
  if (!summary.empty()) std::cout << summary << std::endl;
  return 0;
}
