// parakit map: a task farm over ranks x threads. `map pi` runs the seed's Pool.map of Monte Carlo tasks,
// `map exec` runs a shell command per line of a task file, with a joblog that --resume continues.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <mutex>
#include <set>
#include <sstream>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "parakit/exec/joblog.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/environment.hpp"
#include "parakit/mpi/farm.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/trace.hpp"
#include "parakit/sys.hpp"

#include "commands.hpp"
#include "common_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

using kernels::Schedule;

constexpr std::uint64_t kMaxPieces = 10'000'000;  // records are kept on rank 0: about 1 GB at most
constexpr int kExitStopped = 102;                 // map exec: --stop-file ended it before every task ran
constexpr auto kMaxSamples = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

const char* const kMapUsage =
    "Usage: mpirun -n P parakit map pi --tasks N[,N...]|@FILE [--schedule S] [--chunk K] [options]\n"
    "       mpirun -n P parakit map exec --tasks @FILE [--joblog FILE [--resume]] [options] -- CMD {}\n"
    "A task farm over every thread of every rank: 'map pi' runs Monte Carlo tasks, 'map exec' runs a\n"
    "shell command per line of a file.";

const char* const kMapPiUsage =
    "Usage: mpirun -n P parakit map pi --tasks N[,N...]|@FILE [--schedule S] [--chunk K] [options]\n"
    "One Monte Carlo task per entry, each with its own random stream (so results do not depend on the\n"
    "schedule or layout); prints each task's estimate, their mean, and how well the schedule kept the\n"
    "workers busy. Schedules: static (equal blocks of tasks), cyclic (task i to worker i mod W),\n"
    "dynamic (--chunk tasks at a time to whichever worker is free; the default), split (tasks cut into\n"
    "pieces of --chunk samples, handed out dynamically).";

const char* const kMapExecUsage =
    "Usage: mpirun -n P parakit map exec --tasks @FILE [--joblog FILE [--resume]] [options] -- CMD {}\n"
    "Runs CMD with /bin/sh -c once per non-blank line of FILE, over every thread of every rank: each {}\n"
    "becomes the line, quoted for the shell (do not quote {} yourself); without {} the line is\n"
    "appended. The words of CMD are joined with spaces and read by the shell, as GNU parallel does.\n"
    "Exit code: the number of failed tasks (101: more than 100), 102 when --stop-file stopped it before\n"
    "every task ran (continue with --resume), 255 for errors of parakit itself.\n"
    "Schedules: static (equal blocks of tasks), cyclic (task i to worker i mod W), dynamic (--chunk\n"
    "tasks at a time to whichever worker is free; the default).";

// Options of both map kernels; @p pi: the Monte Carlo kernel's wording and its split schedule.
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

struct MapOptions {
  Schedule schedule = Schedule::kDynamic;
  std::uint64_t chunk = 0;  // 0: not given
  std::string trace, gantt;
};

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

// The farm hands out work by worker number, so every rank must run the same number of threads. Their
// defaults differ when the ranks may use different numbers of CPUs: say so before anything is touched.
void agree_on_threads(const boost::mpi::communicator& comm, int threads) {
  const int least = boost::mpi::all_reduce(comm, threads, boost::mpi::minimum<int>());
  const int most = boost::mpi::all_reduce(comm, threads, boost::mpi::maximum<int>());
  if (least != most) {
    throw UsageError(
        fmt::format("--threads: the ranks would run {} to {} threads by default (their CPUs "
                    "differ); map needs the same on every rank (accepted: --threads N)",
                    least, most));
  }
}

// Rank 0 reads FILE and every rank gets its lines, or every rank throws the same UsageError.
std::vector<TaskLine> read_tasks_everywhere(const boost::mpi::communicator& comm, const std::string& path) {
  std::vector<TaskLine> lines;
  mpi::check_on_root(comm, [&] { lines = read_task_file(path, "--tasks"); });
  std::vector<std::string> texts;
  std::vector<std::uint64_t> numbers;
  for (const TaskLine& l : lines) {
    texts.push_back(l.text);
    numbers.push_back(l.line);
  }
  boost::mpi::broadcast(comm, texts, 0);
  boost::mpi::broadcast(comm, numbers, 0);
  lines.clear();
  for (std::size_t i = 0; i < texts.size(); ++i)
    lines.push_back({static_cast<std::size_t>(numbers[i]), texts[i]});
  return lines;
}

