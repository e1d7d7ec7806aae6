#include "report/gnuplot.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "core/error.h"
#include "core/file_io.h"
#include "process/child_process.h"

namespace spanbench {
namespace {

std::string gp_quote(const std::string& text) {
  // gnuplot single-quoted strings: only '' needs escaping.
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// Runs gnuplot with `args`; returns what it printed. Throws on failure.
std::string run_gnuplot(const std::vector<std::string>& args, const std::filesystem::path& log) {
  SpawnOptions o;
  o.argv = {"gnuplot"};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.log_file = log;
  std::optional<ChildProcess> child;
  try {
    child.emplace(ChildProcess::spawn(o));
  } catch (const Error& e) {
    throw Error(std::string("cannot run gnuplot (") + e.what() +
                "): install it with scripts/install-deps.sh (Debian package gnuplot-nox)");
  }
  if (!child->wait_for_exit(std::chrono::seconds(60))) {
    child->kill_group();
    throw Error("gnuplot did not finish within 60 s; see " + log.string());
  }
  std::string output = try_read_file(log).value_or("");
  const ExitInfo& exit = child->exit_info();
  if (!exit.exited_normally() || exit.exit_code() != 0) {
    throw Error(fmt::format("gnuplot failed ({}): {}", exit.describe(), output));
  }
  return output;
}

// The terminal and output lines every script starts with.
std::string terminal_lines(const std::string& terminal, const std::filesystem::path& output) {
  std::string s;
  bool svg = terminal == "svg";
  std::string font = svg ? "Sans,11" : "Sans,10";
  if (terminal == "png") {
    // libgd: no transparency without truecolor.
    s +=
        fmt::format("set terminal png truecolor size 900,560 font {}\n", gp_quote("DejaVuSans,10"));
  } else if (svg) {
    s +=
        fmt::format("set terminal svg size 900,560 dynamic enhanced background '#ffffff' font {}\n",
                    gp_quote(font));
  } else {
    s += fmt::format("set terminal {} size 900,560 enhanced font {}\n", terminal, gp_quote(font));
  }
  s += fmt::format("set output {}\n", gp_quote(output.string()));
  return s;
}

std::filesystem::path with_extension(const std::filesystem::path& stem, const char* ext) {
  auto p = stem;
  p += ext;
  return p;
}

// Writes `script` beside the images as <stem>.gp and runs gnuplot on it.
void run_script(const std::string& script, const std::filesystem::path& stem) {
  if (stem.has_parent_path()) std::filesystem::create_directories(stem.parent_path());
  auto gp = with_extension(stem, ".gp");
  write_file_atomically(gp, script);
  auto log = with_extension(stem, ".gnuplot.log");
  run_gnuplot({gp.string()}, log);
  std::filesystem::remove(log);
}

}  // namespace

std::string gnuplot_script(const Plot& plot, const std::string& terminal,
                           const std::filesystem::path& output) {
  std::string s = terminal_lines(terminal, output);
  s += fmt::format("set title {} noenhanced\n", gp_quote(plot.title));
  s += fmt::format("set xlabel {} noenhanced\n", gp_quote(plot.x_label));
  s += fmt::format("set ylabel {} noenhanced\n", gp_quote(plot.y_label));
  s += "set grid\nset key tmargin center horizontal noenhanced\nset border 3\n";
  s += "set tics nomirror\n";
  if (plot.log_x) s += "set logscale x\n";
  if (plot.y_min) s += fmt::format("set yrange [{}:*]\n", *plot.y_min);
  bool any_right = false;
  for (const auto& ser : plot.series) any_right = any_right || ser.right_axis;
  if (any_right) {
    s += fmt::format("set y2label {} noenhanced\nset y2tics\n", gp_quote(plot.y2_label));
    if (plot.y2_min) s += fmt::format("set y2range [{}:*]\n", *plot.y2_min);
  }
  // Datablocks: x, y, band half-width.
  for (size_t i = 0; i < plot.series.size(); ++i) {
    const auto& ser = plot.series[i];
    s += fmt::format("$d{} << EOD\n", i);
    for (size_t k = 0; k < ser.x.size() && k < ser.y.size(); ++k) {
      double band = k < ser.y_band.size() ? ser.y_band[k] : 0;
      s += fmt::format("{} {} {}\n", ser.x[k], ser.y[k], band);
    }
    s += "EOD\n";
  }
  std::vector<std::string> parts;
  for (size_t i = 0; i < plot.series.size(); ++i) {
    const auto& ser = plot.series[i];
    if (ser.x.empty()) continue;
    std::string axes = ser.right_axis ? " axes x1y2" : "";
    if (!ser.y_band.empty()) {
      parts.push_back(fmt::format(
          "$d{} using 1:($2-$3):($2+$3){} with filledcurves fs transparent solid 0.2 noborder "
          "lc {} notitle",
          i, axes, i + 1));
    }
    parts.push_back(fmt::format("$d{} using 1:2{} with linespoints lw 2 pt 7 ps 0.6 lc {} title {}",
                                i, axes, i + 1, gp_quote(ser.title)));
  }
  if (parts.empty()) {
    // Nothing measured yet: an empty frame rather than a gnuplot error.
    s += "set xrange [0:1]\nset yrange [0:1]\nplot NaN notitle\n";
  } else {
    s += "plot ";
    for (size_t i = 0; i < parts.size(); ++i) s += (i ? ", \\\n     " : "") + parts[i];
    s += "\n";
  }
  s += "unset output\n";
  return s;
}

std::string gnuplot_script(const BarChart& chart, const std::string& terminal,
                           const std::filesystem::path& output) {
  std::string s = terminal_lines(terminal, output);
  s += fmt::format("set title {} noenhanced\n", gp_quote(chart.title));
  s += fmt::format("set ylabel {} noenhanced\n", gp_quote(chart.y_label));
  s += "set grid ytics\nset key tmargin center horizontal noenhanced\nset border 3\n";
  s += "set tics nomirror\nset xtics noenhanced\nset xzeroaxis lt -1\n";
  s += "set style fill solid 0.45 border -1\nset boxwidth 0.6\n";
  size_t n = std::min(chart.labels.size(), chart.values.size());
  if (n > 6) s += "set xtics rotate by -30\n";
  if (n == 0) {
    // Nothing measured yet: an empty frame rather than a gnuplot error.
    return s + "set xrange [0:1]\nset yrange [0:1]\nplot NaN notitle\nunset output\n";
  }
  s += fmt::format("set xrange [-0.6:{}]\n", double(n) - 0.4);
  // Bars start at zero: a bar's length is its value.
  bool negative = false;
  for (size_t i = 0; i < n; ++i) {
    negative = negative || chart.values[i] < 0 || (i < chart.lows.size() && chart.lows[i] < 0);
  }
  if (!negative) s += "set yrange [0:*]\n";
  // Datablock: index, label, value, low, high (the value again: no error bar).
  s += "$bars << EOD\n";
  for (size_t i = 0; i < n; ++i) {
    std::string label = chart.labels[i];
    std::replace(label.begin(), label.end(), '"', '\'');
    double v = chart.values[i];
    double low = i < chart.lows.size() ? chart.lows[i] : v;
    double high = i < chart.highs.size() ? chart.highs[i] : v;
    if (!std::isfinite(low) || !std::isfinite(high)) low = high = v;
    s += fmt::format("{} \"{}\" {} {} {}\n", i, label, v, low, high);
  }
  s += "EOD\n";
  s += fmt::format(
      "plot $bars using 1:3:xtic(2) with boxes lc 1 title {}, \\\n"
      "     $bars using 1:3:4:5 with yerrorbars lc rgb '#222222' lw 1.5 pt 7 ps 0.5 title {}\n",
      gp_quote(chart.value_title), gp_quote(chart.interval_title));
  s += "unset output\n";
  return s;
}

std::string png_terminal() {
  static std::once_flag once;
  static std::string terminal;
  static std::string error;
  std::call_once(once, [] {
    auto log = std::filesystem::temp_directory_path() /
               fmt::format("spanbench-gnuplot-terminals-{}.txt", ::getpid());
    try {
      std::string out = run_gnuplot({"-e", "set terminal"}, log);
      terminal = out.find("pngcairo") != std::string::npos ? "pngcairo" : "png";
    } catch (const Error& e) {
      error = e.what();
    }
    std::filesystem::remove(log);
  });
  if (!error.empty()) throw Error(error);
  return terminal;
}

void render_plot(const Plot& plot, const std::filesystem::path& stem) {
  run_script(gnuplot_script(plot, png_terminal(), with_extension(stem, ".png")) +
                 gnuplot_script(plot, "svg", with_extension(stem, ".svg")),
             stem);
}

void render_plot(const BarChart& chart, const std::filesystem::path& stem) {
  run_script(gnuplot_script(chart, png_terminal(), with_extension(stem, ".png")) +
                 gnuplot_script(chart, "svg", with_extension(stem, ".svg")),
             stem);
}

}  // namespace spanbench
