#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace spanbench {

// One line of a plot, optionally with a band of +- y_band around it (a
// standard deviation, say) and optionally against the right-hand axis.
struct PlotSeries {
  std::string title;
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> y_band;  // empty, or one half-width per point
  bool right_axis = false;
};

// A 2-D line plot, described without any gnuplot syntax.
struct Plot {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::string y2_label;  // the right-hand axis, used when a series asks for it
  bool log_x = false;
  std::optional<double> y_min;
  std::optional<double> y2_min;
  std::vector<PlotSeries> series;
};

// Bars with intervals, one per label (a category, not a number): each
// bar's value and an error bar from low to high, as the leaderboard's
// overhead per client with its confidence interval.
struct BarChart {
  std::string title;
  std::string y_label;
  std::string value_title = "estimate";
  std::string interval_title = "interval";
  std::vector<std::string> labels;
  std::vector<double> values;
  std::vector<double> lows;  // one per value; a non-finite low or high: no error bar
  std::vector<double> highs;
};

enum class ImageFormat { kPng, kSvg };

// The gnuplot script that draws `plot` into `output` with `terminal`
// ("pngcairo", "png" or "svg"). Data travels inline as datablocks, so the
// script stands alone (kept beside the images so users can restyle them).
std::string gnuplot_script(const Plot& plot, const std::string& terminal,
                           const std::filesystem::path& output);

std::string gnuplot_script(const BarChart& chart, const std::string& terminal,
                           const std::filesystem::path& output);

// The terminal used for PNG: pngcairo when this gnuplot has it, else png.
// Throws spanbench::Error when gnuplot cannot be run.
std::string png_terminal();

// Draws `plot` as `<stem>.png` and `<stem>.svg` by running gnuplot on
// `<stem>.gp`. Throws spanbench::Error with gnuplot's complaint.
void render_plot(const Plot& plot, const std::filesystem::path& stem);
void render_plot(const BarChart& chart, const std::filesystem::path& stem);

}  // namespace spanbench
