#include "parakit/mpi/watchdog.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <boost/mpi/collectives/all_gather.hpp>
#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <mpi.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/quote.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {
namespace {

// What the main thread tells the watchdog thread: relaxed atomics, written by progress() only.
struct Marks {
  std::atomic<bool> active{false};
  std::atomic<const char*> phase{"start"};
  std::atomic<std::uint64_t> count{0};
  std::atomic<double> since_s{0.0};    // when the current phase began
  std::atomic<double> longest_s{0.0};  // the longest phase completed on this rank
  std::atomic<bool> off{false};
  std::atomic<double> limit_s{0.0};  // 0: auto
};
Marks g_marks;

constexpr std::uint32_t kMagic = 0x7061726bU;  // "park"
constexpr std::size_t kPhaseChars = 40;

// One heartbeat, rank -> rank 0 or rank 0 -> rank (the hub's own state and the job's longest phase).
struct Beat {
  std::uint32_t magic;
  std::int32_t rank;
  std::uint64_t token;  // the job's, so that a stray datagram of another job is ignored
  std::uint64_t count;
  double longest_s;
  std::int32_t done;
  char phase[kPhaseChars];
};

double parse_seconds(const std::string& text, bool& ok) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  ok = ec == std::errc() && ptr == end && std::isfinite(value);
  return value;
}

}  // namespace

StallLimit parse_stall_limit(const std::string& text, const std::string& what) {
  if (text == "auto") return {};
  if (text == "off") return {.off = true, .seconds = 0.0};
  bool ok = false;
  const double seconds = parse_seconds(text, ok);
  if (!ok || seconds < 0.5 || seconds > 1e6) {
    throw UsageError(
        fmt::format("{}: {} is not a stall timeout (accepted: auto, off, or seconds from 0.5 to "
                    "1000000)",
                    what, parakit::quoted(text)));
  }
  return {.off = false, .seconds = seconds};
}

std::string describe_stall_limit(const StallLimit& limit) {
  if (limit.off) return "off";
  if (limit.seconds > 0) return fmt::format("{:g} s", limit.seconds);
  return fmt::format("auto ({:g} s, or {:g} x the longest phase)", kStallFloorS, kStallPhaseFactor);
}

void progress(const char* phase) noexcept {
  if (!g_marks.active.load(std::memory_order_relaxed)) return;
  const double now = sys::now_s();
  const double took = now - g_marks.since_s.load(std::memory_order_relaxed);
  if (took > g_marks.longest_s.load(std::memory_order_relaxed))
    g_marks.longest_s.store(took, std::memory_order_relaxed);
  g_marks.since_s.store(now, std::memory_order_relaxed);
  g_marks.phase.store(phase, std::memory_order_relaxed);
  g_marks.count.fetch_add(1, std::memory_order_release);
}

void set_stall_limit(const StallLimit& limit) {
  g_marks.off.store(limit.off, std::memory_order_relaxed);
  g_marks.limit_s.store(limit.seconds, std::memory_order_relaxed);
}

struct Watchdog::State {
  // What a watcher knows of another rank.
  struct Peer {
    double heard_s = 0.0;  // last heartbeat
    double moved_s = 0.0;  // last time its count changed
    std::uint64_t count = 0;
    double longest_s = 0.0;
    std::string phase = "start";
    bool done = false;
    bool known = false;  // rank 0: an address to answer to
    sockaddr_in address{};
  };

  std::string program;
  int rank = 0;
  int size = 1;
  std::uint64_t token = 0;
  int socket = -1;
  int wake[2] = {-1, -1};
  sockaddr_in hub{};             // rank 0's address (ranks other than 0)
  std::vector<std::string> who;  // per rank: "host H, pid P"
  std::vector<Peer> peers;       // rank 0: every rank; others: [0] is rank 0
  double next_beat_s = 0.0;
  std::thread thread;

  ~State() {
    if (socket >= 0) ::close(socket);
    for (int fd : wake)
      if (fd >= 0) ::close(fd);
  }

  double limit(double longest) const {
    const double set = g_marks.limit_s.load(std::memory_order_relaxed);
    if (set > 0) return set;
    return std::max(kStallFloorS, kStallPhaseFactor * longest);
  }

  double longest() const {
    double l = g_marks.longest_s.load(std::memory_order_relaxed);
    for (const Peer& p : peers)
      l = std::max(l, p.longest_s);
    return l;
  }

