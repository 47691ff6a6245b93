// parakit gen: a synthetic data set of any size (CSV, raw binary, HDF5), written by all ranks in parallel.
// Row i of column c depends only on (seed, c, i), so every ranks x threads layout writes the same bytes.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/mpi/timer.hpp>

#include "parakit/error.hpp"
#include "parakit/kernels/generate.hpp"
#include "parakit/mpi/write.hpp"
#include "parakit/parse.hpp"
#include "parakit/sys.hpp"

#include "commands.hpp"
#include "common_options.hpp"

namespace po = boost::program_options;
namespace gen = parakit::kernels::generate;

namespace parakit::cli {
namespace {

using mpi::FileType;  // shared with parakit stats

// The type and the element type a file name suggests ("data.f32": binary, f32).
std::optional<FileType> type_of(const std::string& file, std::optional<std::string>& dtype) {
  const auto dot = file.find_last_of("./");
  if (dot == std::string::npos || file[dot] != '.') return std::nullopt;
  std::string suffix = file.substr(dot + 1);
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (suffix == "csv") return FileType::kCsv;
  if (suffix == "h5" || suffix == "hdf5") return FileType::kHdf5;
  if (suffix == "f64" || suffix == "f32" || suffix == "i64" || suffix == "i32") {
    dtype = suffix;
    return FileType::kBinary;
  }
  if (suffix == "bin" || suffix == "dat" || suffix == "raw") return FileType::kBinary;
  return std::nullopt;
}

FileType parse_type(const std::string& name) {
  if (name == "csv") return FileType::kCsv;
  if (name == "binary") return FileType::kBinary;
  if (name == "hdf5") return FileType::kHdf5;
  throw UsageError("--type: '" + name + "' is not a file type (accepted: csv, binary, hdf5)");
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// A finite number, the whole text (from_chars: exact, and independent of the locale).
std::optional<double> parse_number(const std::string& text) {
  double v = 0.0;
  const char* first = text.data();
  if (!text.empty() && text[0] == '+') ++first;
  const auto [end, error] = std::from_chars(first, text.data() + text.size(), v);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

void read_params(const std::string& text, gen::Spec& spec) {
  const std::string name(gen::distribution_name(spec.distribution));
  const char* accepted = nullptr;
  switch (spec.distribution) {
    case gen::Distribution::kUniform:
      accepted = "A,B with A < B: uniform on [A, B)";
      break;
    case gen::Distribution::kNormal:
    case gen::Distribution::kLognormal:
      accepted = "A,B with B >= 0: mean A and standard deviation B (of the logarithm for lognormal)";
      break;
    case gen::Distribution::kExponential:
      accepted = "A > 0: the rate";
      break;
    case gen::Distribution::kSequence:
      accepted = "A,B: the values A + B i";
      break;
  }
  const auto reject = [&] {
    throw UsageError("--params: '" + text + "' are not parameters of " + name + " (accepted: " + accepted +
                     ")");
  };
  const std::vector<std::string> parts = split(text, ',');
  const std::size_t most = spec.distribution == gen::Distribution::kExponential ? 1 : 2;
  if (parts.size() > most) reject();
  std::vector<double> numbers;
  for (const auto& part : parts) {
    const auto v = parse_number(part);
    if (!v) reject();
    numbers.push_back(*v);
  }
  spec.a = numbers[0];
  if (numbers.size() == 2) spec.b = numbers[1];
  const bool valid = [&] {
    switch (spec.distribution) {
      case gen::Distribution::kUniform:
        return spec.a < spec.b && std::isfinite(spec.b - spec.a);
      case gen::Distribution::kNormal:
      case gen::Distribution::kLognormal:
        return spec.b >= 0.0;
      case gen::Distribution::kExponential:
        return spec.a > 0.0;
      case gen::Distribution::kSequence:
        return true;
    }
    return false;
  }();
  if (!valid) reject();
}

char parse_sep(const std::string& text) {
  if (text == "\\t" || text == "tab" || text == "\t") return '\t';
  // Characters of numbers ("-1.5e+3", "inf") would make the fields ambiguous.
  const bool valid = text.size() == 1 && text[0] != '"' && text[0] != '\n' && text[0] != '\r' &&
                     std::isalnum(static_cast<unsigned char>(text[0])) == 0 &&
                     std::string_view(".+-").find(text[0]) == std::string_view::npos;
  if (!valid) {
    throw UsageError("--sep: '" + text +
                     "' is not a separator (accepted: one character that cannot be part of a number or a "
                     "quote, e.g. , ; | or tab, also written \\t)");
  }
  return text[0];
}

std::vector<std::string> read_columns(const std::string& text, FileType type, char sep) {
  const std::vector<std::string> names = split(text, ',');
  std::set<std::string> seen;
  for (const auto& name : names) {
    if (name.empty())
      throw UsageError("--columns: '" + text + "' has an empty name (accepted: NAME[,NAME...])");
    if (!seen.insert(name).second) throw UsageError("--columns: '" + name + "' is given twice");
    if (type == FileType::kCsv &&
        name.find_first_of(std::string{sep, '"', '\n', '\r'}) != std::string::npos) {
      throw UsageError("--columns: '" + name +
                       "' cannot be a CSV header field (accepted: names without the separator, quotes or "
                       "line breaks)");
    }
  }
  if (type == FileType::kBinary && names.size() != 1) {
    throw UsageError("--columns: a binary file holds one column, not " + std::to_string(names.size()) +
                     " (accepted: one name, or --type csv or hdf5 for several)");
  }
  return names;
}

}  // namespace

int run_gen(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
            const std::vector<std::string>& argv) {
  po::options_description options("Options");
  // clang-format off
  options.add_options()
    ("file", po::value<std::string>(), "the data file to write (also the first word that is not an option)")
    ("rows", po::value<std::string>()->required(), "rows to write: a whole number (1e9 and 2.5e6 are fine)")
    ("dist", po::value<std::string>()->default_value("uniform"),
     "uniform, normal, lognormal, exponential or sequence (a + b i: statistics in closed form)")
    ("params", po::value<std::string>(),
     "A,B of the distribution (write --params=-1,1 when A is negative): uniform [A, B) (default 0,1); normal and lognormal mean, standard deviation "
     "(0,1); exponential rate A (1); sequence A + B i (1,1)")
    ("missing", po::value<std::string>()->default_value("0"), "fraction of values left missing (NaN, empty "
     "CSV fields), from 0 to below 1")
    ("type", po::value<std::string>(), "csv, binary or hdf5 (default: from FILE's suffix: .csv; .bin .dat .raw "
     ".f64 .f32 .i64 .i32; .h5 .hdf5)")
    ("columns", po::value<std::string>()->default_value("value"),
     "column names, comma-separated (HDF5: dataset paths like /group/x; binary: one)")
    ("dtype", po::value<std::string>(), "binary: f64, f32, i64 or i32 (integers: the value rounded down); hdf5: f64 or f32 (default: from the "
     "suffix, else f64)")
    ("sep", po::value<std::string>()->default_value(","), "CSV field separator: one character, or tab")
    ("no-header", po::bool_switch(), "CSV: no header line");
  // clang-format on
  add_common_options(options, /*repeats=*/false, /*seed=*/true);
  const std::string usage =
      "Usage: mpirun -n P parakit gen FILE --rows N [--dist D] [--params A,B] [--missing F] [--type T]\n"
      "                               [--columns NAMES] [--dtype T] [--sep C] [--no-header] [options]\n"
      "Writes a synthetic data set to FILE, all ranks in parallel (MPI-IO, parallel HDF5), whole or not at\n"
      "all. Row i of column c depends only on (seed, c, i): every ranks x threads layout writes the same\n"
      "bytes. --output is where the report goes, not the data.";
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map values;
  if (!parse_args(comm, args, "parakit gen", usage, options, values, &positional)) return 0;
  if (values.count("file") == 0) throw UsageError("no FILE given (see 'parakit gen --help')");
  const std::string file = values["file"].as<std::string>();

  gen::Spec spec;
  spec.distribution = gen::parse_distribution(values["dist"].as<std::string>());
  gen::default_parameters(spec.distribution, spec.a, spec.b);
  if (values.count("params") != 0) read_params(values["params"].as<std::string>(), spec);
  const std::string missing = values["missing"].as<std::string>();
  const auto fraction = parse_number(missing);
  if (!fraction || *fraction < 0.0 || *fraction >= 1.0) {
    throw UsageError("--missing: '" + missing + "' is not a fraction (accepted: a number from 0 to below 1)");
  }
  spec.missing = *fraction;
  constexpr auto kMaxRows = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const std::uint64_t rows = parse_count(values["rows"].as<std::string>(), "--rows", kMaxRows);

  std::optional<std::string> suffix_dtype;
  const std::optional<FileType> suffix_type = type_of(file, suffix_dtype);
  FileType type = FileType::kCsv;
  if (values.count("type") != 0) {
    type = parse_type(values["type"].as<std::string>());
  } else if (suffix_type) {
    type = *suffix_type;
  } else {
    throw UsageError("FILE '" + file +
                     "': no file type in its name (accepted: --type csv, binary or hdf5, or a name ending in "
                     ".csv, .bin, .dat, .raw, .f64, .f32, .i64, .i32, .h5 or .hdf5)");
  }
  if (type != FileType::kCsv && (!values["sep"].defaulted() || values["no-header"].as<bool>())) {
    throw UsageError(std::string(values["sep"].defaulted() ? "--no-header" : "--sep") +
                     " applies to CSV files only (this one is " + mpi::file_type_name(type) + ")");
  }
  if (type == FileType::kCsv && values.count("dtype") != 0) {
    throw UsageError(
        "--dtype applies to binary and HDF5 files only (CSV holds the shortest text that reads "
        "back as the same double)");
  }
  mpi::Dtype dtype = mpi::Dtype::kF64;
  if (values.count("dtype") != 0) {
    dtype = mpi::parse_dtype(values["dtype"].as<std::string>(), "--dtype");
  } else if (type == FileType::kBinary && suffix_dtype) {
    dtype = mpi::parse_dtype(*suffix_dtype, "--dtype");
  }
  const char sep = type == FileType::kCsv ? parse_sep(values["sep"].as<std::string>()) : ',';
  const std::vector<std::string> names = read_columns(values["columns"].as<std::string>(), type, sep);
  const CommonOptions common = read_common_options(comm, values);
  spec.seed = common.seed;

  const mpi::WriteOptions write_options{.threads = common.threads, .option = "FILE"};
  comm.barrier();
  const boost::mpi::timer timer;
  std::uint64_t bytes = 0;
  switch (type) {
    case FileType::kCsv:
      bytes =
          mpi::write_csv(comm, file, names, spec, rows, sep, !values["no-header"].as<bool>(), write_options);
      break;
    case FileType::kBinary:
      bytes = mpi::write_binary(comm, file, spec, rows, dtype, write_options);
      break;
    case FileType::kHdf5:
      bytes = mpi::write_hdf5(comm, file, names, spec, rows, dtype, write_options);
      break;
  }
  // The writers end by agreeing over all ranks, so rank 0's time includes the slowest rank's writes.
  const double seconds = timer.elapsed();

  report::Record record = {{"schema", report::kSchema},
                           {"kernel", "gen"},
                           {"ranks", comm.size()},
                           {"threads_per_rank", common.threads},
                           {"seed", common.seed}};
  record["result"] = {
      {"file", file},
      {"type", mpi::file_type_name(type)},
      {"rows", rows},
      {"columns", names},
      {"distribution", gen::distribution_name(spec.distribution)},
      {"params", {spec.a, spec.b}},
      {"missing_fraction", spec.missing},
      {"dtype", type == FileType::kCsv ? std::string("text") : std::string(mpi::dtype_name(dtype))},
      {"bytes", bytes},
      {"seconds", seconds},
      {"bytes_per_s", seconds > 0.0 ? static_cast<double>(bytes) / seconds : 0.0}};
  record["context"] = report::context_record(launch_context(argv), {sys::hostname()});
  emit(comm, record, common);
  return 0;
}

}  // namespace parakit::cli
