#include "satellite/http_head.h"

#include <algorithm>
#include <cstring>

namespace spanbench::satellite {

HeadScanner::State HeadScanner::scan(std::string_view buffered) {
  while (state_ == State::kIncomplete && scanned_ < buffered.size()) {
    const char* base = buffered.data();
    const void* nl = std::memchr(base + scanned_, '\n', buffered.size() - scanned_);
    const size_t end = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - base) + 1
                                     : buffered.size();
    // Whichever limit the bytes cross first decides, so the verdict does
    // not depend on how the bytes were split into reads.
    const size_t line_cap = line_start_ + limits_.max_line_bytes;
    if (end > std::min(line_cap, limits_.max_head_bytes)) {
      if (line_cap <= limits_.max_head_bytes) {
        state_ = lines_ == 0 ? State::kRequestLineTooLong : State::kHeaderLineTooLong;
      } else {
        state_ = State::kHeadTooLarge;
      }
      break;
    }
    const size_t line_bytes = end - line_start_;
    scanned_ = end;
    if (nl == nullptr) break;  // the line goes on in bytes not yet received
    const bool blank = line_bytes == 2 && base[line_start_] == '\r';
    if (lines_ > 0 && blank) {
      state_ = State::kComplete;
      break;
    }
    if (lines_ > limits_.max_headers) {  // the request line plus max_headers headers
      state_ = State::kTooManyHeaders;
      break;
    }
    ++lines_;
    line_start_ = end;
  }
  return state_;
}

int HeadScanner::status() const {
  switch (state_) {
    case State::kRequestLineTooLong:
      return 414;
    case State::kHeaderLineTooLong:
    case State::kTooManyHeaders:
    case State::kHeadTooLarge:
      return 431;
    case State::kIncomplete:
    case State::kComplete:
      return 0;
  }
  return 0;
}

std::string HeadScanner::reason() const {
  switch (state_) {
    case State::kRequestLineTooLong:
      return "request line longer than " + std::to_string(limits_.max_line_bytes) + " bytes";
    case State::kHeaderLineTooLong:
      return "header line longer than " + std::to_string(limits_.max_line_bytes) + " bytes";
    case State::kTooManyHeaders:
      return "more than " + std::to_string(limits_.max_headers) + " header lines";
    case State::kHeadTooLarge:
      return "request head larger than " + std::to_string(limits_.max_head_bytes) + " bytes";
    case State::kIncomplete:
    case State::kComplete:
      break;
  }
  return "";
}

}  // namespace spanbench::satellite