  Beat own_beat(bool done) const {
    Beat b{};
    b.magic = kMagic;
    b.rank = rank;
    b.token = token;
    b.count = g_marks.count.load(std::memory_order_acquire);
    b.longest_s = rank == 0 ? longest() : g_marks.longest_s.load(std::memory_order_relaxed);
    b.done = done ? 1 : 0;
    const char* phase = g_marks.phase.load(std::memory_order_relaxed);
    std::strncpy(b.phase, phase != nullptr ? phase : "?", kPhaseChars - 1);
    return b;
  }

  void send_to(const sockaddr_in& to, const Beat& b) const {
    // Best effort: a lost datagram is the next one's job.
    (void)::sendto(socket, &b, sizeof b, MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to),
                   sizeof to);
  }

  void send_beats(bool done) {
    const Beat b = own_beat(done);
    if (rank != 0) {
      send_to(hub, b);
      return;
    }
    for (int r = 1; r < size; ++r)
      if (peers[static_cast<std::size_t>(r)].known) send_to(peers[static_cast<std::size_t>(r)].address, b);
  }

  void receive(double now) {
    for (;;) {
      Beat b{};
      sockaddr_in from{};
      socklen_t length = sizeof from;
      const ssize_t got =
          ::recvfrom(socket, &b, sizeof b, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &length);
      if (got < 0) return;
      if (got != static_cast<ssize_t>(sizeof b) || b.magic != kMagic || b.token != token) continue;
      if (b.rank < 0 || b.rank >= size || b.rank == rank) continue;
      if (rank != 0 && b.rank != 0) continue;
      Peer& p = peers[rank == 0 ? static_cast<std::size_t>(b.rank) : 0];
      p.heard_s = now;
      if (b.count != p.count) p.moved_s = now;
      p.count = b.count;
      p.longest_s = b.longest_s;
      p.phase.assign(b.phase, strnlen(b.phase, kPhaseChars));
      p.done = p.done || b.done != 0;
      if (rank == 0 && !p.known) {
        p.known = true;
        p.address = from;
      }
    }
  }

  [[noreturn]] void stall(int who_rank, const std::string& why, const std::string& phase,
                          double limit_s) const {
    const StallLimit set{.off = false, .seconds = g_marks.limit_s.load(std::memory_order_relaxed)};
    const std::string line = fmt::format(
        "{}: error: rank {} ({}) stalled: {}; last seen in phase '{}' (--stall-timeout {}{}); ending the job "
        "(exit {})\n",
        program, who_rank, who[static_cast<std::size_t>(who_rank)], why, phase, describe_stall_limit(set),
        set.seconds > 0 ? "" : fmt::format(": {:.3g} s now", limit_s), static_cast<int>(kExitStalled));
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    // The MPI library ends every rank of the job, the stopped one included.
    MPI_Abort(MPI_COMM_WORLD, kExitStalled);
    ::_exit(kExitStalled);
  }

  void check(double now) {
    if (g_marks.off.load(std::memory_order_relaxed)) return;
    const double l = limit(longest());
    if (rank != 0) {
      const Peer& zero = peers[0];
      if (zero.done) return;
      // Rank 1 watches rank 0; the others wait a little longer, in case rank 1 went silent with it.
      const double mine = rank == 1 ? l : l + 5.0;
      if (now - zero.heard_s > mine) {
        stall(0, fmt::format("no heartbeat for {:.1f} s (stopped, or its node is gone)", now - zero.heard_s),
              zero.phase, l);
      }
      return;
    }
    const std::uint64_t own = g_marks.count.load(std::memory_order_acquire);
    std::uint64_t ahead = own;
    int leader = 0;
    for (int r = 1; r < size; ++r) {
      const Peer& p = peers[static_cast<std::size_t>(r)];
      if (!p.done && p.count > ahead) {
        ahead = p.count;
        leader = r;
      }
    }
    const auto went_on = [&](int r) {
      const char* phase = g_marks.phase.load(std::memory_order_relaxed);
      const std::string& where =
          leader == 0 ? std::string(phase) : peers[static_cast<std::size_t>(leader)].phase;
      return fmt::format("while rank {} went on to '{}'", leader == r ? 0 : leader, where);
    };
    for (int r = 1; r < size; ++r) {
      const Peer& p = peers[static_cast<std::size_t>(r)];
      if (p.done) continue;
      if (now - p.heard_s > l) {
        stall(r, fmt::format("no heartbeat for {:.1f} s (stopped, or its node is gone)", now - p.heard_s),
              p.phase, l);
      }
      if (p.count < ahead && now - p.moved_s > l) {
        stall(r, fmt::format("no progress for {:.1f} s {}", now - p.moved_s, went_on(r)), p.phase, l);
      }
    }
    const double since = g_marks.since_s.load(std::memory_order_relaxed);
    if (own < ahead && now - since > l) {
      stall(0, fmt::format("no progress for {:.1f} s {}", now - since, went_on(0)),
            g_marks.phase.load(std::memory_order_relaxed), l);
    }
  }

  void loop() {
    for (;;) {
      const double now = sys::now_s();
      if (now >= next_beat_s) {
        send_beats(false);
        next_beat_s = now + kHeartbeatS;
      }
      check(now);
      pollfd fds[2] = {{.fd = socket, .events = POLLIN, .revents = 0},
                       {.fd = wake[0], .events = POLLIN, .revents = 0}};
      const int wait_ms = static_cast<int>(std::clamp((next_beat_s - now) * 1e3, 1.0, 100.0));
      if (::poll(fds, 2, wait_ms) > 0) {
        if ((fds[1].revents & POLLIN) != 0) return;
        if ((fds[0].revents & POLLIN) != 0) receive(sys::now_s());
      }
    }
  }
};