// The fields every map record begins with; `chunk` only where the schedule has one.
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

// How well the schedule kept the workers busy, from the records: the figures of kernels::ScheduleResult,
// measured instead of simulated.
struct ScheduleFigures {
  double makespan_s = 0.0;
  double lower_bound_s = 0.0;
  double busy_total_s = 0.0;
  double efficiency = 0.0;  // busy / (workers x makespan)
  double imbalance = 1.0;
  report::Record workers = report::Record::array();
};

ScheduleFigures schedule_figures(const mpi::FarmResult& farm, int threads, std::uint64_t pieces) {
  ScheduleFigures f;
  const std::size_t ranks = farm.per_rank.size();
  const std::size_t w_count = ranks * static_cast<std::size_t>(threads);
  std::vector<double> busy(w_count, 0.0);
  std::vector<std::uint64_t> runs(w_count, 0);
  std::vector<double> per_piece(pieces, 0.0);
  for (const mpi::FarmRecord& r : farm.records) {
    const std::size_t w = static_cast<std::size_t>(r.rank) * static_cast<std::size_t>(threads) +
                          static_cast<std::size_t>(r.thread);
    const double d = r.end_s - r.start_s;
    busy[w] += d;
    ++runs[w];
    per_piece[r.piece] += d;
    f.makespan_s = std::max(f.makespan_s, r.end_s);
  }
  for (const double b : busy)
    f.busy_total_s += b;
  const double mean = f.busy_total_s / static_cast<double>(w_count);
  const double largest = per_piece.empty() ? 0.0 : *std::max_element(per_piece.begin(), per_piece.end());
  f.lower_bound_s = std::max(mean, largest);
  f.efficiency = f.makespan_s > 0.0 ? f.busy_total_s / (static_cast<double>(w_count) * f.makespan_s) : 1.0;
  f.imbalance = mean > 0.0 ? *std::max_element(busy.begin(), busy.end()) / mean : 1.0;
  for (std::size_t w = 0; w < w_count; ++w) {
    const std::size_t rank = w / static_cast<std::size_t>(threads);
    f.workers.push_back({{"rank", rank},
                         {"thread", w % static_cast<std::size_t>(threads)},
                         {"host", farm.per_rank[rank].host},
                         {"runs", runs[w]},
                         {"busy_s", busy[w]},
                         {"idle_s", f.makespan_s - busy[w]}});
  }
  return f;
}

void add_schedule_figures(report::Record& result, const ScheduleFigures& f) {
  result["makespan_s"] = f.makespan_s;
  result["lower_bound_s"] = f.lower_bound_s;
  result["efficiency"] = f.efficiency;
  result["imbalance"] = f.imbalance;
  result["workers"] = f.workers;
}

// The run report of the foundation, from the farm: one timed run whose compute phase is the makespan.
void add_farm_report(report::Record& record, const mpi::FarmResult& farm, const ScheduleFigures& f,
                     int threads, double work, std::string_view unit, const std::vector<std::string>& argv) {
  report::RunStats stats;
  stats.ranks = static_cast<int>(farm.per_rank.size());
  stats.threads_per_rank = threads;
  stats.times_s = {farm.elapsed_s};
  stats.phases = {report::PhaseTimes{.partition_s = 0.0,
                                     .scatter_s = 0.0,
                                     .compute_s = f.makespan_s,
                                     .reduce_s = std::max(0.0, farm.elapsed_s - f.makespan_s),
                                     .total_s = farm.elapsed_s}};
  stats.per_rank = farm.per_rank;
  std::vector<double> rank_busy(farm.per_rank.size(), 0.0);
  for (const mpi::FarmRecord& r : farm.records)
    rank_busy[static_cast<std::size_t>(r.rank)] += r.end_s - r.start_s;
  double sum = 0.0, most = 0.0;
  for (std::size_t r = 0; r < rank_busy.size(); ++r) {
    stats.per_rank[r].compute_s = rank_busy[r] / threads;
    sum += rank_busy[r];
    most = std::max(most, rank_busy[r]);
  }
  stats.imbalance = {sum > 0.0 ? most / (sum / static_cast<double>(rank_busy.size())) : 1.0};
  report::add_run_report(record, stats, work, unit, launch_context(argv));
}

