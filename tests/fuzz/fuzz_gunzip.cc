// libFuzzer target: gunzip on arbitrary bytes, with a small output bound so
// bombs are exercised.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "satellite/decoders/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMaxBytes = 64 * 1024;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out = "stale";
  const auto status = spanbench::satellite::gunzip(in, out, kMaxBytes);
  if (out.size() > kMaxBytes) __builtin_trap();
  if (!status.ok && (status.error.empty() || !out.empty())) __builtin_trap();
  return 0;
}
