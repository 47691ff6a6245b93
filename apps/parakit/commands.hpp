#pragma once
// The subcommands of the driver. Each parses its options, makes one mpi:: call and prints a record.

#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>

namespace parakit::cli {

/// `parakit pi`: Monte Carlo estimate of pi. @p args are the arguments after the command name,
/// @p argv the whole command line (recorded in the report). Returns the exit code.
int run_pi(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
           const std::vector<std::string>& argv);

/// `parakit heat`: the five-point heat stencil on a 2D grid over a Cartesian grid of ranks, halos exchanged
/// by messages or a shared-memory window; the final field, its picture and frames written on request.
int run_heat(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
             const std::vector<std::string>& argv);

/// `parakit map pi|exec`: a task farm over ranks x threads. Returns the exit code (for exec: the
/// number of failed tasks, at most 101).
int run_map(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
            const std::vector<std::string>& argv);

/// `parakit info`: where every rank and thread runs, on what machine, with which MPI and OpenMP.
int run_info(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
             const std::vector<std::string>& argv);

/// `parakit empty`: MPI and an OpenMP team start and stop, nothing else (the fixed cost of a launch).
int run_empty(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
              const std::vector<std::string>& argv);

/// `parakit stats FILE`: count, mean, std, quantiles and a histogram of one column (CSV, binary, HDF5),
/// read by rank 0 and scattered or read in parallel.
int run_stats(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
              const std::vector<std::string>& argv);

/// `parakit gen FILE --rows N`: a synthetic data set (CSV, binary, HDF5), written in parallel.
int run_gen(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
            const std::vector<std::string>& argv);

/// `parakit compare KERNEL ... --cores C`: every ranks x threads layout of C cores, side by side. Runs
/// no MPI itself: it launches parakit with mpirun or srun.
int run_compare(const std::vector<std::string>& args, const std::vector<std::string>& argv);

/// `parakit scale strong|weak KERNEL ... --cores 1,2,4`: a scaling study. Runs no MPI itself.
int run_scale(const std::vector<std::string>& args, const std::vector<std::string>& argv);

}  // namespace parakit::cli