namespace {

// This rank's socket, bound to any address and a port the system chooses; -1 when it cannot be had.
int open_socket(unsigned short& port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_ANY);
  any.sin_port = 0;
  socklen_t length = sizeof any;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&any), &length) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(any.sin_port);
  return fd;
}

// The IPv4 address of @p host (loopback when it is this host).
bool resolve(const std::string& host, const std::string& mine, unsigned short port, sockaddr_in& out) {
  out = {};
  out.sin_family = AF_INET;
  out.sin_port = htons(port);
  if (host == mine) {
    out.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return true;
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) return false;
  out.sin_addr = reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr;
  ::freeaddrinfo(found);
  return true;
}

}  // namespace

Watchdog::Watchdog(const boost::mpi::communicator& comm, const std::string& program) {
  if (const char* env = std::getenv("PARAKIT_STALL_TIMEOUT"); env != nullptr && *env != '\0') {
    set_stall_limit(parse_stall_limit(env, "PARAKIT_STALL_TIMEOUT"));
  }
  if (comm.size() == 1) return;
  auto s = std::make_unique<State>();
  s->program = program;
  s->rank = comm.rank();
  s->size = comm.size();
  unsigned short port = 0;
  s->socket = open_socket(port);
  bool ok = s->socket >= 0 && ::pipe2(s->wake, O_CLOEXEC) == 0;

  const std::string host = sys::hostname();
  std::vector<std::string> hosts;
  std::vector<long> pids;
  std::vector<int> ports;
  boost::mpi::all_gather(comm, host, hosts);
  boost::mpi::all_gather(comm, sys::pid(), pids);
  boost::mpi::all_gather(comm, static_cast<int>(port), ports);
  if (s->rank == 0)
    s->token = std::random_device{}() * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(sys::pid());
  boost::mpi::broadcast(comm, s->token, 0);
  if (s->rank != 0 && ok) ok = resolve(hosts[0], host, static_cast<unsigned short>(ports[0]), s->hub);
  bool all_ok = false;
  boost::mpi::all_reduce(comm, ok, all_ok, std::logical_and<bool>());
  if (!all_ok) {
    if (s->rank == 0) {
      const std::string line = program +
                               ": warning: the watchdog is off for this job: a rank could not open a "
                               "UDP socket or find rank 0's host '" +
                               hosts[0] + "'\n";
      (void)!::write(STDERR_FILENO, line.data(), line.size());
    }
    return;
  }
  for (int r = 0; r < s->size; ++r)
    s->who.push_back(fmt::format("host {}, pid {}", hosts[static_cast<std::size_t>(r)],
                                 pids[static_cast<std::size_t>(r)]));
  const double started_s = sys::now_s();
  s->peers.assign(s->rank == 0 ? static_cast<std::size_t>(s->size) : 1U,
                  State::Peer{.heard_s = started_s, .moved_s = started_s});
  g_marks.since_s.store(started_s, std::memory_order_relaxed);
  g_marks.active.store(true, std::memory_order_relaxed);
  s->next_beat_s = started_s;
  State* raw = s.get();
  s->thread = std::thread([raw] {
    // Named, so that `top -H`, a debugger or a test sees that this rank's watchdog is armed.
    ::pthread_setname_np(::pthread_self(), kThreadName);
    raw->loop();
  });
  state_ = std::move(s);
}

Watchdog::~Watchdog() {
  if (!state_ || !state_->thread.joinable()) return;
  g_marks.active.store(false, std::memory_order_relaxed);
  const char stop = 1;
  (void)!::write(state_->wake[1], &stop, 1);
  state_->thread.join();
  // Done: watch this rank no more (three times, in case a datagram is lost).
  for (int i = 0; i < 3; ++i)
    state_->send_beats(true);
}

}  // namespace parakit::mpi