// --trace and --gantt, on rank 0.
void write_pictures(const MapOptions& m, const std::vector<report::TraceBox>& boxes,
                    const mpi::FarmResult& farm, int threads, const std::string& title) {
  if (!m.trace.empty()) {
    std::vector<std::string> hosts;
    for (const auto& r : farm.per_rank)
      hosts.push_back(r.host);
    report::write_file_atomically(m.trace, report::chrome_trace(boxes, hosts, threads), "--trace");
  }
  if (!m.gantt.empty()) {
    report::write_gantt_png(m.gantt, boxes, static_cast<int>(farm.per_rank.size()), threads, title);
  }
}

// ---------------------------------------------------------------------------------------------- map pi

struct Piece {
  std::uint64_t task = 0;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

int map_pi(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
           const std::vector<std::string>& argv) {
  po::options_description options("Options");
  add_map_options(options, true);
  add_common_options(options, false);
  po::variables_map values;
  if (!parse_args(comm, args, "parakit map pi", kMapPiUsage, options, values)) return 0;
  if (values.count("tasks") == 0) {
    throw UsageError(
        "map pi: --tasks is required (accepted: N[,N...] sample counts, or @FILE with one per line)");
  }
  const MapOptions m = read_map_options(comm, values);
  const std::string spec = values["tasks"].as<std::string>();
  std::vector<std::uint64_t> samples;
  if (!spec.empty() && spec[0] == '@') {
    for (const TaskLine& l : read_tasks_everywhere(comm, spec.substr(1))) {
      const std::size_t first = l.text.find_first_not_of(" \t"), last = l.text.find_last_not_of(" \t");
      samples.push_back(parse_count(std::string_view(l.text).substr(first, last + 1 - first),
                                    fmt::format("--tasks {}:{}", spec.substr(1), l.line), kMaxSamples));
    }
  } else {
    samples = parse_count_list(spec, "--tasks", kMaxSamples);
  }
  std::uint64_t total = 0;
  for (const std::uint64_t n : samples) {
    if (n > kMaxSamples - total) throw UsageError("--tasks: the tasks add up to more than 2^63-1 samples");
    total += n;
  }
  const CommonOptions common = read_common_options(comm, values);
  agree_on_threads(comm, common.threads);
  const auto workers = static_cast<std::uint64_t>(comm.size()) * static_cast<std::uint64_t>(common.threads);

  std::vector<Piece> pieces;
  std::uint64_t chunk = m.chunk;
  if (m.schedule == Schedule::kSplit) {
    if (chunk == 0) chunk = std::max<std::uint64_t>(1, (total + 32 * workers - 1) / (32 * workers));
    std::uint64_t count = 0;
    for (const std::uint64_t n : samples)
      count += (n + chunk - 1) / chunk;
    if (count > kMaxPieces) {
      throw UsageError(
          fmt::format("--chunk: {} samples per piece make {} pieces (accepted: at most {}; "
                      "choose a larger chunk)",
                      chunk, count, kMaxPieces));
    }
    for (std::uint64_t t = 0; t < samples.size(); ++t) {
      for (std::uint64_t first = 0; first < samples[t]; first += chunk)
        pieces.push_back({t, first, std::min(samples[t], first + chunk)});
    }
  } else {
    if (samples.size() > kMaxPieces) {
      throw UsageError(fmt::format("--tasks: {} tasks (accepted: at most {})", samples.size(), kMaxPieces));
    }
    if (chunk == 0) chunk = 1;
    for (std::uint64_t t = 0; t < samples.size(); ++t)
      pieces.push_back({t, 0, samples[t]});
  }

  const std::uint64_t seed = common.seed;
  const mpi::FarmWork work = [&](std::uint64_t p, const mpi::FarmWorker& worker) {
    const Piece& piece = pieces[p];
    mpi::FarmRecord r;
    r.piece = p;
    r.start_s = worker.now();
    r.value = kernels::count_inside(kernels::task_stream_seed(seed, piece.task), piece.first, piece.last);
    r.end_s = worker.now();
    worker.emit(r);
  };
  const mpi::FarmOptions farm_options{
      .schedule = m.schedule, .chunk = chunk, .threads = common.threads, .interrupt = {}, .drain = {}};
  const mpi::FarmResult farm = mpi::run_farm(comm, pieces.size(), farm_options, work,
                                             [](const mpi::FarmRecord&, const mpi::FarmResult&) {});
  if (comm.rank() != 0) return 0;

  // Each piece must have come back exactly once: anything else is a bug in the farm, not noise.
  std::vector<std::uint64_t> inside(samples.size(), 0), seen(pieces.size(), 0),
      piece_count(samples.size(), 0);
  std::vector<double> seconds(samples.size(), 0.0);
  for (const mpi::FarmRecord& r : farm.records) {
    if (r.piece >= pieces.size() || seen[r.piece]++ != 0) {
      throw WrongAnswer(fmt::format("task farm: piece {} came back twice or does not exist", r.piece));
    }
    inside[pieces[r.piece].task] += r.value;
    seconds[pieces[r.piece].task] += r.end_s - r.start_s;
    ++piece_count[pieces[r.piece].task];
  }
  if (farm.records.size() != pieces.size()) {
    throw WrongAnswer(
        fmt::format("task farm: {} of {} pieces came back", farm.records.size(), pieces.size()));
  }
  std::vector<kernels::PiEstimate> estimates;
  report::Record tasks = report::Record::array();
  for (std::size_t t = 0; t < samples.size(); ++t) {
    const auto e = kernels::estimate_pi(samples[t], inside[t]);
    estimates.push_back(e);
    tasks.push_back({{"task", t},
                     {"samples", e.samples},
                     {"inside", e.inside},
                     {"estimate", e.estimate},
                     {"std_error", e.std_error},
                     {"pieces", piece_count[t]},
                     {"busy_s", seconds[t]}});
  }
  const auto mean = kernels::mean_estimate(estimates);
  const ScheduleFigures figures = schedule_figures(farm, common.threads, pieces.size());
  report::Record record = map_record("map pi", comm.size(), common.threads, m.schedule, chunk);
  record["seed"] = seed;
  record["samples"] = total;
  record["tasks"] = samples.size();
  record["pieces"] = pieces.size();
  report::Record result = {
      {"inside", mean.inside}, {"estimate", mean.estimate}, {"std_error", mean.std_error}, {"tasks", tasks}};
  add_schedule_figures(result, figures);
  record["result"] = result;
  add_farm_report(record, farm, figures, common.threads, static_cast<double>(total), "samples", argv);

  std::vector<report::TraceBox> boxes;
  if (!m.trace.empty() || !m.gantt.empty()) {
    for (const mpi::FarmRecord& r : farm.records) {
      const Piece& p = pieces[r.piece];
      boxes.push_back(
          {.name = fmt::format("task {}", p.task) +
                   (m.schedule == Schedule::kSplit ? fmt::format(" [{}, {})", p.first, p.last) : ""),
           .rank = r.rank,
           .thread = r.thread,
           .start_s = r.start_s,
           .end_s = r.end_s,
           .failed = false,
           .args = {{"task", p.task}, {"first", p.first}, {"last", p.last}, {"inside", r.value}}});
    }
  }
  emit(comm, record, common);  // the report first: a picture that fails must not cost it
  write_pictures(
      m, boxes, farm, common.threads,
      fmt::format("parakit map pi, {} schedule: {} ranks x {} threads, makespan {:.3f} s (bound {:.3f} s)",
                  kernels::schedule_name(m.schedule), comm.size(), common.threads, figures.makespan_s,
                  figures.lower_bound_s));
  return 0;
}

// -------------------------------------------------------------------------------------------- map exec

// Writes whole blocks of task output to one of our streams, prefixed, without interleaving lines.
void write_prefixed(int fd, std::uint64_t task, const std::string& text) {
  if (text.empty()) return;
  static std::mutex mutex;
  std::string block;
  const std::string prefix = fmt::format("[{}] ", task);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    block += prefix;
    block.append(text, pos, (end == std::string::npos ? text.size() : end) - pos);
    block += '\n';
    pos = end == std::string::npos ? text.size() : end + 1;
  }
  const std::lock_guard lock(mutex);
  sys::write_all(fd, block);  // if our own stdout is gone, the joblog still has the task
}

