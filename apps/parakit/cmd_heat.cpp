// parakit heat: the explicit five-point heat stencil on a 2D grid, over a Cartesian grid of ranks. This
// file parses the options, checks them before any MPI work, makes one library call (mpi::run_heat) and
// prints its record; the field's files and pictures are the library's too (field_file, field_png).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/format/file_format.hpp"
#include "parakit/kernels/heat.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/field_file.hpp"
#include "parakit/mpi/heat.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/field_png.hpp"
#include "parakit/report/heat_record.hpp"
#include "parakit/sys.hpp"

#include "commands.hpp"
#include "common_options.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace parakit::cli {
namespace {

using kernels::heat::GridSize;

// The largest work a run may count: cells x steps in 63 bits.
constexpr auto kMaxCellUpdates = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Everything the command line asks for, parsed and checked alike on every rank.
struct HeatCommand {
  mpi::HeatOptions heat;
  bool grid_given = false;  // --grid on the command line (a raw input needs it)
  kernels::heat::Init init = kernels::heat::Init::kHotspot;
  std::optional<mpi::FieldFile> input;
  std::optional<mpi::FieldFile> output;
  std::string png;
  std::string png_dir;
};

po::options_description heat_options() {
  po::options_description options("Options");
  // clang-format off
  options.add_options()
    ("grid", po::value<std::string>()->default_value("1024x1024"), "ROWSxCOLS cells (e.g. 8192x8192, 1e3x500); "
     "with a raw --input its shape")
    ("steps", po::value<std::string>()->default_value("100"), "time steps (0 or more; 1e4 is fine)")
    ("init", po::value<std::string>()->default_value("hotspot"), "initial field: hotspot (1 in a disc at the "
     "centre), random (uniform in [0,1) from --seed), sine (the slowest mode of the fixed boundary)")
    ("input", po::value<std::string>(), "start from the field in FILE instead: raw f64 (row-major, needs --grid) "
     "or HDF5 (a 2-D dataset of doubles, its shape the grid)")
    ("output", po::value<std::string>(), "write the final field to FILE (raw f64 or HDF5, whole or not at all); "
     "the report goes to stdout and --json")
    ("type", po::value<std::string>(), "the type of --input and --output: binary (raw f64) or hdf5 (default: "
     "from each name's suffix, .f64/.bin or .h5/.hdf5)")
    ("dataset", po::value<std::string>()->default_value("/field"), "the HDF5 dataset of --input and --output")
    ("bc", po::value<std::string>()->default_value("fixed"), "boundary: fixed (0 beyond the edges), insulated "
     "(no flux), periodic")
    ("r", po::value<std::string>()->default_value("0.25"), "diffusion number alpha dt / dx^2, 0 < r <= 0.25 "
     "(the explicit scheme's stability bound)")
    ("exchange", po::value<std::string>()->default_value("blocking"), "how halos move: blocking (send-receive, "
     "then update), overlap (nonblocking, interior updated meanwhile), shared (MPI-3 shared-memory window "
     "between ranks of a node)")
    ("halo", po::value<int>()->default_value(1), "halo width K: exchanged every K steps (1 to the smallest "
     "block's side)")
    ("procs", po::value<std::string>(), "process grid PxQ, P x Q = the ranks (default: MPI_Dims_create's)")
    ("check", po::value<std::string>()->default_value("0"), "the residual max|du| every K steps (0: only at "
     "the end)")
    ("tol", po::value<std::string>()->default_value("0"), "stop after a checked step whose residual is <= X "
     "(0: never early)")
    ("png", po::value<std::string>(), "draw the final field into FILE (PNG, colour-mapped)")
    ("png-dir", po::value<std::string>(), "draw frames DIR/frame_000000.png, ... every --every steps (the "
     "colour scale of the initial field, the same in every frame)")
    ("every", po::value<std::string>(), "a frame every K steps (with --png-dir)");
  // clang-format on
  CommonChoices choices;
  choices.report_output = false;  // --output is the final field
  choices.repeat = 1;             // a simulation runs once unless asked
  choices.warmup = 0;
  add_common_options(options, choices);
  return options;
}

const std::string& text(const po::variables_map& values, const char* name) {
  return values[name].as<std::string>();
}

// A whole number from 0 (digits, or an exact 1e4), at most @p max.
std::int64_t count_or_zero(const po::variables_map& values, const char* name, std::uint64_t max) {
  const std::string& value = text(values, name);
  if (value.find_first_not_of('0') == std::string::npos && !value.empty()) return 0;
  return static_cast<std::int64_t>(parse_count(value, std::string("--") + name, max));
}

// A finite number, the whole text.
double number(const po::variables_map& values, const char* name, const char* accepted) {
  const std::string& value = text(values, name);
  double x = std::numeric_limits<double>::quiet_NaN();
  try {
    std::size_t used = 0;
    x = std::stod(value, &used);
    if (used != value.size()) x = std::numeric_limits<double>::quiet_NaN();
  } catch (const std::exception&) {
  }
  if (!std::isfinite(x))
    throw UsageError(fmt::format("--{}: '{}' is not a number (accepted: {})", name, value, accepted));
  return x;
}

// The field file @p path names: --type when given, else its suffix; raw files hold f64.
mpi::FieldFile field_file(const po::variables_map& values, const char* option) {
  mpi::FieldFile file{
      .path = text(values, option), .type = format::FileType::kBinary, .dataset = text(values, "dataset")};
  const std::string accepted = "--type binary|hdf5, or a name ending in .f64, .bin, .h5 or .hdf5";
  if (values.count("type") != 0) {
    file.type = format::parse_file_type(text(values, "type"));
  } else if (const auto type = format::file_type_from_name(file.path)) {
    file.type = *type;
  } else {
    throw UsageError(
        fmt::format("--{} '{}': no file type in its name (accepted: {})", option, file.path, accepted));
  }
  if (file.type == format::FileType::kCsv) {
    throw UsageError(fmt::format("--{} '{}': a field is raw f64 or HDF5, not csv (accepted: {})", option,
                                 file.path, accepted));
  }
  const auto dtype = format::dtype_from_name(file.path);
  if (file.type == format::FileType::kBinary && dtype && *dtype != format::Dtype::kF64) {
    throw UsageError(fmt::format("--{} '{}': a raw field holds f64 values, not {} (accepted: {})", option,
                                 file.path, format::dtype_name(*dtype), accepted));
  }
  return file;
}

// The physics: grid, steps, initial field or input, boundary, r, residual checks.
void read_problem(const po::variables_map& values, HeatCommand& c) {
  c.heat.grid = parse_grid(text(values, "grid"), "--grid");
  c.grid_given = !values["grid"].defaulted();
  c.heat.steps = count_or_zero(values, "steps", kMaxCellUpdates);
  c.init = parse_init(text(values, "init"), "--init");
  c.heat.bc = parse_boundary(text(values, "bc"), "--bc");
  c.heat.r = number(values, "r", "0 < r <= 0.25");
  if (!(c.heat.r > 0.0 && c.heat.r <= kernels::heat::kMaxR)) {
    throw UsageError(fmt::format("--r: {} is outside the stable range (accepted: 0 < r <= {})",
                                 text(values, "r"), kernels::heat::kMaxR));
  }
  c.heat.check = count_or_zero(values, "check", kMaxCellUpdates);
  c.heat.tol = number(values, "tol", "a number >= 0");
  if (c.heat.tol < 0.0)
    throw UsageError(fmt::format("--tol: {} is negative (accepted: a number >= 0; 0: never stop early)",
                                 text(values, "tol")));
  if (values.count("input") != 0) {
    if (!values["init"].defaulted())
      throw UsageError("--init and --input: the initial field is one or the other (accepted: either)");
    c.input = field_file(values, "input");
    if (c.input->type == format::FileType::kBinary && !c.grid_given) {
      throw UsageError(fmt::format(
          "--input '{}': a raw f64 file does not say its shape (accepted: give its --grid ROWSxCOLS)",
          c.input->path));
    }
  }
}

// How the run is laid out and what it writes.
void read_layout_and_files(const po::variables_map& values, HeatCommand& c) {
  c.heat.exchange = mpi::parse_exchange(text(values, "exchange"));
  c.heat.halo = values["halo"].as<int>();
  if (c.heat.halo < 1)
    throw UsageError(fmt::format("--halo: {} is too small (accepted: 1 or more)", c.heat.halo));
  if (values.count("procs") != 0) c.heat.procs = parse_grid(text(values, "procs"), "--procs");
  if (values.count("output") != 0) c.output = field_file(values, "output");
  const bool hdf5 = (c.input && c.input->type == format::FileType::kHdf5) ||
                    (c.output && c.output->type == format::FileType::kHdf5);
  if (values.count("type") != 0 && !c.input && !c.output)
    throw UsageError("--type: only for --input or --output");
  if (!values["dataset"].defaulted() && !hdf5)
    throw UsageError("--dataset: only for an HDF5 --input or --output");
  if (values.count("png") != 0) {
    c.png = text(values, "png");
    if (c.png.empty())
      throw UsageError("--png: an empty path (accepted: a file path in a writable directory)");
  }
  if ((values.count("png-dir") != 0) != (values.count("every") != 0)) {
    throw UsageError("--every and --png-dir: frames need both (accepted: --every K --png-dir DIR)");
  }
  if (values.count("png-dir") != 0) {
    c.png_dir = text(values, "png-dir");
    if (c.png_dir.empty()) throw UsageError("--png-dir: an empty path (accepted: a directory path)");
    c.heat.every = static_cast<std::int64_t>(parse_count(text(values, "every"), "--every", kMaxCellUpdates));
  }
}

// The checks that need the grid (an HDF5 input's is known once read) and the rank count, before any
// MPI work: mpi::run_heat makes them again with the MPI library's process grid, which is the same.
void check_layout(const HeatCommand& c, GridSize grid, int ranks) {
  const GridSize procs = c.heat.procs.rows > 0 ? c.heat.procs : kernels::heat::balanced_dims(ranks);
  kernels::heat::check_layout(grid, procs, c.heat.halo, c.heat.steps, ranks);
}

// Rank 0 holds the whole field: a grid whose field alone is larger than rank 0's machine's memory could
// only end in a failed allocation, so it is refused before anything starts.
void check_memory(const std::string& given, GridSize grid) {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return;
  const double memory = static_cast<double>(pages) * static_cast<double>(page);
  const double field = static_cast<double>(grid.rows) * static_cast<double>(grid.cols) * sizeof(double);
  if (field > memory) {
    throw UsageError(fmt::format(
        "--grid: {} is a field of {:.3g} GiB, more than this machine's {:.3g} GiB of memory, and rank 0 "
        "holds it whole (accepted: at most {:.0f} cells here)",
        given, field / 0x1p30, memory / 0x1p30, std::floor(memory / sizeof(double))));
  }
}

// --png-dir is made only once the run is sure to start; before, only that it can be: the nearest part of
// its path that exists is a directory we may write in.
void check_frame_dir(const std::string& dir) {
  std::error_code error;
  fs::path existing = fs::absolute(dir, error);
  while (!error && !fs::exists(existing, error) && existing.has_relative_path())
    existing = existing.parent_path();
  if (error || !fs::is_directory(existing, error))
    throw UsageError(fmt::format("--png-dir '{}': cannot create it: Not a directory", dir));
  report::check_writable((existing / "frame_000000.png").string(), "--png-dir");
}

// Rank 0: no two of the files read and written are one file, and what will be written can be.
void check_files(const HeatCommand& c, const CommonOptions& common) {
  std::vector<std::pair<std::string, std::string>> files;
  if (c.input) files.emplace_back("--input", c.input->path);
  if (c.output) files.emplace_back("--output", c.output->path);
  if (!c.png.empty()) files.emplace_back("--png", c.png);
  if (!common.json.empty()) files.emplace_back("--json", common.json);
  report::check_distinct_files(files);
  if (c.output) report::check_writable(c.output->path, "--output");
  if (!c.png.empty()) report::check_writable(c.png, "--png");
  if (!c.png_dir.empty()) check_frame_dir(c.png_dir);
}

// Rank 0 makes --png-dir (and its parents), once nothing but the run itself is left to fail.
void make_frame_dir(const std::string& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw UsageError(fmt::format("--png-dir '{}': cannot create it: {}", dir, error.message()));
  report::check_writable((fs::path(dir) / "frame_000000.png").string(), "--png-dir");
}

// Rank 0 draws frame n of the last run into DIR/frame_NNNNNN.png, on the initial field's colour scale.
std::function<void(std::int64_t, std::span<const double>)> frame_writer(const std::string& dir, GridSize grid,
                                                                        double lo, double hi) {
  auto frames = std::make_shared<std::int64_t>(0);
  return [=](std::int64_t /*step*/, std::span<const double> field) {
    const std::string path = (fs::path(dir) / fmt::format("frame_{:06d}.png", (*frames)++)).string();
    report::write_field_png(path, grid, field, lo, hi, "--png-dir");
  };
}

// The files the run ends with: the field (collective), then rank 0's picture on the final field's own
// scale (@p end: its summary, rank 0), every rank failing alike.
void write_files(const boost::mpi::communicator& comm, const HeatCommand& c, GridSize grid,
                 const mpi::HeatResult& result, const kernels::heat::FieldSummary& end) {
  if (c.output) mpi::write_field(comm, *c.output, grid, result.field);
  std::optional<mpi::Failure> failure;
  if (comm.rank() == 0 && !c.png.empty()) {
    try {
      report::write_field_png(c.png, grid, result.field, end.min, end.max, "--png");
    } catch (const std::exception& e) {
      failure = mpi::Failure{.usage = false, .message = e.what()};
    }
  }
  mpi::raise_if_any(comm, failure);
}

report::HeatSetup heat_setup(const HeatCommand& c, GridSize grid, const mpi::HeatResult& result,
                             std::uint64_t seed) {
  report::HeatSetup s;
  s.grid = grid;
  s.steps = c.heat.steps;
  s.exchange = mpi::exchange_name(c.heat.exchange);
  s.halo = c.heat.halo;
  s.procs = result.procs;
  s.bc = c.heat.bc;
  s.init = c.init;
  s.r = c.heat.r;
  s.seed = seed;
  s.check = c.heat.check;
  s.tol = c.heat.tol;
  s.png = c.png;
  s.png_dir = c.png_dir;
  s.every = c.heat.every;
  if (c.input) {
    s.input = c.input->path;
    s.input_type = format::file_type_name(c.input->type);
    if (c.input->type == format::FileType::kHdf5) s.input_dataset = c.input->dataset;
  }
  if (c.output) s.output = c.output->path;
  return s;
}

}  // namespace

