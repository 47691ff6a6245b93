#include "parakit/exec/joblog.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/quote.hpp"
#include "parakit/sys.hpp"

namespace parakit::exec {
namespace {

std::vector<std::string_view> split_tabs(std::string_view line, std::size_t fields) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < fields) {
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos) break;
    parts.push_back(line.substr(0, tab));
    line.remove_prefix(tab + 1);
  }
  parts.push_back(line);  // the command keeps any tabs of its own
  return parts;
}

template <class T>
bool parse_number(std::string_view text, T& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end && !text.empty();
}

}  // namespace

std::string joblog_header(std::string_view graph) {
  std::string header(kJoblogMagic);
  header += '\n';
  if (!graph.empty()) {
    header += kJoblogGraphPrefix;
    header += graph;
    header += '\n';
  }
  for (std::size_t i = 0; i < kJoblogColumns.size(); ++i) {
    if (i > 0) header += '\t';
    header += kJoblogColumns[i];
  }
  return header + '\n';
}

std::string format_joblog_line(const JoblogEntry& e) {
  return fmt::format("{}\t{}\t{}\t{}\t{:.3f}\t{:.3f}\t{}\t{}\t{}\t{}\t{}\n", e.task, e.rank, e.thread, e.host,
                     e.start, e.duration_s, e.exit_code, e.signal, e.attempt, e.status, e.command);
}

JoblogLineParts joblog_line_parts(const JoblogEntry& e) {
  return {.head = fmt::format("{}\t{}\t{}\t{}\t{:.3f}\t", e.task, e.rank, e.thread, e.host, e.start),
          .middle = fmt::format("{}\t", e.attempt),
          .tail = fmt::format("\t{}\n", e.command)};
}

Joblog read_joblog(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("--resume: cannot read the joblog " + path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto fail = [&](std::size_t line, const std::string& what) {
    throw UsageError(
        fmt::format("--resume: {}:{}: {} (accepted: a joblog written by parakit map exec; "
                    "nothing was changed)",
                    path, line, what));
  };
  Joblog log;
  std::size_t line_no = 0, pos = 0;
  // A graph run's header has its fingerprint as the second line: 16 lower-case hex digits.
  const std::string magic = std::string(kJoblogMagic) + '\n' + std::string(kJoblogGraphPrefix);
  if (text.compare(0, magic.size(), magic) == 0) {
    const std::size_t end = text.find('\n', magic.size());
    const std::string digits = text.substr(magic.size(), end == std::string::npos ? 0 : end - magic.size());
    if (digits.size() != 16 || digits.find_first_not_of("0123456789abcdef") != std::string::npos)
      fail(2, "the graph fingerprint " + parakit::quoted(digits) + " is not 16 hex digits");
    log.graph = digits;
  }
  const std::string header = joblog_header(log.graph);
  if (text.compare(0, header.size(), header) != 0) {
    const std::string first = text.substr(0, text.find('\n'));
    fail(1, first.empty() ? "empty file, no joblog header"
                          : "not a parakit joblog (the first lines are not '" + std::string(kJoblogMagic) +
                                "' and the column names)");
  }
  pos = header.size();
  line_no = log.graph.empty() ? 2 : 3;
  log.complete_bytes = pos;
  while (pos < text.size()) {
    ++line_no;
    const std::size_t newline = text.find('\n', pos);
    if (newline == std::string::npos) {
      log.torn_tail = true;  // a write cut short: the attempt counts as not done
      break;
    }
    const std::string_view line(text.data() + pos, newline - pos);
    pos = newline + 1;
    const auto f = split_tabs(line, kJoblogColumns.size());
    if (f.size() != kJoblogColumns.size()) {
      fail(line_no, fmt::format("{} fields where {} are expected", f.size(), kJoblogColumns.size()));
    }
    JoblogEntry e;
    if (!parse_number(f[0], e.task)) fail(line_no, "task " + parakit::quoted(f[0]) + " is not a number");
    if (!parse_number(f[1], e.rank) || !parse_number(f[2], e.thread) || !parse_number(f[4], e.start) ||
        !parse_number(f[5], e.duration_s) || !parse_number(f[6], e.exit_code) ||
        !parse_number(f[7], e.signal) || !parse_number(f[8], e.attempt)) {
      fail(line_no, "a number field does not parse");
    }
    e.host = std::string(f[3]);
    e.status = std::string(f[9]);
    if (e.status != "ok" && e.status != "failed" && e.status != "timeout" && e.status != "not-started" &&
        e.status != "skipped") {
      fail(line_no, "unknown status " + parakit::quoted(e.status));
    }
    e.command = std::string(f[10]);
    log.entries.push_back(std::move(e));
    log.complete_bytes = pos;
  }
  return log;
}

std::string journal_path(const std::string& joblog, int rank) {
  return joblog + ".rank" + std::to_string(rank);
}

std::vector<std::string> find_journals(const std::string& joblog) {
  namespace fs = std::filesystem;
  const fs::path path(joblog);
  const std::string prefix = path.filename().string() + ".rank";
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::vector<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
      found.push_back((path.has_parent_path() ? path.parent_path() / name : fs::path(name)).string());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

JoblogWriter::JoblogWriter(const std::string& path, std::uint64_t keep_bytes, bool fresh,
                           std::string_view graph)
    : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw UsageError("--joblog " + path + ": " + std::strerror(errno));
  if (::ftruncate(fd_, static_cast<off_t>(keep_bytes)) != 0 || ::lseek(fd_, 0, SEEK_END) < 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw UsageError("--joblog " + path + ": " + std::strerror(error));
  }
  if (fresh) write(joblog_header(graph));
}

JoblogWriter::~JoblogWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JoblogWriter::write(const std::string& line) {
  const std::lock_guard lock(mutex_);
  if (fd_ < 0) return;
  if (const int error = sys::write_all(fd_, line); error != 0) {
    throw Error("--joblog " + path_ + ": cannot write: " + std::strerror(error));
  }
}

void JoblogWriter::sync() {
  const std::lock_guard lock(mutex_);
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) {
    throw Error("--joblog " + path_ + ": cannot sync: " + std::strerror(errno));
  }
}

}  // namespace parakit::exec
