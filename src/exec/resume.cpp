#include "parakit/exec/resume.hpp"

#include <filesystem>
#include <set>
#include <system_error>
#include <tuple>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/exec/joblog.hpp"
#include "parakit/quote.hpp"

namespace parakit::exec {
namespace {

// A joblog entry whose task is not in this run, or whose command this run makes differently.
[[noreturn]] void throw_foreign(const std::string& joblog_path, const JoblogEntry& e,
                                const std::vector<std::string>& commands, const std::string& task_file) {
  throw UsageError(e.task < commands.size()
                       ? fmt::format("--resume: {}: task {} ran '{}', but {} makes it '{}': the log is of "
                                     "another run (nothing was changed)",
                                     joblog_path, e.task, e.command, task_file, commands[e.task])
                       : fmt::format("--resume: {}: task {} is logged, but {} has {} tasks: the log is of "
                                     "another run (nothing was changed)",
                                     joblog_path, e.task, task_file, commands.size()));
}

// What tells one attempt from every other: where and when it started, and which attempt it was. Its
// line in a journal and rank 0's copy in the joblog agree on these (the start is the farm's common
// start plus the attempt's, formatted alike), though not on the duration (the journal's was measured
// by the command's supervisor, the copy's by the rank).
using AttemptKey = std::tuple<std::uint64_t, int, int, std::string, double, int>;
AttemptKey key_of(const JoblogEntry& e) {
  return {e.task, e.rank, e.thread, e.host, e.start, e.attempt};
}

// A joblog (or journal) at @p path of a graph run with fingerprint @p logged, resumed by a run whose
// graph fingerprint is @p graph (empty: both are task-list runs).
void check_same_graph(const std::string& path, const std::string& logged, const std::string& graph,
                      const std::string& task_file) {
  if (logged == graph) return;
  if (graph.empty()) {
    throw UsageError("--resume: " + escaped(path) +
                     " is the joblog of a graph run; resume it with --graph and its graph file, not "
                     "--tasks (nothing was changed)");
  }
  if (logged.empty()) {
    throw UsageError("--resume: " + escaped(path) +
                     " is the joblog of a task-list run; resume it with --tasks and its task file, not "
                     "--graph (nothing was changed)");
  }
  throw UsageError(fmt::format(
      "--resume: the graph file {} changed since the joblog {} was written (graph fingerprint {}, the "
      "joblog's {}); restore the file or start a new joblog (nothing was changed)",
      escaped(task_file), escaped(path), graph, logged));
}

}  // namespace

ResumePlan plan_resume(const std::string& joblog_path, bool resume, const std::vector<std::string>& commands,
                       const std::string& task_file, const std::string& graph) {
  ResumePlan plan;
  std::vector<bool> done(commands.size(), false);
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
    plan.journals = find_journals(joblog_path);
    if (has_content) {
      const auto take = [&](const std::string& path, const JoblogEntry& e) {
        if (e.task >= commands.size() || e.command != commands[e.task])
          throw_foreign(path, e, commands, task_file);
        if (e.status == "ok") done[e.task] = true;
      };
      const Joblog log = read_joblog(joblog_path);
      check_same_graph(joblog_path, log.graph, graph, task_file);
      // An attempt of another rank is in its journal and, once rank 0 had its report, in the joblog.
      std::set<AttemptKey> logged;
      for (const JoblogEntry& e : log.entries) {
        take(joblog_path, e);
        logged.insert(key_of(e));
      }
      for (const std::string& journal : plan.journals) {
        // A rank killed while it created its journal leaves it without its whole header: nothing in it.
        if (std::filesystem::file_size(journal, ec) < joblog_header(graph).size() || ec) continue;
        const Joblog lines = read_joblog(journal);
        check_same_graph(journal, lines.graph, graph, task_file);
        for (const JoblogEntry& e : lines.entries) {
          take(journal, e);
          if (logged.insert(key_of(e)).second) plan.journal_lines.push_back(format_joblog_line(e));
        }
      }
      plan.keep_bytes = log.complete_bytes;
      plan.fresh = false;
      plan.torn_tail = log.torn_tail;
    }
  }
  for (std::uint64_t t = 0; t < commands.size(); ++t) {
    if (!done[t]) plan.todo.push_back(t);
  }
  return plan;
}

}  // namespace parakit::exec
