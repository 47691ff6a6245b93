#include "parakit/exec/gnuplot.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <stdlib.h>

#include "parakit/error.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/report/output_file.hpp"

namespace parakit::exec {
namespace {

// A private directory for gnuplot's inputs, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/parakit-gantt-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw Error("cannot create a temporary directory " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string gnuplot_string(const std::string& text) {
  std::string quoted = "'";
  for (const char ch : text)
    quoted += ch == '\'' ? std::string("''") : std::string(1, ch);
  quoted += '\'';
  return quoted;
}

}  // namespace

std::string gantt_script(const std::vector<report::TraceBox>& boxes, int ranks, int threads,
                         const std::string& title, const std::string& data_path,
                         const std::string& png_path) {
  const int lanes = std::max(1, ranks * threads);
  double end = 0.0;
  for (const report::TraceBox& b : boxes)
    end = std::max(end, b.end_s);
  std::string tics;
  for (int lane = 0; lane < lanes; ++lane)
    tics +=
        fmt::format("{}'rank {} thread {}' {}", lane == 0 ? "" : ", ", lane / threads, lane % threads, lane);
  // The dependencies, inline: x, y, dx, dy of an arrow from the middle of the predecessor's right edge
  // to the middle of the dependent's left edge. A farm has none, and its script stays as it was.
  std::string arrows;
  for (const report::TraceBox& b : boxes) {
    for (const std::size_t p : b.after) {
      PARAKIT_REQUIRE(p < boxes.size(), fmt::format("a box waits for box {} of {}", p, boxes.size()));
      const report::TraceBox& from = boxes[p];
      const int from_lane = from.rank * threads + from.thread, to_lane = b.rank * threads + b.thread;
      arrows += fmt::format("{:.9g} {} {:.9g} {}\n", from.end_s, from_lane, b.start_s - from.end_s,
                            to_lane - from_lane);
    }
  }
  std::string script = fmt::format("set terminal pngcairo size 1200,{} font ',10'\n", 160 + 28 * lanes) +
                       "set output " + gnuplot_string(png_path) + "\n" + "set title " +
                       gnuplot_string(title) + " noenhanced\n" + "set xlabel 'seconds since start'\n" +
                       fmt::format("set xrange [0:{:.9g}]\n", end > 0.0 ? end * 1.02 : 1.0) +
                       fmt::format("set yrange [{}:-0.6]\n", lanes - 0.4) + "set ytics (" + tics + ")\n" +
                       "set grid xtics\nunset key\nset style fill solid 0.85 border lc rgb '#333333'\n";
  if (!arrows.empty()) script += "$arrows << EOD\n" + arrows + "EOD\n";
  script += "plot " + gnuplot_string(data_path) +
            " using (($2+$3)/2):1:(($3-$2)/2):(0.38):($4 > 0 ? 0xd62728 : 0x1f77b4)"
            " with boxxyerror lc rgb variable";
  // Thin and dark, drawn over the boxes: which task waited for which.
  if (!arrows.empty())
    script +=
        ", \\\n     $arrows using 1:2:3:4 with vectors head filled size screen 0.006,20"
        " lw 0.6 lc rgb '#222222'";
  return script + "\n";
}

void write_gantt_png(const std::string& path, const std::vector<report::TraceBox>& boxes, int ranks,
                     int threads, const std::string& title) {
  if (!find_executable("gnuplot")) {
    throw Error("--gantt needs gnuplot, which is not on PATH (Debian: apt-get install gnuplot-nox)");
  }
  const TempDir dir;
  const std::string data = dir.path() + "/boxes.dat", script = dir.path() + "/gantt.gp",
                    png = dir.path() + "/gantt.png";
  {
    std::ofstream out(data);
    // lane, start, end, failed (0/1): one line per box
    for (const report::TraceBox& b : boxes)
      out << fmt::format("{} {:.9g} {:.9g} {}\n", b.rank * threads + b.thread, b.start_s, b.end_s,
                         b.failed ? 1 : 0);
    if (!out) throw Error("cannot write " + data);
  }
  {
    std::ofstream out(script);
    out << gantt_script(boxes, ranks, threads, title, data, png);
    if (!out) throw Error("cannot write " + script);
  }
  const ProcessOutcome run = run_process(
      {"gnuplot", script}, {.timeout_s = 120.0, .stdout_path = "", .stderr_path = "", .environment = {}});
  if (run.status != Status::kOk) {
    std::string why = run.err.substr(0, run.err.find('\n'));
    throw Error("gnuplot could not draw " + path + (why.empty() ? "" : ": " + why));
  }
  std::ifstream in(png, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8) throw Error("gnuplot wrote no picture for " + path);
  report::write_file_atomically(path, bytes, "--gantt");
}

void plot_csv(const std::string& script, const std::string& csv,
              const std::vector<std::pair<std::string, std::string>>& pictures, const std::string& title,
              std::string_view option) {
  if (!find_executable("gnuplot")) {
    throw Error(std::string(option) +
                " needs gnuplot, which is not on PATH (Debian: apt-get install gnuplot-nox)");
  }
  const TempDir dir;
  const std::string data = dir.path() + "/data.csv";
  {
    std::ofstream out(data);
    out << csv;
    if (!out) throw Error("cannot write " + data);
  }
  std::string settings = "csv=" + gnuplot_string(data) + "; title=" + gnuplot_string(title);
  for (std::size_t i = 0; i < pictures.size(); ++i)
    settings +=
        fmt::format("; {}={}", pictures[i].first, gnuplot_string(fmt::format("{}/{}.png", dir.path(), i)));
  const ProcessOutcome run =
      run_process({"gnuplot", "-e", settings, script},
                  {.timeout_s = 120.0, .stdout_path = "", .stderr_path = "", .environment = {}});
  if (run.status != Status::kOk) {
    std::string why = run.err.substr(0, run.err.find('\n'));
    throw Error(std::string(option) + ": gnuplot could not run " + script + (why.empty() ? "" : ": " + why));
  }
  for (std::size_t i = 0; i < pictures.size(); ++i) {
    std::ifstream in(fmt::format("{}/{}.png", dir.path(), i), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 8)
      throw Error(std::string(option) + ": gnuplot wrote no picture for " + pictures[i].second);
    report::write_file_atomically(pictures[i].second, bytes, option);
  }
}

}  // namespace parakit::exec
