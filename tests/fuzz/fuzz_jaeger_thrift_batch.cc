// libFuzzer target: decode_jaeger_thrift_binary_batch (Jaeger thrift binary Batch) on arbitrary
// bytes.

#include "fuzz_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  spanbench::satellite::fuzz::check_decoder(spanbench::satellite::decode_jaeger_thrift_binary_batch,
                                            data, size);
  return 0;
}
