#include "report/profile_report.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/machine.h"
#include "report/csv.h"
#include "report/format.h"

namespace spanbench {
namespace {

constexpr size_t kConsoleNameChars = 100;

std::string with_sign(const std::string& s, double v) {
  if (s == "n/a" || !(v > 0) || s.find_first_not_of("0.,") == std::string::npos) return s;
  return "+" + s;
}

// One side in a sentence: "3 untraced runs of cpp-mock (results/x/untraced)".
std::string side_text(const AggregateProfile& a, const char* kind) {
  return fmt::format("{} {} of {} ({})", a.runs,
                     std::string(kind) + (a.runs == 1 ? " run" : " runs"),
                     a.client.empty() ? "an unnamed client" : a.client, a.label);
}

std::string sampled_text(const AggregateProfile& a) {
  return fmt::format("{} samples a run, {} of a core sampled ({} measured), {} ns/span",
                     readable(a.total.samples_per_run), percent(a.total.core_share, 1),
                     percent(a.measured_cpu_share, 1), readable(a.total.seconds_per_span * 1e9));
}

std::string short_name(const std::string& name) {
  if (name.size() <= kConsoleNameChars) return name;
  size_t cut = kConsoleNameChars - 3;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xc0) == 0x80) --cut;
  return name.substr(0, cut) + "...";
}

struct FrameRow {
  std::string name;
  ProfileCost untraced, traced;
  bool noise = false;
  ProfileCost added() const { return traced - untraced; }
};

std::vector<FrameRow> top_rows(const ProfileDiff& d, FrameCostKind kind, size_t n) {
  std::vector<FrameRow> rows;
  for (const FrameDelta* f : d.top(kind, n)) {
    FrameRow r{f->name, kind == FrameCostKind::self ? f->untraced_self : f->untraced_total,
               kind == FrameCostKind::self ? f->traced_self : f->traced_total, false};
    r.noise = d.is_noise(r.untraced, r.traced);
    rows.push_back(std::move(r));
  }
  return rows;
}

const char* kind_title(FrameCostKind kind) {
  return kind == FrameCostKind::self
             ? "by added self CPU (samples with the frame at the top of the stack)"
             : "by added total CPU (samples with the frame anywhere on the stack, once each)";
}

const char* kNoiseNote =
    "~ marks a change within sampling noise (under two standard errors of the sample counts).";

std::string mismatch_text(const ProfileDiff& d) {
  std::string s;
  for (const auto& m : d.mismatches) s += (s.empty() ? "" : "; ") + m;
  return s;
}

}  // namespace

std::string added_core_text(double core_share) {
  return with_sign(grouped(core_share * 100, 2), core_share) + "%";
}

std::string added_ns_text(double seconds_per_span) {
  return with_sign(grouped(seconds_per_span * 1e9, 1), seconds_per_span);
}

std::string profile_diff_text(const ProfileDiff& d, size_t top) {
  std::string s = fmt::format("profile diff: {}\n         against {}\n",
                              side_text(d.traced, "traced"), side_text(d.untraced, "untraced"));
  if (!d.mismatches.empty()) {
    s += "warning: the sides differ (" + mismatch_text(d) + "); the diff mixes their effects\n";
  }
  s += fmt::format("sampled at {} Hz\n  untraced: {}\n    traced: {}\n",
                   readable(d.traced.frequency_hz), sampled_text(d.untraced),
                   sampled_text(d.traced));
  const ProfileCost added = d.added();
  s += fmt::format(
      "added CPU (traced - untraced, sampled): {} of a core, {} ns per span (measured: {} "
      "points)\n",
      added_core_text(added.core_share), added_ns_text(added.seconds_per_span),
      with_sign(grouped((d.traced.measured_cpu_share - d.untraced.measured_cpu_share) * 100, 2),
                d.traced.measured_cpu_share - d.untraced.measured_cpu_share));
  for (const auto& a : {&d.untraced, &d.traced}) {
    if (a->lost_samples > 0) {
      s += fmt::format("note: {} lost {} samples\n", a->label, grouped(a->lost_samples));
    }
    for (const auto& note : a->notes) s += fmt::format("note: {}: {}\n", a->label, note);
  }
  for (FrameCostKind kind : {FrameCostKind::self, FrameCostKind::total}) {
    auto rows = top_rows(d, kind, top);
    s += fmt::format("\ntop {} frames {}:\n", rows.size(), kind_title(kind));
    s += fmt::format("  {:>10} {:>10} {:>12} {:>12}  {}\n", "added CPU", "ns/span", "traced/run",
                     "untraced/run", "frame");
    for (const auto& r : rows) {
      const ProfileCost a = r.added();
      s += fmt::format("{} {:>10} {:>10} {:>12} {:>12}  {}\n", r.noise ? " ~" : "  ",
                       added_core_text(a.core_share), added_ns_text(a.seconds_per_span),
                       readable(r.traced.samples_per_run), readable(r.untraced.samples_per_run),
                       short_name(r.name));
    }
  }
  s += std::string("\n") + kNoiseNote + "\n";
  return s;
}

namespace {

std::string md_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else if (c == '`' || c == '*' || c == '_' || c == '<' || c == '>') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string md_row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + md_cell(c) + " |";
  return out + "\n";
}

