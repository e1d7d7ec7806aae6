#include "profile/profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/file_io.h"

namespace spanbench {
namespace fs = std::filesystem;

ProfileCost& ProfileCost::operator+=(const ProfileCost& o) {
  samples += o.samples;
  samples_per_run += o.samples_per_run;
  cpu_seconds += o.cpu_seconds;
  core_share += o.core_share;
  seconds_per_span += o.seconds_per_span;
  core_share_variance += o.core_share_variance;
  return *this;
}

ProfileCost operator-(const ProfileCost& a, const ProfileCost& b) {
  return {a.samples - b.samples,
          a.samples_per_run - b.samples_per_run,
          a.cpu_seconds - b.cpu_seconds,
          a.core_share - b.core_share,
          a.seconds_per_span - b.seconds_per_span,
          a.core_share_variance + b.core_share_variance};
}

namespace {

// Result JSONs are small; anything much larger is not one.
constexpr uintmax_t kMaxResultBytes = uintmax_t{64} << 20;

bool is_result_document(const nlohmann::json& j) {
  return j.is_object() && j.contains("spans_sent") && j.contains("cpu_usage");
}

nlohmann::json read_json(const fs::path& file) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec) throw UsageError("cannot read " + file.string() + ": " + ec.message());
  if (size > kMaxResultBytes) {
    throw UsageError(file.string() + " is too large to be a result JSON");
  }
  auto j = nlohmann::json::parse(read_file(file), nullptr, false);
  if (j.is_discarded()) throw UsageError(file.string() + " is not valid JSON");
  return j;
}

template <typename T>
T number(const nlohmann::json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return fallback;
  return it->get<T>();
}

std::string text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Why a result document cannot give a profile, or empty when it can.
std::string unusable(const nlohmann::json& doc) {
  if (!is_result_document(doc)) return "not a spanbench result JSON";
  if (doc.contains("error")) return "the run failed (" + text(doc, "error") + ")";
  auto p = doc.find("profile");
  if (p == doc.end() || !p->is_object()) return "not profiled (run it with --profile)";
  if (text(*p, "folded").empty()) return "its \"profile\" names no folded file";
  return "";
}

RunProfile profile_of(const nlohmann::json& doc, const fs::path& json_file,
                      const std::string& name) {
  const nlohmann::json& p = doc["profile"];
  RunProfile r;
  r.name = name;
  r.json_file = json_file;
  r.folded_file = json_file.parent_path() / text(p, "folded");
  r.client = text(doc, "client");
  r.trace = doc.value("trace", false);
  r.target_spans_per_second = number(doc, "target_spans_per_second", 0.0);
  r.frequency_hz = number(p, "frequency_hz", 0.0);
  r.loop_seconds = number(doc, "loop_seconds", 0.0);
  r.loop_cpu_seconds = number(doc, "loop_cpu_seconds", 0.0);
  r.spans_sent = number(doc, "spans_sent", int64_t{0});
  r.samples = number(p, "samples", int64_t{0});
  r.lost_samples = number(p, "lost_samples", int64_t{0});
  r.unwinding = text(p, "unwinding");
  if (auto n = p.find("notes"); n != p.end() && n->is_array()) {
    for (const auto& note : *n) {
      if (note.is_string()) r.notes.push_back(note.get<std::string>());
    }
  }
  if (!(r.frequency_hz > 0)) {
    throw UsageError(json_file.string() + ": its profile has no positive frequency_hz");
  }
  if (!(r.loop_seconds > 0)) {
    throw UsageError(json_file.string() + ": the run has no positive loop_seconds");
  }
  r.stacks = read_folded(r.folded_file);
  return r;
}

}  // namespace

RunProfile load_run_profile(const fs::path& file) {
  fs::path json_file = file;
  if (file.extension() == ".folded") {
    json_file = fs::path(file).replace_extension(".json");
    std::error_code ec;
    if (!fs::is_regular_file(json_file, ec)) {
      throw UsageError("no run JSON beside " + file.string() + " (looked for " +
                       json_file.filename().string() +
                       "): the diff needs its sampling frequency, loop time and spans sent; "
                       "pass the run JSON that names it");
    }
  }
  nlohmann::json doc = read_json(json_file);
  if (std::string why = unusable(doc); !why.empty()) {
    throw UsageError(json_file.string() + ": " + why);
  }
  RunProfile r = profile_of(doc, json_file, json_file.filename().string());
  if (file.extension() == ".folded") {
    if (fs::weakly_canonical(r.folded_file) != fs::weakly_canonical(file)) {
      throw UsageError(json_file.string() + " names " + r.folded_file.filename().string() +
                       ", not " + file.filename().string() + ": pass the run JSON instead");
    }
  }
  return r;
}

