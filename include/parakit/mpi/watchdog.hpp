#pragma once
/// @file
/// @brief The watchdog: no rank may hang a job. Every rank marks its progress at phase boundaries
/// (mpi::progress) and a thread of its own sends a heartbeat to rank 0 several times a second (UDP, no
/// MPI: the MPI library only grants MPI_THREAD_FUNNELED); rank 0 answers, so that rank 1 watches rank 0.
/// A rank is stalled when
/// - its heartbeat has stopped for longer than the limit (SIGSTOPped, its node gone silent), or
/// - it has made no progress for longer than the limit while another rank went past it (deadlocked,
///   stuck in a system call).
/// The rank that sees it prints one line (the stalled rank, its host and pid, how long, the phase it was
/// last seen in) and ends the job: exit code kExitStalled (6).

#include <memory>
#include <string>

#include <boost/mpi/communicator.hpp>

namespace parakit::mpi {

/// @brief How long a rank may make no progress: `--stall-timeout` (auto, off or seconds), also
/// PARAKIT_STALL_TIMEOUT for programs built on parakit's library.
struct StallLimit {
  bool off = false;
  double seconds =
      0.0;  ///< 0: auto (kStallFloorS or kStallPhaseFactor x the longest phase, whichever is more)
};

/// The auto limit is never below this many seconds ...
inline constexpr double kStallFloorS = 30.0;
/// ... and is this many times the longest phase any rank has completed so far.
inline constexpr double kStallPhaseFactor = 10.0;
/// Seconds between two heartbeats.
inline constexpr double kHeartbeatS = 0.2;
/// The name of a rank's watchdog thread (/proc/PID/task/TID/comm) once it is armed.
inline constexpr char kThreadName[] = "parakit-watch";

/// @brief Parses `auto`, `off` or a number of seconds (0.5 to 10^6).
/// @throws parakit::UsageError naming @p what and what is accepted.
StallLimit parse_stall_limit(const std::string& text, const std::string& what);

/// @brief The limit in force for this job, in words: "auto (30 s, or 10 x the longest phase)", "off", "5 s".
std::string describe_stall_limit(const StallLimit& limit);

/// @brief Marks the start of @p phase (a string literal) on this rank. Call it at the same points on
/// every rank (collective boundaries), never from inside a loop that only some ranks run. Cheap (a few
/// relaxed atomic stores); does nothing when no watchdog runs.
void progress(const char* phase) noexcept;

/// @brief Sets the limit (every rank alike: they parse the same options). Until then the limit is the
/// one PARAKIT_STALL_TIMEOUT gives, else auto.
void set_stall_limit(const StallLimit& limit);

/// @brief The watchdog of one job, started by guarded_main. Its construction is collective: every rank of
/// @p comm makes one; its destruction tells the others this rank is done. With one rank, or when a rank
/// cannot open its socket or reach rank 0's host, it does nothing (the job runs unwatched and rank 0 says so
/// on stderr).
class Watchdog {
 public:
  Watchdog(const boost::mpi::communicator& comm, const std::string& program);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace parakit::mpi
