#include "parakit/exec/process.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <new>
#include <set>
#include <string_view>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace parakit::exec {
namespace {

using Clock = std::chrono::steady_clock;

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }
  [[nodiscard]] int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string system_error(const std::string& what) {
  std::string text = what;
  text += ": ";
  text += std::strerror(errno);
  return text;
}

// The child's end of one output stream: a pipe we read, or a file opened for it.
struct Sink {
  Fd read_end;   // ours, when capturing
  Fd child_end;  // the child's
  std::string* text = nullptr;
};

bool open_sink(const std::string& path, std::string* text, Sink& sink, std::string& error) {
  sink.text = text;
  if (!path.empty()) {
    sink.child_end.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (sink.child_end.get() < 0) {
      error = system_error(std::string("cannot open ").append(path));
      return false;
    }
    return true;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error = system_error("pipe");
    return false;
  }
  sink.read_end.reset(fds[0]);
  sink.child_end.reset(fds[1]);
  return true;
}

void kill_group(pid_t pid, int sig) {
  ::kill(-pid, sig);
}

}  // namespace

std::string_view status_name(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kFailed:
      return "failed";
    case Status::kTimedOut:
      return "timeout";
    case Status::kNotStarted:
      return "not-started";
  }
  return "unknown";
}

namespace {

// The supervisors of the commands running now, so that an interrupted farm can end them.
std::mutex running_mutex;
std::set<pid_t> running;
bool interrupted = false;  // kill_running_processes was called: start nothing new

// What the supervisor needs, all prepared before fork: after it, in a threaded process, only
// async-signal-safe calls are allowed (no allocation, no formatting library).
struct Supervision {
  pid_t parent = 0;
  sigset_t signals{}, task_mask{};
  const char* program = nullptr;
  char* const* args = nullptr;
  char* const* env = nullptr;
  int in_fd = -1, out_fd = -1, err_fd = -1;
  // The end line (EndLine): its texts, a buffer with room for the whole line, the shared flag that
  // tells the caller it was written, and the start of the command (CLOCK_MONOTONIC) for its duration.
  int log_fd = -1;
  std::string_view head, middle, tail;
  char* line = nullptr;
  std::atomic<int>* written = nullptr;
  timespec start{};
};

// Async-signal-safe text building: @p text, or the decimal digits of @p value, at @p at; the end.
char* put(char* at, std::string_view text) {
  for (const char ch : text)
    *at++ = ch;
  return at;
}
char* put(char* at, long long value) {
  if (value < 0) {
    *at++ = '-';
    value = -value;
  }
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (n > 0)
    *at++ = digits[--n];
  return at;
}

// In the supervisor: writes the end line of a task that ended with @p status, as format_joblog_line
// would (duration in seconds with 3 decimals, exit code and signal as run_process reports them, status
// as status_name names it), with one write(2). Async-signal-safe.
void write_end_line(const Supervision& s, int status, bool timed_out) {
  if (s.log_fd < 0) return;
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const long long ms =
      ((now.tv_sec - s.start.tv_sec) * 1000000000LL + (now.tv_nsec - s.start.tv_nsec) + 500000) / 1000000;
  const int killer = WIFEXITED(status) ? 0 : WTERMSIG(status);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + killer;
  char* at = put(s.line, s.head);
  at = put(at, ms / 1000);
  *at++ = '.';
  for (long long unit = 100, rest = ms % 1000; unit > 0; rest %= unit, unit /= 10)
    *at++ = static_cast<char>('0' + rest / unit);
  at = put(put(put(put(at, "\t"), static_cast<long long>(code)), "\t"), static_cast<long long>(killer));
  at = put(put(at, "\t"), s.middle);
  at = put(at, timed_out ? "timeout" : code == 0 ? "ok" : "failed");
  at = put(at, s.tail);
  const auto size = static_cast<ssize_t>(at - s.line);
  if (::write(s.log_fd, s.line, static_cast<std::size_t>(size)) == size) s.written->store(1);
}

// Runs in the forked child, where only async-signal-safe calls are allowed. The child is the
// supervisor: it leads the task's process group, runs the task as its own child, and when the rank
// dies (PR_SET_PDEATHSIG sends SIGUSR1) it kills the whole group, itself included, so that no process
// of the task outlives its rank. Otherwise it ends as its task did: same exit code, same signal.
// Linux sends the parent-death signal when the *thread* that forked dies, not the process: the
// thread that calls run_process waits in it until the supervisor has ended, so it outlives it (the
// farm's workers are such threads). The task itself gets SIGKILL as its parent-death signal: a
// supervisor killed from outside takes its task's own process along, and the rank, which sees the
// supervisor end by a signal, kills the rest of the group (Watch::reap).
// The end line is written the moment the task has been reaped, before the supervisor ends (and so
// before the rank can know or report the end), and also when the rank dies after the task has ended:
// a task that ended is logged whoever dies.
[[noreturn]] void supervise(const Supervision& s) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGUSR1);
  if (::getppid() != s.parent) ::_exit(127);  // the rank died before prctl
  ::signal(SIGCHLD, SIG_DFL);                 // so that the task is ours to wait for, whatever the rank had
  ::signal(SIGPIPE, SIG_DFL);
  ::prctl(PR_SET_DUMPABLE, 0);  // a copy of the rank: it must not dump a core if its task crashed
  // The task's streams, and nothing else of the rank's (MPI's sockets, other tasks' pipes), are held
  // by the supervisor too, and passed on; the log only by the supervisor (close-on-exec).
  const int log_fd = s.log_fd < 0 ? -1 : ::fcntl(s.log_fd, F_DUPFD_CLOEXEC, 3);
  if (s.log_fd >= 0 && log_fd < 0) ::_exit(127);
  if (::dup2(s.in_fd, 0) < 0 || ::dup2(s.out_fd, 1) < 0 || ::dup2(s.err_fd, 2) < 0) ::_exit(127);
  if (log_fd < 0) {
    ::close_range(3, ~0U, 0);
  } else {
    if (log_fd > 3) ::close_range(3, static_cast<unsigned>(log_fd) - 1, 0);
    ::close_range(static_cast<unsigned>(log_fd) + 1, ~0U, 0);
  }
  Supervision mine = s;
  mine.log_fd = log_fd;
  // vfork: the supervisor is a copy of the rank, and copying it once more for every task halved the
  // rate of short tasks. The child only sets its own signal mask, then execs (which makes it
  // dumpable again) or _exits.
  const pid_t self = ::getpid();
  const pid_t task = ::vfork();
  if (task < 0) ::_exit(127);
  if (task == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);     // kept across execve (not for set-user-ID programs)
    if (::getppid() != self) ::_exit(127);  // the supervisor died before prctl
    ::sigprocmask(SIG_SETMASK, &s.task_mask, nullptr);
    ::execve(s.program, s.args, s.env);
    ::_exit(127);
  }
  bool timed_out = false;
  for (;;) {
    const int sig = ::sigwaitinfo(&s.signals, nullptr);
    int status = 0;
    if (sig == SIGCHLD) {
      if (::waitpid(task, &status, WNOHANG) != task) continue;
      write_end_line(mine, status, timed_out);
      if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
      const int killer = WTERMSIG(status);
      ::signal(killer, SIG_DFL);
      sigset_t one;
      ::sigemptyset(&one);
      ::sigaddset(&one, killer);
      ::sigprocmask(SIG_UNBLOCK, &one, nullptr);
      ::kill(::getpid(), killer);
      ::_exit(128 + killer);
    }
    if (sig == SIGUSR1 || sig == SIGHUP || sig == SIGINT) {
      // Nobody else will log a task that has ended now (SIGUSR1: the rank is gone).
      if (::waitpid(task, &status, WNOHANG) == task) write_end_line(mine, status, timed_out);
      ::kill(0, SIGKILL);
    }
    // SIGTERM is the time limit (the rank's, Watch::enforce_deadline): the task got it too; wait for it.
    if (sig == SIGTERM) timed_out = true;
  }
}

