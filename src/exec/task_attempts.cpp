#include "parakit/exec/task_attempts.hpp"

#include <filesystem>
#include <mutex>
#include <system_error>

#include <fmt/format.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/exec/command_outcomes.hpp"
#include "parakit/exec/joblog.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/sys.hpp"

namespace parakit::exec {

void prepare_results_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir)) {
    throw UsageError("--results " + dir + ": not a directory that can be created");
  }
  if (::access(dir.c_str(), W_OK) != 0) throw UsageError("--results " + dir + ": not writable");
}

void run_task_attempts(const TaskSlot& slot, const std::string& command, const TaskRunOptions& options,
                       const std::function<double()>& now,
                       const std::function<void(const report::FarmRecord&)>& emit, const TaskLog& log) {
  ProcessOptions process{
      .timeout_s = options.timeout_s,
      .stdout_path = "",
      .stderr_path = "",
      .environment = {fmt::format("PARAKIT_TASK={}", slot.task), fmt::format("PARAKIT_RANK={}", slot.rank),
                      fmt::format("PARAKIT_THREAD={}", slot.thread)}};
  const bool to_files = !options.results_dir.empty();
  if (to_files) {
    process.stdout_path = fmt::format("{}/{}.out", options.results_dir, slot.task);
    process.stderr_path = fmt::format("{}/{}.err", options.results_dir, slot.task);
  }
  for (int attempt = 1; attempt <= options.retries + 1; ++attempt) {
    report::FarmRecord r;
    r.piece = slot.piece;
    r.attempt = attempt;
    r.rank = slot.rank;
    r.thread = slot.thread;
    r.start_s = now();
    EndLine end_line;
    if (log.writer != nullptr) {
      JoblogLineParts parts =
          joblog_line_parts(joblog_entry(r, log.start_unix_s, log.host, slot.task, command));
      end_line = {.fd = log.writer->fd(),
                  .head = std::move(parts.head),
                  .middle = std::move(parts.middle),
                  .tail = std::move(parts.tail)};
    }
    const ProcessOutcome outcome = run_shell(command, process, end_line);
    r.end_s = now();
    r.status = static_cast<std::int32_t>(outcome.status);
    r.exit_code = outcome.exit_code;
    r.signal = outcome.signal;
    if (log.writer != nullptr && !outcome.line_written)
      log.writer->write(format_joblog_line(joblog_entry(r, log.start_unix_s, log.host, slot.task, command)));
    if (!to_files) {
      write_prefixed(options.output_fd, slot.task, outcome.out);
      write_prefixed(2, slot.task, outcome.err);
    } else if (outcome.status == Status::kNotStarted) {
      write_prefixed(2, slot.task, outcome.err);  // why it could not start, e.g. its output file
    }
    emit(r);
    // Success ends the attempts; so does a command that cannot be started (retrying cannot help).
    if (outcome.status == Status::kOk || outcome.status == Status::kNotStarted) break;
  }
}

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

}  // namespace parakit::exec
