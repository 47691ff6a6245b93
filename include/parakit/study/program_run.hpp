#pragma once
/// @file
/// @brief Measuring a program (`parakit compare|scale ... -- PROGRAM ARGS`) in one layout: its launches,
/// the time of each repeat (from outside, from its output, or from the run record it writes), its results
/// and bindings, and the launch cost of the same layout. Starts processes (mpirun, srun, or the program
/// itself); runs no MPI in the calling process.

#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/study/measure.hpp"
#include "parakit/study/program.hpp"
#include "parakit/study/settings.hpp"

namespace parakit::study {

/// @brief Guesses whether @p argv (argv[0] resolved in PATH as @p path) is an MPI program. An
/// interpreter (python, python3.11, pypy3, Rscript, julia, perl, ruby, node, a shell: the name exactly,
/// or followed by a version) is one when the first argument that is a file (its script) mentions
/// mpi4py, Rmpi, pbdMPI or `using MPI`; `env [-opts] [NAME=value...] PROGRAM ...` is what PROGRAM is. A
/// dynamic ELF binary is one when any library it loads (`ldd`: directly or through another, e.g.
/// PETSc or parallel HDF5) is libmpi, libmpich, libmpitrampoline or Boost.MPI; a static one when it
/// contains MPI_Init. A script with its own `#!` is judged by its text. Anything else, or anything
/// that cannot be read, counts as MPI (mpirun starts any program; `--mpi no` overrides).
MpiGuess guess_mpi(const std::string& path, const std::vector<std::string>& argv);

/// @brief What names the program in a record: `command` (the words after `--`), `path`, `sha256` of its
/// file and of every argument that is a regular file (`files`), `version` (the first line of
/// `PROGRAM --version` when it exits 0 within 5 s, else null), `mpi` and `mpi_reason`.
nlohmann::json program_identity(const ProgramSpec& spec);

/// @brief Measures @p settings.program in @p layout with `{work}` = @p work (when the command has it).
/// @p source: nullopt before the first layout, which decides it (kRecord when the program wrote a run
/// record, else kRegex with --time-regex, else kLaunch); later layouts must agree. The record is the
/// program's own run record (kRecord) or one made here in the same schema (kernel "program"), with
/// `program`, `command`, `work`, `unit`, `timing.source`, `launch` (command line, environment, the
/// bindings the launcher and OpenMP reported) and `result` ({value} with --result-regex, the output's
/// CRC-32 and size with --same-output, else {}).
/// @throws parakit::Error when a launch fails or times out, prints no time for --time-regex or no
/// result for --result-regex; parakit::WrongAnswer when its repeats disagree (output or result).
Measured measure_program(const Settings& settings, const Layout& layout, std::optional<std::uint64_t> work,
                         std::optional<TimeSource>& source);

/// @brief Checks that every layout's result agrees with the first one's: the same output (CRC-32 and
/// size) with --same-output, the same number within --rtol with --result-regex; nothing without them.
/// @throws parakit::WrongAnswer naming both layouts and what differs.
void check_program_results(const ProgramSpec& spec, const std::vector<nlohmann::json>& records,
                           const std::vector<Point>& points);

/// @brief The warnings of a program study: how its times were taken, results not checked.
std::vector<std::string> program_warnings(const ProgramSpec& spec, TimeSource source);

}  // namespace parakit::study