// The program's path: as given when it has a '/', else found in PATH ("" if nowhere).
std::string resolve(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
  while (true) {
    const std::size_t colon = rest.find(':');
    std::string candidate(rest.substr(0, colon));
    if (candidate.empty()) candidate.push_back('.');
    candidate += '/';
    candidate += name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (colon == std::string_view::npos) return "";
    rest.remove_prefix(colon + 1);
  }
}

}  // namespace

void kill_running_processes() {
  const std::lock_guard lock(running_mutex);
  interrupted = true;
  for (const pid_t pid : running)
    ::kill(-pid, SIGKILL);
}

namespace {

// What the child needs, prepared before fork: after it, in a threaded process, only async-signal-safe
// calls are allowed. The pointers point into the caller's strings.
struct ChildImage {
  std::vector<char*> args;
  std::vector<char*> env;  // our environment, with the caller's entries added or replacing ours
};

ChildImage child_image(const std::vector<std::string>& argv, const std::vector<std::string>& environment) {
  ChildImage image;
  image.args.reserve(argv.size() + 1);
  for (const std::string& a : argv)
    image.args.push_back(const_cast<char*>(a.c_str()));
  image.args.push_back(nullptr);
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto same_name = [&](const std::string& extra) {
      const std::size_t eq = extra.find('=');
      return entry.size() > eq && entry.compare(0, eq + 1, extra, 0, eq + 1) == 0;
    };
    if (std::none_of(environment.begin(), environment.end(), same_name)) image.env.push_back(*e);
  }
  for (const std::string& extra : environment)
    image.env.push_back(const_cast<char*>(extra.c_str()));
  image.env.push_back(nullptr);
  return image;
}

