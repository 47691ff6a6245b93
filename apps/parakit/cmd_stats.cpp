// parakit stats FILE: pandas' read_csv(...)[col].apply(f).describe(), plus the missing values and a
// histogram, for files too big for pandas: rank 0 reads and scatters (--read root) or every rank reads
// its own part (--read parallel); the numbers are the same bit for bit either way and for every layout.

#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "parakit/format/file_format.hpp"
#include "parakit/kernels/expression.hpp"
#include "parakit/mpi/describe_file.hpp"
#include "parakit/parse.hpp"
#include "parakit/quote.hpp"

#include "commands.hpp"
#include "common_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

using format::FileType;

FileType file_type(const po::variables_map& values, const std::string& path) {
  if (values.count("type") != 0) return format::parse_file_type(values["type"].as<std::string>());
  if (const auto type = format::file_type_from_name(path)) return *type;
  if (values.count("dataset") != 0) return FileType::kHdf5;
  throw UsageError(parakit::quoted(path) +
                   ": cannot tell the file type from its name (accepted: --type csv|binary|hdf5)");
}

// A size in bytes: a whole number with an optional K, M or G (binary multiples).
std::uint64_t parse_bytes(std::string text, const std::string& option) {
  const std::string original = text;
  std::uint64_t unit = 1;
  if (!text.empty()) {
    const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
    const std::uint64_t shift = last == 'K' ? 10 : last == 'M' ? 20 : last == 'G' ? 30 : 0;
    if (shift != 0) {
      unit = std::uint64_t{1} << shift;
      text.pop_back();
    }
  }
  std::uint64_t n = 0;
  try {
    n = parse_count(text, option, (std::uint64_t{1} << 40) / unit);
  } catch (const UsageError&) {
    n = 0;  // said below, with what this option accepts
  }
  const std::uint64_t bytes = n * unit;
  // At most 1 GiB: a round of the root strategy then scatters fewer than 2^31 values (MPI counts are ints).
  if (bytes < (std::uint64_t{1} << 16) || bytes > (std::uint64_t{1} << 30)) {
    throw UsageError(option + ": " + parakit::quoted(original) +
                     " is not a size from 64K to 1G (accepted: a whole number of "
                     "bytes, or of K, M or G, e.g. 4M)");
  }
  return bytes;
}

void add_stats_options(po::options_description& options) {
  options.add_options()("file", po::value<std::string>(),
                        "the data file (also the first word that is not an option)")(
      "column", po::value<std::string>(),
      "CSV: a column name from the header, or a 0-based index (default: 0)")(
      "sep", po::value<std::string>()->default_value(","),
      "CSV: the field separator (one character, or tab)")("no-header",
                                                          "CSV: the first line is data, not column names")(
      "skip-bad", "CSV: skip lines with a non-numeric field or the wrong number of fields, and count them")(
      "dtype", po::value<std::string>()->default_value("f64"), "binary: f64, f32, i64 or i32, little-endian")(
      "dataset", po::value<std::string>(), "HDF5: the path of a 1-D dataset, e.g. /value")(
      "type", po::value<std::string>(), "csv, binary or hdf5 (default: from the file name)")(
      "read", po::value<std::string>()->default_value("parallel"),
      "root: rank 0 reads in chunks and scatters them; parallel: every rank reads its own part (MPI-IO); "
      "mmap (binary): every rank maps its own part and uses f64 values in place, from the page cache")(
      "chunk-size", po::value<std::string>()->default_value("4M"),
      "bytes read at a time by rank 0 under --read root, and by each rank from a CSV (K, M, G "
      "allowed): bounds rank 0's read buffer")(
      "apply", po::value<std::string>(),
      "an expression in x applied to every value first, e.g. 'log(x)' (muParser)")(
      "bins", po::value<int>()->default_value(10),
      "histogram bins, from min to max (numpy.histogram's edges)");
  add_common_options(options, /*repeats=*/true, /*seed=*/false);
}

// Refuses an option given for a file type it does not apply to.
void check_options_fit(const po::variables_map& values, const mpi::InputSpec& spec) {
  const auto only_for = [&](const char* option, FileType type) {
    if (values.count(option) != 0 && !values[option].defaulted() && spec.type != type) {
      throw UsageError(fmt::format("--{}: only for {} input (this file is read as {})", option,
                                   format::file_type_name(type), format::file_type_name(spec.type)));
    }
  };
  for (const char* o : {"column", "sep", "no-header", "skip-bad"})
    only_for(o, FileType::kCsv);
  only_for("dtype", FileType::kBinary);
  if (spec.read == mpi::ReadStrategy::kMmap && spec.type != FileType::kBinary) {
    throw UsageError(
        fmt::format("--read mmap: only for binary input (this file is read as {}; accepted: "
                    "--read root|parallel)",
                    format::file_type_name(spec.type)));
  }
}

