#include "map_options.hpp"

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/exec/gnuplot.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/output_file.hpp"

namespace po = boost::program_options;

namespace parakit::cli {

using kernels::Schedule;

void add_map_options(po::options_description& options, bool pi) {
  // clang-format off
  options.add_options()
    ("tasks", po::value<std::string>(), pi ? "the tasks: sample counts N[,N...], or @FILE with one per line"
                                           : "@FILE: one task per line")
    ("schedule", po::value<std::string>()->default_value("dynamic"),
     pi ? "static, cyclic, dynamic or split" : "static, cyclic or dynamic")
    ("chunk", po::value<std::string>(),
     pi ? "dynamic: tasks per request (default 1); split: samples per piece (default: the total over 32 "
          "pieces per worker)"
        : "dynamic: tasks per request (default 1)")
    ("trace", po::value<std::string>(), "write a Chrome trace (chrome://tracing, ui.perfetto.dev) to FILE")
    ("gantt", po::value<std::string>(), "draw a Gantt chart of the run into FILE.png (needs gnuplot)");
  // clang-format on
}

MapOptions read_map_options(const boost::mpi::communicator& comm, const po::variables_map& values) {
  MapOptions m;
  m.schedule = kernels::parse_schedule(values["schedule"].as<std::string>());
  if (values.count("chunk") != 0) {
    const std::string text = values["chunk"].as<std::string>();
    if (text == "0" || text == "+0") {
      throw UsageError("--chunk: 0 is not a chunk (accepted: a whole number of at least 1)");
    }
    m.chunk = parse_count(text, "--chunk", kMaxSamples);
    if (m.schedule == Schedule::kStatic || m.schedule == Schedule::kCyclic) {
      throw UsageError("--chunk: the " + values["schedule"].as<std::string>() +
                       " schedule has no chunk (accepted with --schedule dynamic or split)");
    }
  }
  if (values.count("trace") != 0) {
    m.trace = values["trace"].as<std::string>();
    mpi::check_on_root(comm, [&] { report::check_writable(m.trace, "--trace"); });
  }
  if (values.count("gantt") != 0) {
    m.gantt = values["gantt"].as<std::string>();
    mpi::check_on_root(comm, [&] {
      report::check_writable(m.gantt, "--gantt");
      if (!exec::find_executable("gnuplot")) {
        throw UsageError("--gantt needs gnuplot, which is not on PATH (Debian: apt-get install gnuplot-nox)");
      }
    });
  }
  return m;
}

// Their defaults differ when the ranks may use different numbers of CPUs: say so before anything is touched.
void agree_on_threads(const boost::mpi::communicator& comm, int threads) {
  const auto [least, most] = mpi::min_max(comm, {static_cast<std::uint64_t>(threads)}).front();
  if (least != most) {
    throw UsageError(
        fmt::format("--threads: the ranks would run {} to {} threads by default (their CPUs "
                    "differ); map needs the same on every rank (accepted: --threads N)",
                    least, most));
  }
}

report::Record map_record(std::string_view kernel, int ranks, int threads, Schedule schedule,
                          std::uint64_t chunk) {
  report::Record record = {{"schema", report::kSchema},
                           {"kernel", kernel},
                           {"ranks", ranks},
                           {"threads_per_rank", threads},
                           {"schedule", kernels::schedule_name(schedule)}};
  if (schedule == Schedule::kDynamic || schedule == Schedule::kSplit) record["chunk"] = chunk;
  record["workers"] = ranks * threads;
  return record;
}

void write_pictures(const MapOptions& m, const std::vector<report::TraceBox>& boxes,
                    const report::FarmResult& farm, int threads, const std::string& title) {
  if (!m.trace.empty()) {
    std::vector<std::string> hosts;
    for (const auto& r : farm.per_rank)
      hosts.push_back(r.host);
    report::write_file_atomically(m.trace, report::chrome_trace(boxes, hosts, threads), "--trace");
  }
  if (!m.gantt.empty()) {
    exec::write_gantt_png(m.gantt, boxes, static_cast<int>(farm.per_rank.size()), threads, title);
  }
}

}  // namespace parakit::cli