// Forks the supervisor @p s describes (its parent, masks and start filled in here) and registers it;
// returns its pid, -1 when fork failed, -2 when the run is being stopped (kill_running_processes) and
// nothing may start.
pid_t start_supervisor(Supervision& s) {
  s.parent = ::getpid();
  // The supervisor's signals are blocked from its first instruction on (it waits for them with
  // sigwaitinfo); this thread's mask is restored right after fork, and the task gets it back.
  ::sigemptyset(&s.signals);
  for (const int sig : {SIGCHLD, SIGUSR1, SIGTERM, SIGHUP, SIGINT})
    ::sigaddset(&s.signals, sig);
  ::pthread_sigmask(SIG_BLOCK, &s.signals, &s.task_mask);
  ::clock_gettime(CLOCK_MONOTONIC, &s.start);
  pid_t pid = 0;
  {
    // Registered, with its group made here too, before anybody can interrupt.
    const std::lock_guard lock(running_mutex);
    pid = interrupted ? -2 : ::fork();
    if (pid == 0) supervise(s);
    if (pid > 0) {
      ::setpgid(pid, pid);
      running.insert(pid);
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &s.task_mask, nullptr);
  return pid;
}

// A flag in memory shared with the supervisor (which sets it once it has written the end line), or
// none without an end line.
class SharedFlag {
 public:
  explicit SharedFlag(bool wanted) {
    if (!wanted) return;
    void* page =
        ::mmap(nullptr, sizeof(std::atomic<int>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page != MAP_FAILED) flag_ = new (page) std::atomic<int>(0);
  }
  SharedFlag(const SharedFlag&) = delete;
  SharedFlag& operator=(const SharedFlag&) = delete;
  ~SharedFlag() {
    if (flag_ != nullptr) ::munmap(flag_, sizeof(std::atomic<int>));
  }
  [[nodiscard]] std::atomic<int>* get() const { return flag_; }

 private:
  std::atomic<int>* flag_ = nullptr;
};

// Watches a started supervisor: reads the task's output into the sinks until it has ended and the pipes
// are drained, sends SIGTERM at the time limit and SIGKILL a second later.
class Watch {
 public:
  Watch(pid_t pid, Sink& out, Sink& err, double timeout_s)
      : pid_(pid),
        out_(out),
        err_(err),
        limited_(timeout_s > 0.0),
        deadline_(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(limited_ ? timeout_s : 0.0))),
        // Readable when the supervisor has ended: poll() then wakes for output and for the end alike.
        // (Without pidfd_open, Linux < 5.3, the loop looks every 10 ms.)
        pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))) {}

  // Runs until the task has ended; then its wait status, whether it timed out, and whether it was lost.
  void run() {
    for (;;) {
      if (!exited_) reap();
      if (exited_ && out_.read_end.get() < 0 && err_.read_end.get() < 0) break;
      if (!poll_once()) break;
      if (!exited_) reap();
      if (exited_) drain();
      if (limited_ && !exited_) enforce_deadline();
    }
    // Leave nothing of a timed-out group behind. The group id cannot have been reused: Linux keeps a
    // pid while any process is in the group it names.
    if (timed_out_) kill_group(pid_, SIGKILL);
  }

  [[nodiscard]] int wait_status() const { return wait_status_; }
  [[nodiscard]] bool timed_out() const { return timed_out_; }
  [[nodiscard]] bool lost() const { return lost_; }

 private:
  // Never blocks. Under the registry's lock, so that an interrupt cannot aim at a group id just freed.
  // A supervisor that a signal ended (killed from outside, or passing on its task's death by a signal)
  // may leave processes of the task in its group, with nobody to end them: they are killed while the
  // supervisor is a zombie not yet reaped, whose pid no new group can take.
  void reap() {
    const std::lock_guard lock(running_mutex);
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno != EINTR) {
        exited_ = lost_ = true;  // not ours to wait for any more (SIGCHLD ignored?): give up on it
        running.erase(pid_);
      }
      return;
    }
    if (info.si_pid != pid_) return;  // still running
    if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) kill_group(pid_, SIGKILL);
    pid_t done = 0;
    while ((done = ::waitpid(pid_, &wait_status_, 0)) < 0 && errno == EINTR) {
    }
    lost_ = done != pid_;  // a zombie: waitpid returns at once
    exited_ = true;
    running.erase(pid_);
  }

  // How long poll may wait: until output or the end (forever with a pidfd), or the next limit.
  long long wait_ms() const {
    long long ms = exited_ ? 0 : pidfd_.get() >= 0 ? -1 : 10;  // once it ended, only drain the pipes
    if (limited_ && !exited_) {
      const auto until = timed_out_ ? kill_at_ : deadline_;
      const long long left =
          until == Clock::time_point{}
              ? 10
              : std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count() + 1;
      ms = ms < 0 ? std::max(0LL, left) : std::clamp(left, 0LL, ms);
    }
    return ms;
  }

  // One poll of the pipes (and the pidfd), reading what arrived. False when the pipes cannot be watched:
  // the task is then killed and reaped rather than left to hang us.
  bool poll_once() {
    pollfd fds[3];
    nfds_t n = 0;
    Sink* sinks[2];
    for (Sink* s : {&out_, &err_}) {
      if (s->read_end.get() >= 0) {
        fds[n] = {s->read_end.get(), POLLIN, 0};
        sinks[n++] = s;
      }
    }
    const nfds_t pipes = n;
    if (!exited_ && pidfd_.get() >= 0) fds[n++] = {pidfd_.get(), POLLIN, 0};
    const int ready = ::poll(fds, n, static_cast<int>(std::min<long long>(wait_ms(), 1 << 30)));
    if (ready < 0 && errno != EINTR) {
      kill_group(pid_, SIGKILL);
      for (Sink* s : {&out_, &err_})
        s->read_end.reset();
      while (!exited_) {
        reap();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      lost_ = true;
      return false;
    }
    for (nfds_t i = 0; i < pipes && ready > 0; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buffer_, sizeof buffer_);
      if (got > 0) {
        sinks[i]->text->append(buffer_, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        sinks[i]->read_end.reset();
      }
    }
    return true;
  }

  // The child is gone; whatever is still in the pipes is read, then we stop waiting for others that may
  // have inherited them.
  void drain() {
    for (Sink* s : {&out_, &err_}) {
      if (s->read_end.get() < 0) continue;
      ::fcntl(s->read_end.get(), F_SETFL, O_NONBLOCK);
      for (ssize_t got; (got = ::read(s->read_end.get(), buffer_, sizeof buffer_)) > 0;)
        s->text->append(buffer_, static_cast<std::size_t>(got));
      s->read_end.reset();
    }
  }

  void enforce_deadline() {
    const auto t = Clock::now();
    if (!timed_out_ && t >= deadline_) {
      timed_out_ = true;
      kill_group(pid_, SIGTERM);
      kill_at_ = t + std::chrono::seconds(1);
    } else if (timed_out_ && kill_at_ != Clock::time_point{} && t >= kill_at_) {
      kill_group(pid_, SIGKILL);
      kill_at_ = {};
    }
  }

  pid_t pid_;
  Sink& out_;
  Sink& err_;
  bool limited_;
  Clock::time_point deadline_;
  Clock::time_point kill_at_{};
  Fd pidfd_;
  bool timed_out_ = false, exited_ = false, lost_ = false;
  int wait_status_ = 0;
  char buffer_[65536];
};

}  // namespace

