#include "profile/folded.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>

#include "core/error.h"

namespace spanbench {

uint32_t FoldedStacks::intern(std::string_view name) {
  auto it = ids_.find(std::string(name));
  if (it != ids_.end()) return it->second;
  auto id = uint32_t(names_.size());
  names_.emplace_back(name);
  ids_.emplace(names_.back(), id);
  return id;
}

size_t FoldedStacks::VectorHash::operator()(const std::vector<uint32_t>& v) const {
  // FNV-1a over the ids.
  uint64_t h = 1469598103934665603ull;
  for (uint32_t x : v) {
    h ^= x;
    h *= 1099511628211ull;
  }
  return size_t(h);
}

size_t FoldedStacks::add(const std::vector<uint32_t>& frames, int64_t samples) {
  total_samples_ += samples;
  auto it = stack_index_.find(frames);
  if (it != stack_index_.end()) {
    stacks_[it->second].samples += samples;
    return it->second;
  }
  stack_index_.emplace(frames, stacks_.size());
  stacks_.push_back({frames, samples});
  return stacks_.size() - 1;
}

std::string FoldedStacks::to_text() const {
  std::string out;
  for (const auto& s : stacks_) {
    for (size_t i = 0; i < s.frames.size(); ++i) {
      if (i) out += ';';
      out += names_[s.frames[i]];
    }
    out += fmt::format(" {}\n", s.samples);
  }
  return out;
}

namespace {

// A line as it may be quoted in an error: printable, and not too long.
std::string quoted(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, 60)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (line.size() > 60) out += "...";
  return "\"" + out + "\"";
}

[[noreturn]] void malformed(const std::string& source, size_t line_number,
                            const std::string& what) {
  throw UsageError(
      fmt::format("{}:{}: {} (folded stacks are one `frame;frame;...;frame COUNT` "
                  "line per stack)",
                  source, line_number, what));
}

}  // namespace

FoldedStacks parse_folded(std::string_view text, const std::string& source,
                          const FoldedLimits& limits) {
  FoldedStacks out;
  size_t line_number = 0;
  std::vector<uint32_t> frames;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (line.empty()) continue;
    if (line.size() > limits.max_line_bytes) {
      malformed(source, line_number,
                fmt::format("line of {} bytes, longer than the {} allowed", line.size(),
                            limits.max_line_bytes));
    }
    size_t space = line.find_last_of(' ');
    if (space == std::string_view::npos) {
      malformed(source, line_number, "no sample count at the end of " + quoted(line));
    }
    std::string_view count_text = line.substr(space + 1);
    std::string_view stack = line.substr(0, space);
    while (!stack.empty() && stack.back() == ' ') stack.remove_suffix(1);
    int64_t samples = 0;
    auto [ptr, ec] =
        std::from_chars(count_text.data(), count_text.data() + count_text.size(), samples);
    if (count_text.empty() || ec != std::errc() || ptr != count_text.data() + count_text.size() ||
        samples < 0 || samples > limits.max_samples_per_line) {
      malformed(source, line_number,
                "the sample count " + quoted(count_text) + " is not a whole number from 0 to " +
                    std::to_string(limits.max_samples_per_line));
    }
    if (stack.empty()) malformed(source, line_number, "a count without a stack");
    frames.clear();
    for (size_t f = 0; f <= stack.size();) {
      size_t semi = stack.find(';', f);
      if (semi == std::string_view::npos) semi = stack.size();
      std::string_view frame = stack.substr(f, semi - f);
      if (frame.empty()) {
        malformed(source, line_number,
                  "an empty frame (two ';' in a row, or one at an end) in " + quoted(line));
      }
      if (frames.size() == limits.max_depth) {
        malformed(source, line_number,
                  fmt::format("a stack deeper than {} frames", limits.max_depth));
      }
      frames.push_back(out.intern(frame));
      f = semi + 1;
    }
    if (samples == 0) continue;
    out.add(frames, samples);
    if (out.stacks().size() > limits.max_stacks) {
      malformed(source, line_number,
                fmt::format("more than {} distinct stacks", limits.max_stacks));
    }
  }
  return out;
}

FoldedStacks read_folded(const std::filesystem::path& file, const FoldedLimits& limits) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    throw UsageError("cannot read folded stacks " + file.string() + ": " + ec.message());
  }
  if (size > limits.max_bytes) {
    throw UsageError(fmt::format("{} is {} MiB, more than the {} MiB of folded stacks read at most",
                                 file.string(), size >> 20, limits.max_bytes >> 20));
  }
  std::ifstream in(file, std::ios::binary);
  std::string text(size, '\0');
  if (!in || !in.read(text.data(), std::streamsize(size))) {
    throw UsageError("cannot read folded stacks " + file.string());
  }
  text.resize(size_t(in.gcount()));
  return parse_folded(text, file.string(), limits);
}

}  // namespace spanbench
