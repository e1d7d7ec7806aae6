#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace spanbench::satellite {

// Limits on an HTTP/1.1 request head (request line and header lines).
struct HeadLimits {
  size_t max_line_bytes = 8192;   // any one line, CRLF included
  size_t max_headers = 100;       // header lines
  size_t max_head_bytes = 65536;  // the whole head, blank line included
};

// Finds the end of a request head in bytes that arrive in pieces, without
// buffering more than the limits allow, so a head that never ends or has a
// million headers is refused after at most max_head_bytes.
//
// Lines end at '\n'. The first line is the request line; the head ends at
// the first later line that is exactly "\r\n". This is where cpp-httplib's
// parser stops reading too, so the server can hand it exactly the bytes
// scanned here.
class HeadScanner {
 public:
  enum class State {
    kIncomplete,          // feed more bytes
    kComplete,            // head_bytes() is the head's length
    kRequestLineTooLong,  // 414
    kHeaderLineTooLong,   // 431
    kTooManyHeaders,      // 431
    kHeadTooLarge,        // 431
  };

  explicit HeadScanner(const HeadLimits& limits) : limits_(limits) {}

  // `buffered` is everything received so far since the head began (it
  // must start with the bytes of earlier calls). Scans only what is new.
  State scan(std::string_view buffered);

  State state() const { return state_; }
  size_t head_bytes() const { return state_ == State::kComplete ? scanned_ : 0; }
  // HTTP status for a refused head (414 or 431), 0 otherwise.
  int status() const;
  // One line saying which limit was exceeded.
  std::string reason() const;
  void reset() { *this = HeadScanner(limits_); }

 private:
  HeadLimits limits_;
  State state_ = State::kIncomplete;
  size_t scanned_ = 0;     // bytes examined
  size_t line_start_ = 0;  // offset of the current line
  size_t lines_ = 0;       // complete lines so far
};

}  // namespace spanbench::satellite