std::string markdown(const ProfileDiff& d, size_t top) {
  std::string md = fmt::format("# spanbench profile diff: {}\n\n",
                               d.traced.client.empty() ? "unnamed client" : d.traced.client);
  md += fmt::format("Made {} by spanbench {} ({}).\n\n", utc_now_iso(), SPANBENCH_VERSION,
                    SPANBENCH_GIT_COMMIT);
  md += md_row({"side", "runs", "from", "samples a run", "CPU sampled", "CPU measured", "ns/span"});
  md += "|:---|---:|:---|---:|---:|---:|---:|\n";
  for (const auto& [a, kind] :
       {std::pair{&d.untraced, "untraced"}, std::pair{&d.traced, "traced"}}) {
    md += md_row({kind, std::to_string(a->runs), a->label, readable(a->total.samples_per_run),
                  percent(a->total.core_share, 1), percent(a->measured_cpu_share, 1),
                  readable(a->total.seconds_per_span * 1e9)});
  }
  const ProfileCost added = d.added();
  md += fmt::format(
      "\nAdded CPU, traced − untraced (sampled at {} Hz): **{} of a core, {} ns per span**.\n",
      readable(d.traced.frequency_hz), added_core_text(added.core_share),
      added_ns_text(added.seconds_per_span));
  if (!d.mismatches.empty()) {
    md += "\n**Warning:** the sides differ (" + md_cell(mismatch_text(d)) + ").\n";
  }
  for (FrameCostKind kind : {FrameCostKind::self, FrameCostKind::total}) {
    auto rows = top_rows(d, kind, top);
    md += fmt::format("\n## Top {} frames {}\n\n", rows.size(), kind_title(kind));
    md += md_row({"added % of a core", "added ns/span", "traced samples a run",
                  "untraced samples a run", "noise", "frame"});
    md += "|---:|---:|---:|---:|:---|:---|\n";
    for (const auto& r : rows) {
      const ProfileCost a = r.added();
      md += md_row({added_core_text(a.core_share), added_ns_text(a.seconds_per_span),
                    readable(r.traced.samples_per_run), readable(r.untraced.samples_per_run),
                    r.noise ? "~" : "", r.name});
    }
  }
  md += std::string("\n") + kNoiseNote + "\n";
  return md;
}

std::string csv(const ProfileDiff& d) {
  std::string out =
      csv_line({"frame", "untraced_self_samples", "traced_self_samples", "untraced_total_samples",
                "traced_total_samples", "added_self_samples_per_run", "added_self_core_percent",
                "added_self_ns_per_span", "added_total_samples_per_run", "added_total_core_percent",
                "added_total_ns_per_span", "self_within_noise", "total_within_noise"});
  for (const FrameDelta* f : d.top(FrameCostKind::total, d.frames.size())) {
    const ProfileCost s = f->added_self(), t = f->added_total();
    out += csv_line(
        {f->name, std::to_string(f->untraced_self.samples), std::to_string(f->traced_self.samples),
         std::to_string(f->untraced_total.samples), std::to_string(f->traced_total.samples),
         csv_number(s.samples_per_run), csv_number(s.core_share * 100),
         csv_number(s.seconds_per_span * 1e9), csv_number(t.samples_per_run),
         csv_number(t.core_share * 100), csv_number(t.seconds_per_span * 1e9),
         d.is_noise(f->untraced_self, f->traced_self) ? "true" : "false",
         d.is_noise(f->untraced_total, f->traced_total) ? "true" : "false"});
  }
  return out;
}

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json side_json(const AggregateProfile& a) {
  return {{"label", a.label},
          {"client", a.client},
          {"runs", a.runs},
          {"frequency_hz", a.frequency_hz},
          {"loop_seconds", a.loop_seconds},
          {"spans_sent", a.spans_sent},
          {"samples", a.total.samples},
          {"samples_per_run", a.total.samples_per_run},
          {"sampled_core_percent", a.total.core_share * 100},
          {"measured_core_percent", a.measured_cpu_share * 100},
          {"ns_per_span", number_or_null(a.total.seconds_per_span * 1e9)},
          {"lost_samples", a.lost_samples},
          {"notes", a.notes}};
}

nlohmann::json json_doc(const ProfileDiff& d, size_t top) {
  const ProfileCost added = d.added();
  nlohmann::json doc = {
      {"format", "spanbench-profile-diff/1"},
      {"created", utc_now_iso()},
      {"spanbench_version", SPANBENCH_VERSION},
      {"git_commit", SPANBENCH_GIT_COMMIT},
      {"untraced", side_json(d.untraced)},
      {"traced", side_json(d.traced)},
      {"added",
       {{"samples_per_run", added.samples_per_run},
        {"core_percent", added.core_share * 100},
        {"ns_per_span", number_or_null(added.seconds_per_span * 1e9)}}},
      {"mismatches", d.mismatches},
  };
  for (FrameCostKind kind : {FrameCostKind::self, FrameCostKind::total}) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : top_rows(d, kind, top)) {
      const ProfileCost a = r.added();
      rows.push_back({{"frame", r.name},
                      {"untraced_samples", r.untraced.samples},
                      {"traced_samples", r.traced.samples},
                      {"untraced_samples_per_run", r.untraced.samples_per_run},
                      {"traced_samples_per_run", r.traced.samples_per_run},
                      {"added_core_percent", a.core_share * 100},
                      {"added_ns_per_span", number_or_null(a.seconds_per_span * 1e9)},
                      {"within_noise", r.noise}});
    }
    doc[kind == FrameCostKind::self ? "top_self" : "top_total"] = std::move(rows);
  }
  return doc;
}

}  // namespace

std::string serialize_profile_diff(const ProfileDiff& d, ExportFormat format, size_t top) {
  switch (format) {
    case ExportFormat::markdown:
      return markdown(d, top);
    case ExportFormat::csv:
      return csv(d);
    case ExportFormat::json:
      return json_doc(d, top).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return "";
}

}  // namespace spanbench