// Appends whole lines to the joblog with one write each, so a killed run leaves complete lines.
class JoblogWriter {
 public:
  JoblogWriter() = default;
  JoblogWriter(const std::string& path, std::uint64_t keep_bytes, bool fresh) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw UsageError("--joblog " + path + ": " + std::strerror(errno));
    if (::ftruncate(fd_, static_cast<off_t>(keep_bytes)) != 0 || ::lseek(fd_, 0, SEEK_END) < 0) {
      const int error = errno;
      ::close(fd_);
      fd_ = -1;
      throw UsageError("--joblog " + path + ": " + std::strerror(error));
    }
    if (fresh) write(exec::joblog_header());
  }
  JoblogWriter(const JoblogWriter&) = delete;
  JoblogWriter& operator=(const JoblogWriter&) = delete;
  ~JoblogWriter() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write(const std::string& line) {
    if (fd_ < 0) return;
    if (const int error = sys::write_all(fd_, line); error != 0) {
      throw Error("--joblog " + path_ + ": cannot write: " + std::strerror(error));
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

int map_exec(const boost::mpi::communicator& comm, const std::vector<std::string>& all_args,
             const std::vector<std::string>& argv) {
  const auto dashes = std::find(all_args.begin(), all_args.end(), "--");
  const std::vector<std::string> args(all_args.begin(), dashes);
  const std::vector<std::string> words(dashes == all_args.end() ? dashes : dashes + 1, all_args.end());

  po::options_description options("Options");
  add_map_options(options, false);
  // clang-format off
  options.add_options()
    ("joblog", po::value<std::string>(), "append one line per attempt to FILE as it ends (task, rank, host, "
     "start, duration, exit code, ...); refuses an existing FILE unless --resume")
    ("resume", "skip the tasks FILE shows done (exit code 0); run the others")
    ("retries", po::value<int>()->default_value(0), "run a failed task up to N more times (0 to 100)")
    ("timeout", po::value<double>(), "seconds a task may run before it is killed (SIGTERM, SIGKILL 1 s later)")
    ("results", po::value<std::string>(), "write each task's output to DIR/<task>.out and DIR/<task>.err "
     "instead of to ours, prefixed with [task]")
    ("stop-file", po::value<std::string>(), "once FILE exists (or if it does at the start), start no more "
     "tasks: the running ones finish and are logged, then exit 102 (a batch job's time limit: see "
     "slurm/taskfarm.sbatch)");
  // clang-format on
  add_common_options(options, false, false);
  po::variables_map values;
  if (dashes == all_args.end()) {
    // Without '--' the command's words would be taken for parakit's: say what is missing.
    if (std::find_if(args.begin(), args.end(),
                     [](const std::string& a) { return a == "--help" || a == "-h"; }) == args.end()) {
      throw UsageError(
          "map exec: no '--' before the command (usage: parakit map exec --tasks @FILE -- CMD {})");
    }
  }
  if (!parse_args(comm, args, "parakit map exec", kMapExecUsage, options, values)) return 0;
  if (words.empty() || words.front().empty()) {
    throw UsageError("map exec: no command after '--' (usage: parakit map exec --tasks @FILE -- CMD {})");
  }
  for (const std::string& w : words) {
    if (w.find_first_of("\n\r") != std::string::npos) {
      throw UsageError(
          "map exec: the command has a line break, which a joblog line cannot hold (accepted: "
          "one line; put longer commands in a script)");
    }
  }
  if (values.count("tasks") == 0 || values["tasks"].as<std::string>().rfind('@', 0) != 0) {
    std::string hint;
    if (values.count("tasks") != 0 && std::filesystem::is_regular_file(values["tasks"].as<std::string>())) {
      hint = "; did you mean @" + values["tasks"].as<std::string>() + "?";
    }
    throw UsageError("map exec: --tasks @FILE is required (accepted: a file with one task per line" + hint +
                     ")");
  }
  const MapOptions m = read_map_options(comm, values);
  if (m.schedule == Schedule::kSplit) {
    throw UsageError(
        "--schedule: split cuts tasks into pieces, and commands cannot be cut (accepted for "
        "map exec: static, cyclic, dynamic)");
  }
  const int retries = values["retries"].as<int>();
  if (retries < 0 || retries > 100) {
    throw UsageError(fmt::format("--retries: {} is too {} (accepted: a whole number from 0 to 100)", retries,
                                 retries < 0 ? "small" : "large"));
  }
  double timeout_s = 0.0;
  if (values.count("timeout") != 0) {
    timeout_s = values["timeout"].as<double>();
    if (!(timeout_s > 0.0) || timeout_s > 1e7) {
      throw UsageError(fmt::format("--timeout: {} is {} (accepted: seconds, more than 0 and at most 1e7)",
                                   timeout_s, timeout_s > 1e7 ? "too long" : "not a time limit"));
    }
  }
  const bool resume = values.count("resume") != 0;
  const std::string joblog_path = values.count("joblog") != 0 ? values["joblog"].as<std::string>() : "";
  if (resume && joblog_path.empty())
    throw UsageError("--resume needs --joblog FILE: the log of the run to resume");
  const std::string results_dir = values.count("results") != 0 ? values["results"].as<std::string>() : "";
  const std::string stop_file = values.count("stop-file") != 0 ? values["stop-file"].as<std::string>() : "";
  if (!stop_file.empty()) {
    const std::filesystem::path parent = std::filesystem::absolute(stop_file).parent_path();
    if (!std::filesystem::is_directory(parent)) {
      throw UsageError("--stop-file: '" + stop_file +
                       "' is in no existing directory, so it could never appear " +
                       "(accepted: a file path in an existing directory)");
    }
  }
  const CommonOptions common = read_common_options(comm, values);
  agree_on_threads(comm, common.threads);
  const std::string task_file = values["tasks"].as<std::string>().substr(1);
  const std::vector<TaskLine> lines = read_tasks_everywhere(comm, task_file);
  std::vector<std::string> commands;
  commands.reserve(lines.size());
  for (const TaskLine& l : lines)
    commands.push_back(exec::expand_command(words, l.text));

  // Rank 0 decides what is left to run; a joblog that is not this run's is refused untouched.
  std::vector<std::uint64_t> todo;
  std::unique_ptr<JoblogWriter> joblog;
  std::uint64_t torn = 0;
  mpi::check_on_root(comm, [&] {
    std::vector<bool> done(commands.size(), false);
    std::uint64_t keep = 0;
    bool fresh = true;
    if (!joblog_path.empty()) {
      std::error_code ec;
      const bool exists = std::filesystem::exists(joblog_path, ec);
      if (exists && std::filesystem::is_directory(joblog_path, ec)) {
        throw UsageError("--joblog " + joblog_path + ": is a directory (accepted: a file)");
      }
      const bool has_content = exists && std::filesystem::file_size(joblog_path, ec) > 0;
      if (has_content && !resume) {
        throw UsageError("--joblog " + joblog_path +
                         ": the file exists; add --resume to continue that run, or remove the file");
      }
      if (has_content) {
        const exec::Joblog log = exec::read_joblog(joblog_path);
        for (const exec::JoblogEntry& e : log.entries) {
          if (e.task >= commands.size() || e.command != commands[e.task]) {
            throw UsageError(
                e.task < commands.size()
                    ? fmt::format(
                          "--resume: {}: task {} ran '{}', but {} makes it '{}': the log is of another "
                          "run (nothing was changed)",
                          joblog_path, e.task, e.command, task_file, commands[e.task])
                    : fmt::format(
                          "--resume: {}: task {} is logged, but {} has {} tasks: the log is of another "
                          "run (nothing was changed)",
                          joblog_path, e.task, task_file, commands.size()));
          }
          if (e.status == "ok") done[e.task] = true;
        }
        keep = log.complete_bytes;
        fresh = false;
        if (log.torn_tail) torn = 1;
      }
    }
    // Everything checked: only now is anything created or changed.
    if (!results_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(results_dir, ec);
      if (!std::filesystem::is_directory(results_dir)) {
        throw UsageError("--results " + results_dir + ": not a directory that can be created");
      }
      if (::access(results_dir.c_str(), W_OK) != 0)
        throw UsageError("--results " + results_dir + ": not writable");
    }
    if (!joblog_path.empty()) joblog = std::make_unique<JoblogWriter>(joblog_path, keep, fresh);
    for (std::uint64_t t = 0; t < commands.size(); ++t) {
      if (!done[t]) todo.push_back(t);
    }
  });
  boost::mpi::broadcast(comm, todo, 0);
  if (comm.rank() == 0 && torn != 0) {
    std::cerr << "parakit: warning: the last line of " << joblog_path
              << " was cut short by the end of the previous run; it was dropped and its task runs again\n";
  }
  const std::uint64_t skipped = commands.size() - todo.size();

  // Tasks' output goes to our stdout, unless stdout carries a JSON or CSV record: then to stderr, so
  // that the record can be read by a program.
  const int out_fd = common.output.empty() && common.format != report::Format::kText ? 2 : 1;
  const mpi::FarmWork work = [&](std::uint64_t p, const mpi::FarmWorker& worker) {
    const std::uint64_t task = todo[p];
    exec::ProcessOptions po_options{
        .timeout_s = timeout_s,
        .stdout_path = "",
        .stderr_path = "",
        .environment = {fmt::format("PARAKIT_TASK={}", task), fmt::format("PARAKIT_RANK={}", worker.rank()),
                        fmt::format("PARAKIT_THREAD={}", worker.thread())}};
    if (!results_dir.empty()) {
      po_options.stdout_path = fmt::format("{}/{}.out", results_dir, task);
      po_options.stderr_path = fmt::format("{}/{}.err", results_dir, task);
    }
    for (int attempt = 1; attempt <= retries + 1; ++attempt) {
      mpi::FarmRecord r;
      r.piece = p;
      r.attempt = attempt;
      r.start_s = worker.now();
      const exec::ProcessOutcome outcome = exec::run_shell(commands[task], po_options);
      r.end_s = worker.now();
      r.status = static_cast<std::int32_t>(outcome.status);
      r.exit_code = outcome.exit_code;
      r.signal = outcome.signal;
      if (results_dir.empty()) {
        write_prefixed(out_fd, task, outcome.out);
        write_prefixed(2, task, outcome.err);
      } else if (outcome.status == exec::Status::kNotStarted) {
        write_prefixed(2, task, outcome.err);  // why it could not start, e.g. its output file
      }
      worker.emit(r);
      // Success ends the attempts; so does a command that cannot be started (retrying cannot help).
      if (outcome.status == exec::Status::kOk || outcome.status == exec::Status::kNotStarted) break;
    }
  };
  const mpi::FarmSink sink = [&](const mpi::FarmRecord& r, const mpi::FarmResult& farm) {
    if (!joblog) return;
    const std::uint64_t task = todo[r.piece];
    exec::JoblogEntry e{.task = task,
                        .rank = r.rank,
                        .thread = r.thread,
                        .host = farm.per_rank[static_cast<std::size_t>(r.rank)].host,
                        .start = farm.start_unix_s + r.start_s,
                        .duration_s = r.end_s - r.start_s,
                        .exit_code = r.exit_code,
                        .signal = r.signal,
                        .attempt = r.attempt,
                        .status = std::string(exec::status_name(static_cast<exec::Status>(r.status))),
                        .command = commands[task]};
    joblog->write(exec::format_joblog_line(e));
  };
  mpi::FarmOptions farm_options{.schedule = m.schedule,
                                .chunk = m.chunk == 0 ? 1 : m.chunk,
                                .threads = common.threads,
                                .interrupt = exec::kill_running_processes,
                                .drain = {}};
  if (!stop_file.empty())
    farm_options.drain = [&stop_file] { return ::access(stop_file.c_str(), F_OK) == 0; };
  const mpi::FarmResult farm = mpi::run_farm(comm, todo.size(), farm_options, work, sink);

  // The outcome of each task is its last attempt.
  std::uint64_t failed = 0, timed_out = 0, attempts = 0, not_run = 0;
  report::Record failures = report::Record::array();
  if (comm.rank() == 0) {
    std::vector<const mpi::FarmRecord*> last(todo.size(), nullptr);
    for (const mpi::FarmRecord& r : farm.records) {
      ++attempts;
      if (last[r.piece] == nullptr || last[r.piece]->attempt < r.attempt) last[r.piece] = &r;
    }
    for (std::uint64_t p = 0; p < todo.size(); ++p) {
      const mpi::FarmRecord* r = last[p];
      if (r == nullptr && farm.drained) {
        ++not_run;  // --stop-file: never started, left for --resume
        continue;
      }
      if (r == nullptr) throw WrongAnswer(fmt::format("task farm: task {} never reported", todo[p]));
      if (r->status == 0) continue;
      ++failed;
      if (r->status == static_cast<int>(exec::Status::kTimedOut)) ++timed_out;
      failures.push_back({{"task", todo[p]},
                          {"status", exec::status_name(static_cast<exec::Status>(r->status))},
                          {"exit", r->exit_code},
                          {"attempts", r->attempt},
                          {"command", commands[todo[p]]}});
    }
  }
  boost::mpi::broadcast(comm, failed, 0);
  boost::mpi::broadcast(comm, not_run, 0);
  const int exit_code = not_run > 0 ? kExitStopped : static_cast<int>(std::min<std::uint64_t>(failed, 101));
  if (comm.rank() != 0) return exit_code;

  const ScheduleFigures figures = schedule_figures(farm, common.threads, todo.size());
  report::Record record = map_record("map exec", comm.size(), common.threads, m.schedule, farm_options.chunk);
  record["tasks"] = commands.size();
  record["pieces"] = todo.size();
  record["retries"] = retries;
  if (timeout_s > 0.0) record["timeout_s"] = timeout_s;  // only what was given
  if (!joblog_path.empty()) record["joblog"] = joblog_path;
  report::Record result = {{"tasks_run", todo.size() - not_run},
                           {"skipped_done", skipped},
                           {"succeeded", todo.size() - not_run - failed},
                           {"failed", failed},
                           {"timed_out", timed_out},
                           {"attempts", attempts},
                           {"not_run", not_run},
                           {"stopped", not_run > 0},
                           {"failed_tasks", failures}};
  add_schedule_figures(result, figures);
  record["result"] = result;
  add_farm_report(record, farm, figures, common.threads, static_cast<double>(todo.size()), "tasks", argv);

  std::vector<report::TraceBox> boxes;
  if (!m.trace.empty() || !m.gantt.empty()) {
    for (const mpi::FarmRecord& r : farm.records) {
      const std::uint64_t task = todo[r.piece];
      boxes.push_back({.name = fmt::format("task {}", task) +
                               (r.attempt > 1 ? fmt::format(" (attempt {})", r.attempt) : ""),
                       .rank = r.rank,
                       .thread = r.thread,
                       .start_s = r.start_s,
                       .end_s = r.end_s,
                       .failed = r.status != 0,
                       .args = {{"task", task},
                                {"attempt", r.attempt},
                                {"status", exec::status_name(static_cast<exec::Status>(r.status))},
                                {"exit", r.exit_code},
                                {"command", commands[task]}}});
    }
  }
  emit(comm, record, common);  // the report first: a picture that fails must not cost it
  write_pictures(
      m, boxes, farm, common.threads,
      fmt::format("parakit map exec, {} schedule: {} ranks x {} threads, {} tasks, makespan {:.3f} s",
                  kernels::schedule_name(m.schedule), comm.size(), common.threads, todo.size(),
                  figures.makespan_s));
  if (failed > 0) {
    std::cerr << fmt::format("parakit: {} of {} tasks failed{}{}\n", failed, todo.size(),
                             timed_out > 0 ? fmt::format(" ({} timed out)", timed_out) : "",
                             joblog_path.empty() ? "" : "; see " + joblog_path);
  }
  if (not_run > 0) {
    std::cerr << fmt::format(
        "parakit: stopped by {}: {} of {} tasks not started{}\n", stop_file, not_run, todo.size(),
        joblog_path.empty() ? "" : "; continue with --joblog " + joblog_path + " --resume");
  }
  return exit_code;
}

}  // namespace

int run_map(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
            const std::vector<std::string>& argv) {
  if (args.empty()) throw UsageError("map: no kernel given (accepted: pi, exec; see 'parakit map --help')");
  if (args[0] == "--help" || args[0] == "-h") {
    if (comm.rank() == 0)
      std::cout << kMapUsage
                << "\n\n'parakit map pi --help' and 'parakit map exec --help' list the options.\n";
    return 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "pi") return map_pi(comm, rest, argv);
  if (args[0] == "exec") return map_exec(comm, rest, argv);
  throw UsageError("map: '" + args[0] + "' is not a kernel (accepted: pi, exec; see 'parakit map --help')");
}

}  // namespace parakit::cli
