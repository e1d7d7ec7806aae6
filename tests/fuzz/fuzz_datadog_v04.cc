// libFuzzer target: decode_datadog_v04 (Datadog v0.4 msgpack traces) on arbitrary bytes.

#include "fuzz_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  spanbench::satellite::fuzz::check_decoder(spanbench::satellite::decode_datadog_v04, data, size);
  return 0;
}
