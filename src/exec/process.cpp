#include "parakit/exec/process.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
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

// Runs in the forked child, where only async-signal-safe calls are allowed. The child is the
// supervisor: it leads the task's process group, runs the task as its own child, and when the rank
// dies (PR_SET_PDEATHSIG sends SIGUSR1) it kills the whole group, itself included, so that no process
// of the task outlives its rank. Otherwise it ends as its task did: same exit code, same signal.
[[noreturn]] void supervise(pid_t parent, const sigset_t& signals, const sigset_t& task_mask,
                            const char* program, char* const* args, char* const* env, int in_fd, int out_fd,
                            int err_fd) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGUSR1);
  if (::getppid() != parent) ::_exit(127);  // the rank died before prctl
  ::signal(SIGCHLD, SIG_DFL);               // so that the task is ours to wait for, whatever the rank had
  ::signal(SIGPIPE, SIG_DFL);
  ::prctl(PR_SET_DUMPABLE, 0);  // a copy of the rank: it must not dump a core if its task crashed
  // The task's streams, and nothing else of the rank's (MPI's sockets, other tasks' pipes), are held
  // by the supervisor too, and passed on.
  if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
  ::close_range(3, ~0U, 0);
  // vfork: the supervisor is a copy of the rank, and copying it once more for every task halved the
  // rate of short tasks. The child only sets its own signal mask, then execs (which makes it
  // dumpable again) or _exits.
  const pid_t task = ::vfork();
  if (task < 0) ::_exit(127);
  if (task == 0) {
    ::sigprocmask(SIG_SETMASK, &task_mask, nullptr);
    ::execve(program, args, env);
    ::_exit(127);
  }
  for (;;) {
    const int sig = ::sigwaitinfo(&signals, nullptr);
    if (sig == SIGCHLD) {
      int status = 0;
      if (::waitpid(task, &status, WNOHANG) != task) continue;
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
    if (sig == SIGUSR1 || sig == SIGHUP || sig == SIGINT) ::kill(0, SIGKILL);
    // SIGTERM is the time limit: the task got it too; wait for it to end.
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

ProcessOutcome run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
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
  // Everything the children need is prepared before fork: after it, in a threaded process, only
  // async-signal-safe calls are allowed.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Our environment, with the caller's entries added or replacing ours.
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto same_name = [&](const std::string& extra) {
      const std::size_t eq = extra.find('=');
      return entry.size() > eq && entry.compare(0, eq + 1, extra, 0, eq + 1) == 0;
    };
    if (std::none_of(options.environment.begin(), options.environment.end(), same_name)) env.push_back(*e);
  }
  for (const std::string& extra : options.environment)
    env.push_back(const_cast<char*>(extra.c_str()));
  env.push_back(nullptr);
  const pid_t parent = ::getpid();
  const int in_fd = null_in.get(), out_fd = out.child_end.get(), err_fd = err.child_end.get();
  // The supervisor's signals are blocked from its first instruction on (it waits for them with
  // sigwaitinfo); this thread's mask is restored right after fork, and the task gets it back.
  sigset_t signals, task_mask;
  ::sigemptyset(&signals);
  for (const int sig : {SIGCHLD, SIGUSR1, SIGTERM, SIGHUP, SIGINT})
    ::sigaddset(&signals, sig);
  ::pthread_sigmask(SIG_BLOCK, &signals, &task_mask);

  pid_t pid = 0;
  {
    // Registered, with its group made here too, before anybody can interrupt.
    const std::lock_guard lock(running_mutex);
    pid = interrupted ? -2 : ::fork();
    if (pid == 0)
      supervise(parent, signals, task_mask, program.c_str(), args.data(), env.data(), in_fd, out_fd, err_fd);
    if (pid > 0) {
      ::setpgid(pid, pid);
      running.insert(pid);
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &task_mask, nullptr);
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

  const auto start = Clock::now();
  const bool limited = options.timeout_s > 0.0;
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(limited ? options.timeout_s : 0.0));
  bool timed_out = false, exited = false, lost = false;
  Clock::time_point kill_at{};
  int wait_status = 0;
  // Never blocks. Under the registry's lock, so that an interrupt cannot aim at a group id just freed.
  const auto reap = [&] {
    const std::lock_guard lock(running_mutex);
    const pid_t done = ::waitpid(pid, &wait_status, WNOHANG);
    if (done == pid) {
      exited = true;
    } else if (done < 0 && errno != EINTR) {
      exited = lost = true;  // not ours to wait for any more (SIGCHLD ignored?): give up on it
    }
    if (exited) running.erase(pid);
  };
  // Readable when the supervisor has ended: poll() then wakes for output and for the end alike.
  // (Without pidfd_open, Linux < 5.3, the loop looks every 10 ms.)
  const Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  char buffer[65536];
  for (;;) {
    pollfd fds[3];
    nfds_t n = 0;
    Sink* sinks[2];
    for (Sink* s : {&out, &err}) {
      if (s->read_end.get() >= 0) {
        fds[n] = {s->read_end.get(), POLLIN, 0};
        sinks[n++] = s;
      }
    }
    const nfds_t pipes = n;
    if (!exited) reap();
    if (exited && pipes == 0) break;
    if (!exited && pidfd.get() >= 0) fds[n++] = {pidfd.get(), POLLIN, 0};
    long long wait_ms = exited ? 0 : pidfd.get() >= 0 ? -1 : 10;  // once it ended, only drain the pipes
    if (limited && !exited) {
      const auto until = timed_out ? kill_at : deadline;
      const long long left =
          until == Clock::time_point{}
              ? 10
              : std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count() + 1;
      wait_ms = wait_ms < 0 ? std::max(0LL, left) : std::clamp(left, 0LL, wait_ms);
    }
    {
      const int ready = ::poll(fds, n, static_cast<int>(std::min<long long>(wait_ms, 1 << 30)));
      if (ready < 0 && errno != EINTR) {  // cannot watch the pipes: end the task rather than hang
        kill_group(pid, SIGKILL);
        for (Sink* s : {&out, &err})
          s->read_end.reset();
        while (!exited) {
          reap();
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        lost = true;
        break;
      }
      for (nfds_t i = 0; i < pipes && ready > 0; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
        if (got > 0) {
          sinks[i]->text->append(buffer, static_cast<std::size_t>(got));
        } else if (got == 0 || errno != EINTR) {
          sinks[i]->read_end.reset();
        }
      }
    }
    if (!exited) reap();
    if (exited) {
      // The child is gone; whatever is still in the pipes is read, then we stop waiting for others
      // that may have inherited them.
      for (Sink* s : {&out, &err}) {
        if (s->read_end.get() < 0) continue;
        ::fcntl(s->read_end.get(), F_SETFL, O_NONBLOCK);
        for (ssize_t got; (got = ::read(s->read_end.get(), buffer, sizeof buffer)) > 0;)
          s->text->append(buffer, static_cast<std::size_t>(got));
        s->read_end.reset();
      }
    }
    if (limited && !exited) {
      const auto t = Clock::now();
      if (!timed_out && t >= deadline) {
        timed_out = true;
        kill_group(pid, SIGTERM);
        kill_at = t + std::chrono::seconds(1);
      } else if (timed_out && kill_at != Clock::time_point{} && t >= kill_at) {
        kill_group(pid, SIGKILL);
        kill_at = {};
      }
    }
  }
  // Leave nothing of a timed-out group behind. The group id cannot have been reused: Linux keeps a
  // pid while any process is in the group it names.
  if (timed_out) kill_group(pid, SIGKILL);
  if (lost) {
    outcome.status = Status::kFailed;
    outcome.err += "parakit: lost track of the command's process\n";
    return outcome;
  }
  if (WIFEXITED(wait_status)) {
    outcome.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    outcome.signal = WTERMSIG(wait_status);
    outcome.exit_code = 128 + outcome.signal;
  }
  outcome.status = timed_out ? Status::kTimedOut : outcome.exit_code == 0 ? Status::kOk : Status::kFailed;
  return outcome;
}

ProcessOutcome run_shell(const std::string& command, const ProcessOptions& options) {
  return run_process({"/bin/sh", "-c", command}, options);
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

}  // namespace parakit::exec
