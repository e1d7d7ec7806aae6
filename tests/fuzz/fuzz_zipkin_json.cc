// libFuzzer target: decode_zipkin_json (Zipkin v2 JSON spans) on arbitrary bytes.

#include "fuzz_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  spanbench::satellite::fuzz::check_decoder(spanbench::satellite::decode_zipkin_json, data, size);
  return 0;
}
