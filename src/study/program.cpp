#include "parakit/study/program.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/report/quote.hpp"
#include "parakit/study/work.hpp"

namespace parakit::study {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

constexpr std::size_t kMaxRegexLine = 64 * 1024;

}  // namespace

const StudyKernel& program_kernel() {
  static const StudyKernel kernel{"program", kWorkPlaceholder, "", "work", WorkScaling::kCounts};
  return kernel;
}

std::string_view time_source_name(TimeSource source) {
  switch (source) {
    case TimeSource::kLaunch:
      return "launch";
    case TimeSource::kRegex:
      return "regex";
    case TimeSource::kRecord:
      return "record";
  }
  return "?";
}

void check_program(const ProgramSpec& spec) {
  if (spec.argv.empty() || spec.argv.front().empty()) {
    throw UsageError("no program after '--' (accepted: -- PROGRAM [ARGS], e.g. -- ./solver --n 4096)");
  }
  if (spec.path.empty()) {
    throw UsageError("program " + report::quoted(spec.argv.front()) +
                     " is not an executable file, nor found in PATH (accepted: a path, or a name in PATH)");
  }
  bool placeholder = false;
  for (const auto& word : spec.argv)
    placeholder = placeholder || word.find(kWorkPlaceholder) != std::string::npos;
  if (placeholder && !spec.work) {
    throw UsageError(
        "the command has {work} but no --work gives it (accepted: --work N, the work on one core)");
  }
  if (!placeholder && spec.work) {
    throw UsageError("--work: the command has no {work} to replace (accepted: e.g. -- ./solver --n {work})");
  }
  if (!spec.time_regex.empty()) compile_regex(spec.time_regex, "--time-regex");
  if (!spec.result_regex.empty()) compile_regex(spec.result_regex, "--result-regex");
  if (!(spec.rtol >= 0.0 && spec.rtol <= 1.0)) {
    throw UsageError(
        fmt::format("--rtol: {} is out of range (accepted: a relative tolerance from 0 to 1)", spec.rtol));
  }
  if (spec.same_output && !spec.result_regex.empty()) {
    throw UsageError(
        "--same-output and --result-regex: give one of them (the whole output, or one number of it)");
  }
}

std::vector<std::string> with_work(const std::vector<std::string>& argv, std::uint64_t work) {
  const std::string value = std::to_string(work);
  std::vector<std::string> words;
  for (std::string word : argv) {
    for (std::size_t at = word.find(kWorkPlaceholder); at != std::string::npos;
         at = word.find(kWorkPlaceholder, at + value.size()))
      word.replace(at, kWorkPlaceholder.size(), value);
    words.push_back(std::move(word));
  }
  return words;
}

std::uint64_t scaled_work_count(std::uint64_t work, std::uint64_t cores) {
  if (cores != 0 && work > kMaxWork / cores) {
    throw UsageError(
        fmt::format("--work: {} x {} cores is more than 2^63-1 (accepted: less work per core)", work, cores));
  }
  return work * cores;
}

std::regex compile_regex(const std::string& text, std::string_view option) {
  if (text.empty()) throw UsageError(std::string(option) + ": empty (accepted: a regular expression)");
  try {
    return std::regex(text, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw UsageError(fmt::format("{}: {} is not a regular expression (ECMAScript syntax): {}", option,
                                 report::quoted(text), e.what()));
  }
}

std::optional<double> last_number(const std::string& output, const std::regex& pattern) {
  std::optional<std::string> found;
  for (const std::string& line : lines_of(output)) {
    if (line.size() > kMaxRegexLine) continue;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), pattern); it != std::sregex_iterator();
         ++it) {
      const std::smatch& m = *it;
      found = m.size() > 1 && m[1].matched ? m[1].str() : m[0].str();
    }
  }
  if (!found) return std::nullopt;
  const std::string& text = *found;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  double value = 0.0;
  const auto [end, error] = std::from_chars(first, last, value);
  if (error != std::errc() || end != last || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string masked(const std::string& output, const std::regex* pattern) {
  if (pattern == nullptr) return output;
  std::string result;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    result += line.size() > kMaxRegexLine ? line : std::regex_replace(line, *pattern, "<time>");
    if (!in.eof()) result += '\n';
  }
  return result;
}

std::optional<LineDifference> first_difference(const std::string& a, const std::string& b) {
  if (a == b) return std::nullopt;
  const std::vector<std::string> la = lines_of(a), lb = lines_of(b);
  std::size_t i = 0;
  while (i < la.size() && i < lb.size() && la[i] == lb[i])
    ++i;
  LineDifference d;
  d.line = i + 1;
  d.a = i < la.size() ? la[i] : "(end of output)";
  d.b = i < lb.size() ? lb[i] : "(end of output)";
  if (d.a == d.b) d.b += " (the outputs differ at the end of a line)";
  return d;
}

nlohmann::json parse_affinity(const std::string& err) {
  // pid -> {host, thread -> cpus}
  std::map<long, std::pair<std::string, std::map<int, std::vector<int>>>> processes;
  static const std::regex line_pattern(R"(parakit-affinity host=(\S*) pid=(\d+) thread=(\d+) cpus=(\S*))");
  for (const std::string& line : lines_of(err)) {
    std::smatch m;
    if (!std::regex_search(line, m, line_pattern)) continue;
    std::vector<int> cpus;
    std::istringstream list(m[4].str());
    for (std::string item; std::getline(list, item, ',');) {
      int lo = 0, hi = 0;
      const auto dash = item.find('-');
      if (std::sscanf(item.c_str(), "%d", &lo) != 1) continue;
      hi = dash == std::string::npos || std::sscanf(item.c_str() + dash + 1, "%d", &hi) != 1 ? lo : hi;
      for (int c = lo; c <= hi && c - lo < 4096; ++c)
        cpus.push_back(c);
    }
    auto& process = processes[std::stol(m[2].str())];
    process.first = m[1].str();
    process.second[std::stoi(m[3].str())] = std::move(cpus);
  }
  nlohmann::json all = nlohmann::json::array();
  for (const auto& [pid, process] : processes) {
    nlohmann::json threads = nlohmann::json::array();
    for (const auto& [thread, cpus] : process.second)
      threads.push_back(cpus);
    all.push_back({{"host", process.first}, {"pid", pid}, {"thread_cpus", threads}});
  }
  return all;
}

nlohmann::json parse_reported_bindings(const std::string& err) {
  // Open MPI: "[host:pid] MCW rank 1 bound to ...". srun: "cpu-bind=MASK - host, task  1  1 [pid]: mask 0x2
  // set".
  static const std::regex mpirun_line(R"(\[([^:\]]+):\d+\] MCW (rank \d+ .*))");
  static const std::regex srun_line(R"(cpu-bind=\S+ - ([^,]+), task\s+(\d+)\s+\d+ \[\d+\]: (.*))");
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& line : lines_of(err)) {
    std::smatch m;
    if (line.size() >= 4096) continue;
    if (std::regex_search(line, m, mpirun_line)) {
      all.push_back({{"host", m[1].str()}, {"text", m[2].str()}});
    } else if (std::regex_search(line, m, srun_line)) {
      all.push_back({{"host", m[1].str()}, {"text", "task " + m[2].str() + ": " + m[3].str()}});
    }
  }
  return all;
}

}  // namespace parakit::study
