#include "profile/fold.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/file_io.h"

namespace spanbench::profile {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "12345.000123456" (perf --ns) -> nanoseconds; nullopt when not a time.
std::optional<int64_t> parse_time_ns(std::string_view s) {
  auto dot = s.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string_view secs = s.substr(0, dot), frac = s.substr(dot + 1);
  if (!all_digits(secs) || !all_digits(frac) || frac.size() > 9) return std::nullopt;
  int64_t sec = 0, sub = 0;
  std::from_chars(secs.data(), secs.data() + secs.size(), sec);
  std::from_chars(frac.data(), frac.data() + frac.size(), sub);
  for (size_t i = frac.size(); i < 9; ++i) sub *= 10;
  return sec * 1'000'000'000 + sub;
}

struct SampleHeader {
  std::string comm;
  int64_t time_ns = 0;
};

// `comm tid seconds.nanos:` (comm may hold spaces); nullopt for other lines.
std::optional<SampleHeader> parse_header(std::string_view line) {
  if (line.empty() || std::isspace(static_cast<unsigned char>(line.front()))) return std::nullopt;
  line = trim(line);
  if (line.empty() || line.back() != ':') return std::nullopt;
  line.remove_suffix(1);
  auto sp = line.rfind(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  auto time = parse_time_ns(line.substr(sp + 1));
  if (!time) return std::nullopt;
  line = trim(line.substr(0, sp));
  sp = line.rfind(' ');
  if (sp == std::string_view::npos || !all_digits(line.substr(sp + 1))) return std::nullopt;
  SampleHeader h;
  h.comm = std::string(trim(line.substr(0, sp)));
  h.time_ns = *time;
  return h;
}

// The number after "lost" on a PERF_RECORD_LOST(_SAMPLES) line (decimal
// or 0x hex), 0 when there is none.
int64_t parse_lost(std::string_view line) {
  auto at = line.rfind("lost");
  if (at == std::string_view::npos) return 0;
  std::string_view rest = trim(line.substr(at + 4));
  if (!rest.empty() && rest.front() == ':') rest = trim(rest.substr(1));
  // "lost: 0x1/0x2" (id/count) names the count last.
  if (auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(slash + 1);
  int base = 10;
  if (rest.size() > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')) {
    rest.remove_prefix(2);
    base = 16;
  }
  int64_t n = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), n, base);
  return std::max<int64_t>(n, 0);
}

std::string basename_of(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool is_perf_map(std::string_view dso) {
  std::string base = basename_of(dso);
  return base.rfind("perf-", 0) == 0 && base.size() > 9 &&
         base.compare(base.size() - 4, 4, ".map") == 0;
}

// Where code without a symbol lives, for `[no symbols: X]`.
std::string unsymbolised_place(std::string_view dso) {
  if (dso.empty() || dso == "[unknown]" || dso.rfind("//anon", 0) == 0 ||
      dso.rfind("[anon", 0) == 0 || dso.rfind("/memfd:", 0) == 0) {
    return "unknown";
  }
  if (dso.rfind("[kernel", 0) == 0) return "kernel";
  if (dso.front() == '[' && dso.back() == ']') return std::string(dso.substr(1, dso.size() - 2));
  return basename_of(dso);
}

// A frame line: `address symbol (dso)`.
struct Frame {
  std::string_view symbol;
  std::string_view dso;
};

std::optional<Frame> parse_frame(std::string_view line) {
  line = trim(line);
  auto sp = line.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  std::string_view addr = line.substr(0, sp);
  if (!std::all_of(addr.begin(), addr.end(), [](char c) { return std::isxdigit(c) != 0; })) {
    return std::nullopt;
  }
  std::string_view rest = trim(line.substr(sp + 1));
  Frame f;
  if (!rest.empty() && rest.back() == ')') {
    auto open = rest.rfind(" (");
    if (open != std::string_view::npos) {
      f.dso = rest.substr(open + 2, rest.size() - open - 3);
      rest = trim(rest.substr(0, open));
    } else if (rest.front() == '(') {  // no symbol field at all
      f.dso = rest.substr(1, rest.size() - 2);
      rest = {};
    }
  }
  f.symbol = rest;
  return f;
}

std::string sanitize(std::string s) {
  for (char& c : s) {
    if (c == ';' || c == '\n' || c == '\r') c = ':';
  }
  return s;
}

}  // namespace

std::string strip_arguments(std::string_view s) {
  std::string out;
  int angle = 0, brace = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (s.compare(i, 8, "operator") == 0 &&
        (i == 0 || !(std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '_'))) {
      // Copy the operator's own punctuation: operator(), operator<<, operator->...
      size_t j = i + 8;
      if (s.compare(j, 2, "()") == 0) {
        j += 2;
      } else {
        while (j < s.size() &&
               std::string_view("<>=!+-*/%&|^~[],").find(s[j]) != std::string_view::npos) {
          ++j;
        }
      }
      out.append(s.substr(i, j - i));
      i = j - 1;
      continue;
    }
    if (c == '(' && angle == 0 && brace == 0) {
      // A group followed by "::" is part of the scope ("(anonymous
      // namespace)::", "f()::{lambda()#1}::"): keep it.
      size_t j = i;
      for (int depth = 0; j < s.size(); ++j) {
        if (s[j] == '(') ++depth;
        if (s[j] == ')' && --depth == 0) break;
      }
      if (j < s.size() && s.compare(j + 1, 2, "::") == 0) {
        out.append(s.substr(i, j + 1 - i));
        i = j;
        continue;
      }
      break;  // the argument list: drop it and what follows (const, [clone ...])
    }
    if (c == '<') ++angle;
    if (c == '>' && angle > 0) --angle;
    if (c == '{') ++brace;
    if (c == '}' && brace > 0) --brace;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.empty() ? std::string(s) : out;
}

std::string frame_name(std::string_view symbol, std::string_view dso) {
  symbol = trim(symbol);
  if (symbol.empty() || symbol == "[unknown]") {
    return "[no symbols: " + unsymbolised_place(dso) + "]";
  }
  // JIT names as the runtime wrote them (`JS:*fn file.js:12`).
  if (is_perf_map(dso)) return sanitize(std::string(symbol));
  // Versioned symbols (`clock_gettime@@GLIBC_2.17`) by their name alone.
  if (auto at = symbol.find('@');
      at != std::string_view::npos && at > 0 && symbol.find('(') == std::string_view::npos) {
    symbol = symbol.substr(0, at);
  }
  return sanitize(strip_arguments(symbol));
}

FoldedStacks fold_perf_script(std::istream& in, const FoldWindow& window) {
  FoldedStacks out;
  std::string line;
  std::optional<SampleHeader> header;
  std::vector<std::string> frames;  // leaf first
  std::vector<std::string> places;  // of this sample's frames without symbols
  auto flush = [&] {
    if (!header) return;
    const bool inside = (!window.from_ns || header->time_ns >= *window.from_ns) &&
                        (!window.to_ns || header->time_ns < *window.to_ns);
    if (inside) {
      std::string stack = sanitize(header->comm.empty() ? "[unknown thread]" : header->comm);
      for (auto it = frames.rbegin(); it != frames.rend(); ++it) stack += ";" + *it;
      ++out.stacks[stack];
      ++out.samples;
      std::sort(places.begin(), places.end());
      places.erase(std::unique(places.begin(), places.end()), places.end());
      for (const auto& p : places) ++out.unsymbolised[p];
    } else {
      ++out.samples_outside;
    }
    header.reset();
    frames.clear();
    places.clear();
  };
  while (std::getline(in, line)) {
    std::string_view v = line;
    if (v.find("PERF_RECORD_LOST") != std::string_view::npos) {
      out.lost_samples += parse_lost(v);
      continue;
    }
    if (auto h = parse_header(v)) {
      flush();
      header = std::move(h);
      continue;
    }
    if (trim(v).empty()) {
      flush();
      continue;
    }
    if (!header) continue;
    auto f = parse_frame(v);
    if (!f) continue;
    std::string name = frame_name(f->symbol, f->dso);
    if (name.rfind("[no symbols: ", 0) == 0) {
      places.push_back(name.substr(13, name.size() - 14));
    } else if (is_perf_map(f->dso)) {
      std::string map(f->dso);
      if (std::find(out.perf_maps.begin(), out.perf_maps.end(), map) == out.perf_maps.end()) {
        out.perf_maps.push_back(map);
      }
    }
    frames.push_back(std::move(name));
  }
  flush();
  return out;
}

void write_folded(const FoldedStacks& folded, const std::filesystem::path& file) {
  std::string text;
  for (const auto& [stack, count] : folded.stacks) {
    text += stack;
    text += ' ';
    text += std::to_string(count);
    text += '\n';
  }
  write_file_atomically(file, text);
}

}  // namespace spanbench::profile
