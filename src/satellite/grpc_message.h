#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace spanbench::satellite {

// How a gRPC request message arrived (its compressed flag and the call's
// grpc-encoding).
enum class MessageCompression { kNone, kGzip, kDeflate, kOther };

// Why a message was refused, in gRPC's terms.
enum class MessageRefusal { kNone, kTooLarge, kMalformed, kUnsupported };

struct MessageBody {
  MessageRefusal refusal = MessageRefusal::kNone;
  std::string reason;     // one line, when refused
  std::string_view body;  // the bytes to decode, when not refused
};

// The report inside a gRPC request message as received from the wire:
// `wire` larger than `max_bytes` is refused before anything else; a
// compressed one is inflated into `inflated`, never past `max_bytes`.
MessageBody grpc_message_body(MessageCompression compression, std::string_view wire,
                              size_t max_bytes, std::string& inflated);

}  // namespace spanbench::satellite