ProcessOutcome run_process(const std::vector<std::string>& argv, const ProcessOptions& options,
                           const EndLine& end_line) {
  ProcessOutcome outcome;
  if (argv.empty()) {
    outcome.err = "no program given";
    return outcome;
  }
  const std::string program = resolve(argv[0]);
  if (program.empty()) {
    outcome.exit_code = 127;
    outcome.err = argv[0] + ": command not found";
    return outcome;
  }
  Fd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  Sink out, err;
  if (null_in.get() < 0) {
    outcome.err = system_error("cannot open /dev/null");
    return outcome;
  }
  if (!open_sink(options.stdout_path, &outcome.out, out, outcome.err) ||
      !open_sink(options.stderr_path, &outcome.err, err, outcome.err)) {
    return outcome;
  }
  ChildImage image = child_image(argv, options.environment);
  Supervision s;
  s.program = program.c_str();
  s.args = image.args.data();
  s.env = image.env.data();
  s.in_fd = null_in.get();
  s.out_fd = out.child_end.get();
  s.err_fd = err.child_end.get();
  const SharedFlag written(end_line.fd >= 0);
  std::string line;
  if (end_line.fd >= 0 && written.get() != nullptr) {
    // Room for the texts, the duration, two numbers and the longest status.
    line.resize(end_line.head.size() + end_line.middle.size() + end_line.tail.size() + 96);
    s.log_fd = end_line.fd;
    s.head = end_line.head;
    s.middle = end_line.middle;
    s.tail = end_line.tail;
    s.line = line.data();
    s.written = written.get();
  }
  const pid_t pid = start_supervisor(s);
  if (pid == -2) {
    outcome.err = "not started: the run is being stopped\n";
    return outcome;
  }
  if (pid < 0) {
    outcome.err = system_error("fork");
    return outcome;
  }
  null_in.reset();
  out.child_end.reset();
  err.child_end.reset();

  Watch watch(pid, out, err, options.timeout_s);
  watch.run();
  outcome.line_written = written.get() != nullptr && written.get()->load() == 1;
  if (watch.lost()) {
    outcome.status = Status::kFailed;
    outcome.err += "parakit: lost track of the command's process\n";
    return outcome;
  }
  const int wait_status = watch.wait_status();
  if (WIFEXITED(wait_status)) {
    outcome.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    outcome.signal = WTERMSIG(wait_status);
    outcome.exit_code = 128 + outcome.signal;
  }
  outcome.status = watch.timed_out()        ? Status::kTimedOut
                   : outcome.exit_code == 0 ? Status::kOk
                                            : Status::kFailed;
  return outcome;
}

