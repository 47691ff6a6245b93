#include "parakit/exec/resume.hpp"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/exec/joblog.hpp"

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

}  // namespace

ResumePlan plan_resume(const std::string& joblog_path, bool resume, const std::vector<std::string>& commands,
                       const std::string& task_file) {
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
    if (has_content) {
      const Joblog log = read_joblog(joblog_path);
      for (const JoblogEntry& e : log.entries) {
        if (e.task >= commands.size() || e.command != commands[e.task])
          throw_foreign(joblog_path, e, commands, task_file);
        if (e.status == "ok") done[e.task] = true;
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