ProfileSet load_profile_folder(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json" && it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) throw UsageError("cannot read the folder " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  ProfileSet set;
  set.label = dir.lexically_normal().generic_string();
  for (const auto& f : files) {
    std::error_code size_ec;
    if (fs::file_size(f, size_ec) > kMaxResultBytes || size_ec) continue;
    auto doc = nlohmann::json::parse(read_file(f), nullptr, false);
    if (doc.is_discarded() || !is_result_document(doc)) continue;
    if (std::string why = unusable(doc); !why.empty()) {
      set.skipped.push_back(f.filename().string() + ": " + why);
      continue;
    }
    set.runs.push_back(profile_of(doc, f, f.filename().string()));
  }
  return set;
}

ProfileSet load_profile_set(const fs::path& where) {
  std::error_code ec;
  if (fs::is_directory(where, ec)) {
    ProfileSet set = load_profile_folder(where);
    if (set.runs.empty()) {
      std::string why = set.skipped.empty() ? "no run JSON there" : set.skipped.front();
      if (set.skipped.size() > 1) why += fmt::format(", and {} more", set.skipped.size() - 1);
      throw UsageError("no profiled run in " + where.string() + " (" + why +
                       "): pass a folder of runs made with --profile, a run JSON or a .folded "
                       "file");
    }
    return set;
  }
  if (!fs::exists(where, ec)) {
    throw UsageError(where.string() +
                     " does not exist: pass a run JSON, a .folded file or a "
                     "folder of runs made with --profile");
  }
  ProfileSet set;
  set.label = where.lexically_normal().generic_string();
  set.runs.push_back(load_run_profile(where));
  return set;
}

ProfileSet runs_with_trace(const ProfileSet& set, bool trace) {
  ProfileSet out;
  out.label = set.label;
  out.skipped = set.skipped;
  for (const auto& r : set.runs) {
    if (r.trace == trace) out.runs.push_back(r);
  }
  return out;
}

AggregateProfile aggregate_profile(const ProfileSet& set) {
  if (set.runs.empty()) throw UsageError("no profiled run in " + set.label);
  AggregateProfile a;
  a.label = set.label;
  a.runs = set.runs.size();
  const double n = double(a.runs);
  std::set<std::string> clients, notes;
  FoldedStacks merged;  // the frame table and each distinct stack, across runs
  std::vector<ProfileCost> costs;
  std::vector<uint32_t> frames;
  bool spans_known = true;
  a.frequency_hz = std::numeric_limits<double>::infinity();
  for (const auto& r : set.runs) {
    if (!(r.frequency_hz > 0) || !(r.loop_seconds > 0)) {
      throw UsageError(r.json_file.string() + ": needs a positive frequency_hz and loop_seconds");
    }
    clients.insert(r.client);
    for (const auto& note : r.notes) {
      if (notes.insert(note).second) a.notes.push_back(note);
    }
    a.frequency_hz = std::min(a.frequency_hz, r.frequency_hz);
    a.loop_seconds += r.loop_seconds / n;
    a.spans_sent += double(r.spans_sent) / n;
    a.measured_cpu_share += r.loop_cpu_seconds / r.loop_seconds / n;
    a.lost_samples += r.lost_samples;
    if (r.spans_sent <= 0) spans_known = false;
    for (const auto& s : r.stacks.stacks()) {
      frames.clear();
      for (uint32_t id : s.frames) frames.push_back(merged.intern(r.stacks.name(id)));
      const size_t index = merged.add(frames, s.samples);
      const double cpu = double(s.samples) / r.frequency_hz;
      const double per_share = r.frequency_hz * r.loop_seconds;  // samples in a whole core
      ProfileCost c{s.samples,
                    double(s.samples) / n,
                    cpu / n,
                    cpu / r.loop_seconds / n,
                    r.spans_sent > 0 ? cpu / double(r.spans_sent) / n : 0.0,
                    double(s.samples) / (per_share * per_share) / (n * n)};
      if (index == costs.size()) {
        costs.push_back(c);
      } else {
        costs[index] += c;
      }
    }
  }
  std::vector<std::string> client_list(clients.begin(), clients.end());
  for (const auto& c : client_list) a.client += (a.client.empty() ? "" : ", ") + c;
  for (uint32_t i = 0; i < merged.frame_count(); ++i) a.frame_names.push_back(merged.name(i));
  for (size_t i = 0; i < merged.stacks().size(); ++i) {
    if (!spans_known) costs[i].seconds_per_span = std::numeric_limits<double>::quiet_NaN();
    a.stacks.push_back({merged.stacks()[i].frames, costs[i]});
    a.total += costs[i];
  }
  if (!spans_known) a.total.seconds_per_span = std::numeric_limits<double>::quiet_NaN();
  return a;
}

}  // namespace spanbench
