#include "satellite/grpc_message.h"

#include "satellite/decoders/decoder.h"

namespace spanbench::satellite {

MessageBody grpc_message_body(MessageCompression compression, std::string_view wire,
                              size_t max_bytes, std::string& inflated) {
  MessageBody out;
  if (wire.size() > max_bytes) {
    out.refusal = MessageRefusal::kTooLarge;
    out.reason = std::string(compression != MessageCompression::kNone ? "compressed " : "") +
                 "message of " + std::to_string(wire.size()) + " bytes exceeds the limit of " +
                 std::to_string(max_bytes) + " bytes (--max-body-bytes)";
    return out;
  }
  switch (compression) {
    case MessageCompression::kNone:
      out.body = wire;
      return out;
    case MessageCompression::kOther:
      out.refusal = MessageRefusal::kUnsupported;
      out.reason = "unsupported message compression (use gzip, deflate or none)";
      return out;
    case MessageCompression::kGzip:
    case MessageCompression::kDeflate:
      break;
  }
  // gzip and deflate (zlib) are told apart by their headers.
  const DecodeStatus status = gunzip(wire, inflated, max_bytes);
  if (!status.ok) {
    const bool too_large =
        inflated.size() >= max_bytes || status.error.find("exceeds") != std::string::npos;
    out.refusal = too_large ? MessageRefusal::kTooLarge : MessageRefusal::kMalformed;
    out.reason = "compressed message: " + status.error + (too_large ? " (--max-body-bytes)" : "");
    return out;
  }
  out.body = inflated;
  return out;
}

}  // namespace spanbench::satellite
