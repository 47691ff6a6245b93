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

#include "parakit/error.hpp"
#include "parakit/format/file_format.hpp"
#include "parakit/kernels/generate.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/generate_file.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/output_file.hpp"
#include "parakit/sys.hpp"

#include "commands.hpp"
#include "common_options.hpp"

namespace po = boost::program_options;
namespace gen = parakit::kernels::generate;

namespace parakit::cli {
namespace {

using format::FileType;

// The suffixes of @p type, each with its dot, joined by @p sep.
std::string joined_suffixes(FileType type, const char* sep) {
  std::string text;
  for (const std::string& suffix : format::file_suffixes(type))
    text += (text.empty() ? "" : sep) + suffix;
  return text;
}

// Every suffix that names a file type: ".csv, .txt, ..., .hdf5 or .he5".
std::string all_suffixes() {
  std::vector<std::string> all;
  for (const FileType type : {FileType::kCsv, FileType::kBinary, FileType::kHdf5})
    for (const std::string& suffix : format::file_suffixes(type))
      all.push_back(suffix);
  std::string text;
  for (std::size_t i = 0; i < all.size(); ++i)
    text += (i == 0 ? "" : i + 1 == all.size() ? " or " : ", ") + all[i];
  return text;
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

void add_gen_options(po::options_description& options) {
  const std::string type_help =
      "csv, binary or hdf5 (default: from FILE's suffix: " + joined_suffixes(FileType::kCsv, " ") + "; " +
      joined_suffixes(FileType::kBinary, " ") + "; " + joined_suffixes(FileType::kHdf5, " ") + ")";
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
    ("type", po::value<std::string>(), type_help.c_str())
    ("columns", po::value<std::string>()->default_value("value"),
     "column names, comma-separated (HDF5: dataset paths like /group/x; binary: one)")
    ("dtype", po::value<std::string>(), "binary: f64, f32, i64 or i32 (integers: the value rounded down); hdf5: f64 or f32 (default: from the "
     "suffix, else f64)")
    ("sep", po::value<std::string>()->default_value(","), "CSV field separator: one character, or tab")
    ("no-header", po::bool_switch(), "CSV: no header line");
  // clang-format on
  add_common_options(options, /*repeats=*/false, /*seed=*/true);
}

// The distribution, its parameters and the missing fraction.
gen::Spec values_spec(const po::variables_map& values) {
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
  return spec;
}

// The file's type, value type, separator, header and columns, into @p out.
void file_layout(const po::variables_map& values, mpi::GenerateOptions& out) {
  const std::string& file = out.path;
  if (values.count("type") != 0) {
    out.type = format::parse_file_type(values["type"].as<std::string>());
  } else if (const auto type = format::file_type_from_name(file)) {
    out.type = *type;
  } else {
    throw UsageError(
        "FILE '" + file +
        "': no file type in its name (accepted: --type csv, binary or hdf5, or a name ending in " +
        all_suffixes() + ")");
  }
  const FileType type = out.type;
  if (type != FileType::kCsv && (!values["sep"].defaulted() || values["no-header"].as<bool>())) {
    throw UsageError(std::string(values["sep"].defaulted() ? "--no-header" : "--sep") +
                     " applies to CSV files only (this one is " + format::file_type_name(type) + ")");
  }
  if (type == FileType::kCsv && values.count("dtype") != 0) {
    throw UsageError(
        "--dtype applies to binary and HDF5 files only (CSV holds the shortest text that reads "
        "back as the same double)");
  }
  if (values.count("dtype") != 0) {
    out.dtype = format::parse_dtype(values["dtype"].as<std::string>(), "--dtype");
  } else if (type == FileType::kBinary) {
    out.dtype = format::dtype_from_name(file).value_or(format::Dtype::kF64);
  }
  if (type == FileType::kCsv)
    out.sep = format::parse_separator(values["sep"].as<std::string>(), format::SeparatorUse::kWrite);
  out.header = !values["no-header"].as<bool>();
  out.columns = read_columns(values["columns"].as<std::string>(), type, out.sep);
}

}  // namespace

int run_gen(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
            const std::vector<std::string>& argv) {
  po::options_description options("Options");
  add_gen_options(options);
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
  mpi::GenerateOptions target;
  target.path = values["file"].as<std::string>();
  target.spec = values_spec(values);
  constexpr auto kMaxRows = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  target.rows = parse_count(values["rows"].as<std::string>(), "--rows", kMaxRows);
  file_layout(values, target);
  const CommonOptions common = read_common_options(comm, values);
  // The report never replaces the data it reports on, nor the data the report.
  mpi::check_on_root(comm, [&] {
    report::check_distinct_files(
        {{"FILE", target.path}, {"--output", common.output}, {"--json", common.json}});
  });
  target.spec.seed = common.seed;
  target.write = {.threads = common.threads, .option = "FILE"};

  const mpi::Generated written = mpi::generate_file(comm, target);

  const gen::Spec& spec = target.spec;
  report::Record record = {{"schema", report::kSchema},
                           {"kernel", "gen"},
                           {"ranks", comm.size()},
                           {"threads_per_rank", common.threads},
                           {"seed", common.seed}};
  record["result"] = {
      {"file", target.path},
      {"type", format::file_type_name(target.type)},
      {"rows", target.rows},
      {"columns", target.columns},
      {"distribution", gen::distribution_name(spec.distribution)},
      {"params", {spec.a, spec.b}},
      {"missing_fraction", spec.missing},
      {"dtype",
       target.type == FileType::kCsv ? std::string("text") : std::string(format::dtype_name(target.dtype))},
      {"bytes", written.bytes},
      {"seconds", written.seconds},
      {"bytes_per_s", written.seconds > 0.0 ? static_cast<double>(written.bytes) / written.seconds : 0.0}};
  record["context"] = report::context_record(launch_context(argv), {sys::hostname()});
  emit(comm, record, common);
  return 0;
}

}  // namespace parakit::cli
