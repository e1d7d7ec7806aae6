#pragma once

// Checks for option values that read as sentences when they fail:
// "--runtime must be > 0 seconds (got 0)". CLI11 runs them while parsing,
// so a bad value stops spanbench before anything starts (no calibration,
// no satellites). main() prints them as one line and exits 2.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace spanbench::cli {

// A number > 0; `unit` ("seconds", "spans per second") follows the bound.
CLI::Validator positive(const std::string& unit = "");
// A whole number > 0.
CLI::Validator positive_integer(const std::string& unit = "");
// A number >= 0.
CLI::Validator non_negative(const std::string& unit = "");
// A whole number >= 0.
CLI::Validator non_negative_integer(const std::string& unit = "");
// A number in [low, high].
CLI::Validator between(double low, double high, const std::string& unit = "");
// A TCP/UDP port 1-65535 (or 0 as well, when `zero_meaning` says what 0 does).
CLI::Validator port_number(const std::string& zero_meaning = "");
// One of `choices`; a near miss gets a suggestion.
CLI::Validator one_of(const std::vector<std::string>& choices);
// A port list like 8360-8367 or 9000,9001 (see satellite::parse_port_list).
CLI::Validator port_list();

// A file spanbench will write (`folder` false) or a folder it will write
// into (true): what exists of the path must allow it: the nearest existing
// folder on the way is a folder that may be written, and the path itself is
// not a folder (a file) or is one (a folder). Missing folders are made.
CLI::Validator writable_path(bool folder);

// The message CLI11 builds for a failed check ("--runtime: must be ...",
// "--json: cannot be written ...") made into one sentence ("--runtime must
// be ..."); other messages unchanged.
std::string sentence(const std::string& parse_error_message);

}  // namespace spanbench::cli