// The file, its column and how to read it, from the options (in the order the checks are documented).
mpi::InputSpec input_spec(const po::variables_map& values) {
  if (values.count("file") == 0) {
    throw UsageError("no FILE given (accepted: parakit stats FILE [options]; see 'parakit stats --help')");
  }
  mpi::InputSpec spec;
  spec.path = values["file"].as<std::string>();
  if (spec.path.empty())
    throw UsageError("FILE: an empty path (accepted: a readable CSV, binary or HDF5 file)");
  spec.type = file_type(values, spec.path);
  const std::string read = values["read"].as<std::string>();
  if (read != "root" && read != "parallel" && read != "mmap") {
    throw UsageError("--read: " + parakit::quoted(read) +
                     " is not a read strategy (accepted: root, parallel, mmap)");
  }
  spec.read = read == "root"   ? mpi::ReadStrategy::kRoot
              : read == "mmap" ? mpi::ReadStrategy::kMmap
                               : mpi::ReadStrategy::kParallel;
  spec.sep = format::parse_separator(values["sep"].as<std::string>(), format::SeparatorUse::kRead);
  spec.header = values.count("no-header") == 0;
  spec.skip_bad = values.count("skip-bad") != 0;
  if (values.count("column") != 0) spec.column = values["column"].as<std::string>();
  spec.dtype = format::parse_dtype(values["dtype"].as<std::string>(), "--dtype");
  if (values["dtype"].defaulted()) {
    if (const auto dtype = format::dtype_from_name(spec.path)) spec.dtype = *dtype;
  }
  if (spec.type == FileType::kHdf5) {
    if (values.count("dataset") == 0)
      throw UsageError("--dataset: an HDF5 file needs one (e.g. --dataset /value)");
    spec.dataset = values["dataset"].as<std::string>();
  }
  check_options_fit(values, spec);
  spec.chunk_bytes = parse_bytes(values["chunk-size"].as<std::string>(), "--chunk-size");
  return spec;
}

report::Record number(double v) {
  return std::isnan(v) ? report::Record(nullptr) : report::Record(v);
}

report::Record stats_record(const mpi::DescribeFileOptions& options, const std::string& read,
                            const mpi::FileDescription& found, const std::vector<std::string>& argv) {
  const mpi::InputSpec& spec = options.input;
  const mpi::Description& description = found.description;
  const mpi::ReadInfo& info = found.read;
  const auto& m = description.moments;
  report::Record record = {{"schema", report::kSchema},  {"kernel", "stats"},
                           {"ranks", found.stats.ranks}, {"threads_per_rank", found.stats.threads_per_rank},
                           {"file", spec.path},          {"type", format::file_type_name(spec.type)},
                           {"column", info.column},      {"read", read}};
  if (spec.type == FileType::kBinary) record["dtype"] = format::dtype_name(spec.dtype);
  record["apply"] =
      options.apply != nullptr ? report::Record(options.apply->text()) : report::Record(nullptr);
  record["bytes"] = info.file_bytes;
  record["rows"] = info.rows;
  report::Record histogram = {{"edges", description.edges}, {"counts", description.counts}};
  record["result"] = {{"count", m.count},
                      {"missing", m.missing},
                      {"mean", number(m.mean)},
                      {"std", number(m.std)},
                      {"min", number(m.min)},
                      {"p25", number(description.quantiles[0])},
                      {"p50", number(description.quantiles[1])},
                      {"p75", number(description.quantiles[2])},
                      {"max", number(m.max)},
                      {"skipped", info.skipped},
                      {"histogram", histogram}};
  record["reading"] = {{"strategy", read},
                       {"chunk_bytes", info.chunk_bytes},
                       {"root_buffer_bytes", info.root_buffer_bytes},
                       {"read_s", found.read_max_s},
                       {"scatter_s", found.scatter_max_s},
                       {"selection_rounds", description.selection_rounds},
                       {"full_rescan", description.full_rescan}};
  report::add_run_report(record, found.stats, static_cast<double>(info.file_bytes), "bytes",
                         launch_context(argv));
  if (m.count > 0 && (std::isinf(m.min) || std::isinf(m.max))) {
    record["warnings"].push_back(
        "the column holds infinite values: the mean is infinite or NaN, the std NaN, min "
        "or max infinite (null in JSON), and there is no histogram");
  }
  if (info.skipped > 0) {
    record["warnings"].push_back(fmt::format("{} line{} skipped (--skip-bad): not counted, not missing",
                                             info.skipped, info.skipped == 1 ? "" : "s"));
  }
  return record;
}

}  // namespace

int run_stats(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
              const std::vector<std::string>& argv) {
  po::options_description options("Options");
  add_stats_options(options);
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map values;
  const std::string usage =
      "Usage: mpirun -n P parakit stats FILE [--column NAME|INDEX] [--apply EXPR] [--bins N]\n"
      "                                 [--read root|parallel|mmap] [options]\n"
      "What pandas.read_csv(FILE)[column].apply(f).describe() prints (count, mean, std, min, 25 %, 50 %,\n"
      "75 %, max), plus the missing values and a histogram, for CSV, raw binary and HDF5 files. The\n"
      "numbers are the same, bit for bit, for every ranks x threads layout and every read strategy;\n"
      "quantiles are exact (pandas' linear interpolation).";
  if (!parse_args(comm, args, "parakit stats", usage, options, values, &positional)) return 0;
  mpi::DescribeFileOptions describe;
  describe.input = input_spec(values);
  const int bins = values["bins"].as<int>();
  if (bins < 1 || bins > 1'000'000) {
    throw UsageError(fmt::format("--bins: {} is out of range (accepted: 1 to 1000000)", bins));
  }
  describe.bins = static_cast<std::size_t>(bins);
  std::optional<kernels::Expression> expression;
  if (values.count("apply") != 0) expression.emplace(values["apply"].as<std::string>());
  describe.apply = expression ? &*expression : nullptr;
  const CommonOptions common = read_common_options(comm, values);
  // The report never replaces the data it describes.
  mpi::check_on_root(comm, [&] {
    report::check_distinct_files(
        {{"FILE", describe.input.path}, {"--output", common.output}, {"--json", common.json}});
  });
  // stats draws no progress bar (--progress is accepted and does nothing, as it always did).
  describe.run = {
      .threads = common.threads, .repeat = common.repeat, .warmup = common.warmup, .progress = {}};

  const mpi::FileDescription found = mpi::describe_file(comm, describe);
  if (comm.rank() != 0) return 0;
  emit(comm, stats_record(describe, values["read"].as<std::string>(), found, argv), common);
  return 0;
}

}  // namespace parakit::cli
