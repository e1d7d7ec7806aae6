// libFuzzer target: the satellite's gRPC message path as it runs after
// gRPC hands over a request message: the size check, bounded inflating of
// a compressed message (the first byte picks none, gzip, deflate or an
// unsupported compression), then the OTLP decoder. Checks that nothing
// inflates past the limit, that refusals have one-line reasons, and that an
// accepted body decodes the same way twice.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_decoder.h"
#include "satellite/grpc_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spanbench::satellite;
  if (size < 1) return 0;
  constexpr size_t kMaxBytes = 64 * 1024;
  const MessageCompression compression = static_cast<MessageCompression>(data[0] % 4);
  const std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string inflated = "stale";
  const MessageBody message = grpc_message_body(compression, wire, kMaxBytes, inflated);
  if (inflated.size() > kMaxBytes) __builtin_trap();
  if (message.refusal != MessageRefusal::kNone) {
    if (message.reason.empty() || message.reason.find('\n') != std::string::npos) __builtin_trap();
    if (!message.body.empty()) __builtin_trap();
    return 0;
  }
  if (message.body.size() > kMaxBytes) __builtin_trap();
  if (compression == MessageCompression::kNone && message.body.data() != wire.data()) {
    __builtin_trap();
  }
  fuzz::check_decoder(decode_otlp_proto, reinterpret_cast<const uint8_t*>(message.body.data()),
                      message.body.size());
  return 0;
}