int run_heat(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
             const std::vector<std::string>& argv) {
  const po::options_description options = heat_options();
  po::variables_map values;
  const std::string usage =
      "Usage: mpirun -n P parakit heat [--grid ROWSxCOLS] [--steps N] [--init hotspot|random|sine] "
      "[options]\n"
      "The explicit five-point heat stencil on a 2D grid of doubles, in blocks over a PxQ grid of ranks,\n"
      "each block updated by the rank's threads, halos exchanged by messages or a shared-memory window.\n"
      "The final field is the same to the bit for every layout, exchange mode and halo width.";
  if (!parse_args(comm, args, "parakit heat", usage, options, values)) return 0;

  HeatCommand c;
  read_problem(values, c);
  read_layout_and_files(values, c);
  if (!c.input || c.input->type == format::FileType::kBinary) {
    check_layout(c, c.heat.grid, comm.size());
    mpi::check_on_root(comm, [&] { check_memory(text(values, "grid"), c.heat.grid); });
  }
  const CommonOptions common = read_common_options(comm, values, /*report_output=*/false);
  mpi::check_on_root(comm, [&] { check_files(c, common); });

  GridSize grid = c.heat.grid;
  std::vector<double> initial;
  if (c.input) {
    initial =
        mpi::read_field(comm, *c.input, c.grid_given ? std::optional<GridSize>(grid) : std::nullopt, grid);
    check_layout(c, grid, comm.size());
  } else if (comm.rank() == 0) {
    initial = kernels::heat::initial_field(c.init, grid, common.seed, common.threads);
  }
  c.heat.grid = grid;
  const kernels::heat::FieldSummary start =
      comm.rank() == 0 ? kernels::heat::summarize_field(initial.data(), initial.size())
                       : kernels::heat::FieldSummary{};
  if (!c.png_dir.empty()) {
    mpi::check_on_root(comm, [&] { make_frame_dir(c.png_dir); });
    if (comm.rank() == 0) c.heat.frame = frame_writer(c.png_dir, grid, start.min, start.max);
  }

  const mpi::HeatResult result = mpi::run_heat(comm, initial, c.heat, run_options(comm, common));
  const kernels::heat::FieldSummary end =
      comm.rank() == 0 ? kernels::heat::summarize_field(result.field.data(), result.field.size())
                       : kernels::heat::FieldSummary{};
  write_files(comm, c, grid, result, end);
  if (comm.rank() != 0) return 0;

  const report::HeatOutcome outcome{.steps_done = result.steps_done,
                                    .residual = result.residual,
                                    .residuals = result.residuals,
                                    .field = end,
                                    .per_rank = result.per_rank};
  emit(comm,
       report::heat_record(heat_setup(c, grid, result, common.seed), outcome, result.stats,
                           launch_context(argv)),
       common);
  return 0;
}

}  // namespace parakit::cli
