// libFuzzer target: the satellite's HTTP request head path. HeadScanner
// finds the end of the head in bytes arriving in pieces (split points taken
// from the input) under the limits, and must reach the same verdict however
// the bytes are split; a head it passes is then parsed by cpp-httplib the
// way the satellite does, over a stream that ends where the head ends.

#include <httplib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "satellite/http_head.h"

namespace {

using spanbench::satellite::HeadLimits;
using spanbench::satellite::HeadScanner;

// The bytes of one connection, readable up to a limit (the checked head).
class MemoryStream final : public httplib::Stream {
 public:
  MemoryStream(std::string_view data, size_t limit) : data_(data), limit_(limit) {}
  bool is_readable() const override { return pos_ < limit_; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, limit_ - pos_);
    std::memcpy(ptr, data_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 1;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 2;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  size_t position() const { return pos_; }
  void lift_limit() { limit_ = data_.size(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  size_t limit_;
};

// process_request is protected; routing answers every request 200.
class Parser final : public httplib::Server {
 public:
  Parser() {
    Get(".*", [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
    Post(".*", [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
    set_payload_max_length(1 << 16);
  }
  size_t parse(MemoryStream& stream, size_t head_bytes) {
    bool closed = false;
    size_t head_end = 0;
    process_request(stream, true, closed, [&](httplib::Request&) {
      // The head is parsed: httplib must not have read past it.
      head_end = stream.position();
      stream.lift_limit();
    });
    if (head_end > head_bytes) __builtin_trap();
    return head_end;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // Small limits, so the fuzzer reaches each of them.
  HeadLimits limits;
  limits.max_line_bytes = 64 + data[0] % 64;
  limits.max_headers = 1 + data[0] % 8;
  limits.max_head_bytes = 256 + data[0] % 512;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  HeadScanner whole(limits);
  whole.scan(in);

  // The same bytes in pieces whose sizes come from the bytes themselves.
  HeadScanner pieces(limits);
  size_t have = 0;
  while (have < in.size() && pieces.state() == HeadScanner::State::kIncomplete) {
    have = std::min(in.size(), have + 1 + static_cast<uint8_t>(in[have]) % 7);
    pieces.scan(in.substr(0, have));
  }
  if (pieces.state() != whole.state() || pieces.head_bytes() != whole.head_bytes()) {
    __builtin_trap();
  }
  switch (whole.state()) {
    case HeadScanner::State::kIncomplete:
      if (in.size() > limits.max_head_bytes) __builtin_trap();
      return 0;
    case HeadScanner::State::kComplete: {
      const size_t head = whole.head_bytes();
      if (head > limits.max_head_bytes || head < 3 || in.substr(head - 2, 2) != "\r\n") {
        __builtin_trap();
      }
      if (whole.status() != 0 || !whole.reason().empty()) __builtin_trap();
      MemoryStream stream(in, head);
      Parser parser;
      parser.parse(stream, head);
      return 0;
    }
    case HeadScanner::State::kRequestLineTooLong:
    case HeadScanner::State::kHeaderLineTooLong:
    case HeadScanner::State::kTooManyHeaders:
    case HeadScanner::State::kHeadTooLarge:
      if (whole.status() != 414 && whole.status() != 431) __builtin_trap();
      if (whole.reason().empty() || whole.reason().find('\n') != std::string::npos) {
        __builtin_trap();
      }
      return 0;
  }
  return 0;
}