ProcessOutcome run_shell(const std::string& command, const ProcessOptions& options, const EndLine& end_line) {
  return run_process({"/bin/sh", "-c", command}, options, end_line);
}

std::string shell_quote(std::string_view text) {
  const auto safe = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) != 0 || std::strchr("@%+=:,./-_", ch) != nullptr;
  };
  if (!text.empty() && std::all_of(text.begin(), text.end(), safe)) return std::string(text);
  std::string quoted = "'";
  for (const char ch : text) {
    if (ch == '\'') {
      quoted += "'\\''";
    } else {
      quoted += ch;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string expand_command(const std::vector<std::string>& words, std::string_view task) {
  const std::string quoted = shell_quote(task);
  std::string command;
  bool replaced = false;
  for (const std::string& word : words) {
    if (!command.empty()) command += ' ';
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (word.compare(i, 2, "{}") == 0) {
        command += quoted;
        replaced = true;
        ++i;
      } else {
        command += word[i];
      }
    }
  }
  if (!replaced) {
    if (!command.empty()) command += ' ';
    command += quoted;
  }
  return command;
}

bool find_executable(const std::string& name) {
  return !name.empty() && ::access(resolve(name).c_str(), X_OK) == 0;
}

std::string resolve_executable(const std::string& name) {
  return find_executable(name) ? resolve(name) : std::string();
}

}  // namespace parakit::exec
