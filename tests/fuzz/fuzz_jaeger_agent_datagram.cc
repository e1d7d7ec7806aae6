// libFuzzer target: decode_jaeger_agent_datagram (Jaeger agent emitBatch datagram) on arbitrary
// bytes.

#include "fuzz_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  spanbench::satellite::fuzz::check_decoder(spanbench::satellite::decode_jaeger_agent_datagram,
                                            data, size);
  return 0;
}
