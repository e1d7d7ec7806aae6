// libFuzzer target: decode_otlp_proto (OTLP ExportTraceServiceRequest protobuf) on arbitrary bytes.

#include "fuzz_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  spanbench::satellite::fuzz::check_decoder(spanbench::satellite::decode_otlp_proto, data, size);
  return 0;
}
