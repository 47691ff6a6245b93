// parakit: hybrid MPI + OpenMP computations, measured. This file only dispatches to a command.

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "parakit/error.hpp"
#include "parakit/mpi/environment.hpp"
#include "parakit/quote.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/version.hpp"

#include "commands.hpp"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const boost::mpi::communicator&, const std::vector<std::string>&,
             const std::vector<std::string>&);
};

constexpr Command kCommands[] = {
    {"pi", "Monte Carlo estimate of pi, split over ranks and threads", parakit::cli::run_pi},
    {"heat",
     "2D heat stencil over a grid of ranks: halos by messages or shared memory, the field as a picture",
     parakit::cli::run_heat},
    {"map", "task farm: 'map pi' tasks or 'map exec' shell commands over ranks x threads",
     parakit::cli::run_map},
    {"stats",
     "describe() of one column of a CSV, binary or HDF5 file: rank 0 reads and scatters, or all read",
     parakit::cli::run_stats},
    {"gen", "write a synthetic data set (CSV, binary, HDF5) of any size, the same for every layout",
     parakit::cli::run_gen},
    {"info", "where every rank and thread runs, on what machine (hwloc), with which MPI and OpenMP",
     parakit::cli::run_info},
    {"empty", "start and stop MPI and OpenMP, nothing else: timed from outside, the fixed cost of a launch",
     parakit::cli::run_empty},
};

// Studies start parakit themselves with mpirun or srun, so they must not be MPI processes: they run
// before (and without) MPI_Init.
struct Study {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>&, const std::vector<std::string>&);
};

constexpr Study kStudies[] = {
    {"compare", "every ranks x threads layout of C cores side by side (started directly, not under mpirun)",
     parakit::cli::run_compare},
    {"scale", "strong or weak scaling over core counts, with Amdahl/Gustafson fits and plots",
     parakit::cli::run_scale},
};

void print_usage(std::ostream& out) {
  out << "Usage: mpirun -n P parakit COMMAND [options]   (parakit COMMAND --help for its "
         "options)\n\nCommands:\n";
  for (const auto& c : kCommands)
    out << "  " << std::left << std::setw(9) << c.name << c.summary << "\n";
  out << "\nStudies (run them directly: they launch parakit with mpirun, or srun under Slurm):\n";
  for (const auto& s : kStudies)
    out << "  " << std::left << std::setw(9) << s.name << s.summary << "\n";
  out << "\nparakit --version prints the version and the git commit it was built from.\n";
}

// A study's errors: one line, printed once even when someone started it under mpirun anyway (the other
// processes, whose rank is not 0, stay silent); the exit codes of guarded_main.
int run_study(const Study& study, const std::vector<std::string>& all) {
  bool is_root = true;
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}) {
    if (const char* rank = std::getenv(name); rank != nullptr && std::atoi(rank) != 0) is_root = false;
  }
  const auto fail = [&](const char* what, int code) {
    if (is_root) std::cerr << "parakit: error: " << what << "\n" << std::flush;
    return code;
  };
  try {
    parakit::study::refuse_inside_mpi_job();
    return study.run({all.begin() + 2, all.end()}, all);
  } catch (const parakit::UsageError& e) {
    return fail(e.what(), parakit::kExitUsage);
  } catch (const parakit::WrongAnswer& e) {
    return fail(e.what(), parakit::kExitWrongAnswer);
  } catch (const std::exception& e) {
    return fail(e.what(), parakit::kExitRuntime);
  }
}

// What went to standard output must have arrived: a report lost to a full disk, /dev/full or a closed
// file is a failure (exit 1, one line), not a success.
int with_stdout_written(int code) {
  errno = 0;
  std::cout.flush();
  if (std::cout.good() && std::fflush(stdout) == 0 && std::ferror(stdout) == 0) return code;
  const int error = errno;
  std::cerr << "parakit: error: cannot write to standard output"
            << (error != 0 ? std::string(": ") + std::strerror(error) : std::string()) << "\n"
            << std::flush;
  return code == parakit::kExitOk ? parakit::kExitRuntime : code;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> all(argv, argv + argc);
  for (const auto& s : kStudies) {
    if (all.size() > 1 && all[1] == s.name) return with_stdout_written(run_study(s, all));
  }
  return with_stdout_written(
      parakit::mpi::guarded_main(argc, argv, "parakit", [&](const boost::mpi::communicator& comm) {
        const bool is_root = comm.rank() == 0;
        std::string names;
        for (const auto& c : kCommands)
          names += (names.empty() ? "" : ", ") + std::string(c.name);
        for (const auto& c : kStudies)
          names += ", " + std::string(c.name);
        if (all.size() < 2) {
          throw parakit::UsageError("no command given (accepted: " + names + "; see 'parakit --help')");
        }
        if (all[1] == "--help" || all[1] == "-h" || all[1] == "help") {
          if (is_root) print_usage(std::cout);
          return int{parakit::kExitOk};
        }
        if (all[1] == "--version") {
          const auto& b = parakit::build_info();
          if (is_root)
            std::cout << "parakit " << b.version << " (" << b.git_commit << ", " << b.build_type << ")\n";
          return int{parakit::kExitOk};
        }
        for (const auto& c : kCommands) {
          if (all[1] == c.name) return c.run(comm, {all.begin() + 2, all.end()}, all);
        }
        throw parakit::UsageError("unknown command " + parakit::quoted(all[1]) + " (accepted: " + names +
                                  "; see 'parakit --help')");
      }));
}
