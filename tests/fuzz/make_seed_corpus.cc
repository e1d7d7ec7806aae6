// Writes the fuzz seed corpus (tests/fuzz/corpus/<target>/) from the real
// encoders: small, valid payloads the fuzzer mutates from.
//
//   make_seed_corpus tests/fuzz/corpus

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/payloads.h"

namespace {

using namespace spanbench::testing;  // NOLINT(google-build-using-namespace)

void write_seed(const std::filesystem::path& root, const std::string& target,
                const std::string& name, const std::string& bytes) {
  const auto dir = root / target;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root = argv[1];
  const auto ids = random_ids(2, 3);
  const SpanShape shape{.tags = 1, .logs = 1};
  write_seed(root, "lightstep_proto", "two_spans", lightstep_proto(ids, shape));
  write_seed(root, "lightstep_json", "two_spans", lightstep_json(ids, shape));
  write_seed(root, "otlp_proto", "scope_spans", otlp_proto(ids, shape));
  write_seed(root, "otlp_proto", "library_spans",
             otlp_proto(ids, shape, OtlpLayout::kInstrumentationLibrarySpans));
  write_seed(root, "otlp_json", "spec", otlp_json(ids, shape));
  write_seed(root, "otlp_json", "protobuf_mapping",
             otlp_json(ids, shape, OtlpJsonFlavor::kProtobufMapping));
  write_seed(root, "otlp_json", "legacy_js", otlp_json(ids, shape, OtlpJsonFlavor::kLegacyJs));
  write_seed(root, "zipkin_json", "two_spans", zipkin_json(ids, shape));
  write_seed(root, "datadog_v04", "minimal", datadog_v04(ids, shape, false, 1));
  write_seed(root, "datadog_v04", "wide", datadog_v04(ids, shape, true, 2));
  write_seed(root, "datadog_v05", "minimal", datadog_v05(ids, shape, false, 1));
  write_seed(root, "datadog_v05", "wide", datadog_v05(ids, shape, true, 2));
  write_seed(root, "jaeger_thrift_batch", "two_spans", jaeger_batch_binary(ids, shape));
  write_seed(root, "jaeger_agent_datagram", "compact",
             jaeger_emit_batch(ids, shape, ThriftProtocol::kCompact));
  write_seed(root, "jaeger_agent_datagram", "binary",
             jaeger_emit_batch(ids, shape, ThriftProtocol::kBinary));
  write_seed(root, "gunzip", "gzip", gzip(zipkin_json(ids, shape)));
  write_seed(root, "gunzip", "zlib", zlib_compress(zipkin_json(ids, shape)));
  return 0;
}
