#pragma once

#include <stdexcept>
#include <string>

namespace spanbench {

// A run or setup step failed. The message is one line that says what went
// wrong and what to do about it; the CLI prints it and exits 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The user asked for something that cannot be done as asked (bad flag, bad
// file). The CLI prints it and exits 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// The runs cannot carry a verdict: some were disturbed by other load on the
// machine, or the tracer seemed to cost less than nothing. Neither pass nor
// fail; the CLI prints it and exits 3.
class NoisyVerdict : public Error {
 public:
  using Error::Error;
};

}  // namespace spanbench
