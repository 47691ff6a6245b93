// mpi::read_column and mpi::describe_file under mpiexec at 1-4 ranks: every read strategy of every file
// type gives every row exactly once, at its global place; a bad CSV line is the same one-line UsageError
// on every rank; describe_file runs repeat times and describes the file it read.

#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/string.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/kernels/describe.hpp"
#include "parakit/mpi/describe_file.hpp"
#include "parakit/mpi/read_column.hpp"

using namespace parakit;
namespace fs = std::filesystem;
using format::Dtype;
using format::FileType;

namespace {

// Row i of every test file: exact in binary (f64, f32, i32: whole quarters) and in CSV text.
double value(std::uint64_t i) {
  return static_cast<double>(i % 4000) * 0.25 - 100.0;
}

// Three whole blocks and a piece: blocks cut between ranks at every rank count here.
constexpr std::uint64_t kRows = 3 * kernels::describe::kBlock + 1234;

// A directory that rank 0 creates and fills and removes; every rank (one host) reads its files.
class SharedDir {
 public:
  explicit SharedDir(const boost::mpi::communicator& comm) : comm_(comm) {
    std::string path;
    if (comm.rank() == 0) {
      path = (fs::temp_directory_path() / ("parakit_read_column_" + std::to_string(::getpid()))).string();
      fs::create_directories(path);
      write_files(path);
    }
    boost::mpi::broadcast(comm, path, 0);
    path_ = path;
  }
  ~SharedDir() {
    comm_.barrier();
    if (comm_.rank() == 0) fs::remove_all(path_);
  }
  SharedDir(const SharedDir&) = delete;
  SharedDir& operator=(const SharedDir&) = delete;
  std::string file(const char* name) const { return (path_ / name).string(); }

 private:
  template <class T>
  static void write_binary(const fs::path& path) {
    std::ofstream out(path, std::ios::binary);
    for (std::uint64_t i = 0; i < kRows; ++i) {
      const auto v = static_cast<T>(value(i));
      out.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
  }

  static void write_files(const fs::path& dir) {
    write_binary<double>(dir / "v.f64");
    write_binary<float>(dir / "v.f32");
    write_binary<std::int32_t>(dir / "v.i32");  // the values truncated toward zero
    std::ofstream csv(dir / "v.csv", std::ios::binary);
    csv << "id;v\n";
    for (std::uint64_t i = 0; i < kRows; ++i) {
      char text[32];
      const auto end = std::to_chars(text, text + sizeof text, value(i)).ptr;
      csv << i << ';' << std::string_view(text, static_cast<std::size_t>(end - text)) << '\n';
    }
    std::ofstream bad(dir / "bad.csv", std::ios::binary);
    bad << "id,v\n";
    for (std::uint64_t i = 0; i < kRows; ++i)
      bad << i << ',' << (i == kRows - 10 ? "oops" : "1.5") << '\n';
  }

  const boost::mpi::communicator& comm_;
  fs::path path_;
};

// Checks that this rank's segments hold the right values and returns how many rows it holds.
std::uint64_t check_share(const mpi::LocalColumn& column, Dtype dtype, const std::string& what) {
  std::uint64_t held = 0;
  const std::span<const double> data = column.data();
  for (const mpi::Segment& s : column.segments) {
    for (std::size_t k = 0; k < s.count; ++k) {
      const double v = value(s.first + k);
      const double expected = dtype == Dtype::kI32 ? static_cast<double>(static_cast<std::int32_t>(v)) : v;
      if (data[s.offset + k] != expected) {
        ADD_FAILURE() << what << ": row " << s.first + k << " is " << data[s.offset + k] << ", not "
                      << expected;
        return held;
      }
    }
    held += s.count;
  }
  return held;
}

}  // namespace

TEST(ReadColumn, every_strategy_gives_every_row_once_in_its_place) {
  const boost::mpi::communicator world;
  const SharedDir dir(world);
  struct Case {
    const char* file;
    FileType type;
    Dtype dtype;
    mpi::ReadStrategy read;
  };
  const std::vector<Case> cases = {
      {"v.csv", FileType::kCsv, Dtype::kF64, mpi::ReadStrategy::kRoot},
      {"v.csv", FileType::kCsv, Dtype::kF64, mpi::ReadStrategy::kParallel},
      {"v.f64", FileType::kBinary, Dtype::kF64, mpi::ReadStrategy::kRoot},
      {"v.f64", FileType::kBinary, Dtype::kF64, mpi::ReadStrategy::kParallel},
      {"v.f64", FileType::kBinary, Dtype::kF64, mpi::ReadStrategy::kMmap},
      {"v.f32", FileType::kBinary, Dtype::kF32, mpi::ReadStrategy::kRoot},
      {"v.f32", FileType::kBinary, Dtype::kF32, mpi::ReadStrategy::kParallel},
      {"v.f32", FileType::kBinary, Dtype::kF32, mpi::ReadStrategy::kMmap},
      {"v.i32", FileType::kBinary, Dtype::kI32, mpi::ReadStrategy::kParallel},
  };
  for (const Case& c : cases) {
    const std::string what = std::string(c.file) + ", strategy " + std::to_string(static_cast<int>(c.read));
    mpi::InputSpec spec;
    spec.path = dir.file(c.file);
    spec.type = c.type;
    spec.read = c.read;
    spec.sep = ';';
    spec.column = "v";
    spec.dtype = c.dtype;
    spec.chunk_bytes = std::uint64_t{64} << 10;  // several rounds of the root strategy
    mpi::ReadInfo info;
    const mpi::LocalColumn column = mpi::read_column(world, spec, 2, info);
    const std::uint64_t held = check_share(column, c.dtype, what);
    EXPECT_EQ(held, column.data().size()) << what;
    // Every row once: the shares add up to the rows, and their sum of row indices to n (n - 1) / 2.
    std::uint64_t index_sum = 0;
    for (const mpi::Segment& s : column.segments)
      index_sum += s.count * s.first + s.count * (s.count - 1) / 2;
    EXPECT_EQ(boost::mpi::all_reduce(world, held, std::plus<>()), kRows) << what;
    EXPECT_EQ(boost::mpi::all_reduce(world, index_sum, std::plus<>()), kRows * (kRows - 1) / 2) << what;
    EXPECT_EQ(info.rows, kRows) << what;
    EXPECT_EQ(info.column, c.type == FileType::kCsv ? "v" : "0") << what;
    EXPECT_EQ(info.file_bytes, fs::file_size(spec.path)) << what;
    if (c.type == FileType::kBinary && c.read != mpi::ReadStrategy::kRoot) {
      // The parallel binary strategies hand out whole blocks (the last rank's may end early).
      for (const mpi::Segment& s : column.segments)
        EXPECT_EQ(s.first % kernels::describe::kBlock, 0U) << what;
    }
  }
}

TEST(ReadColumn, a_bad_csv_line_is_the_same_usage_error_on_every_rank) {
  const boost::mpi::communicator world;
  const SharedDir dir(world);
  for (const auto read : {mpi::ReadStrategy::kRoot, mpi::ReadStrategy::kParallel}) {
    mpi::InputSpec spec;
    spec.path = dir.file("bad.csv");
    spec.column = "v";
    spec.read = read;
    spec.chunk_bytes = std::uint64_t{64} << 10;
    mpi::ReadInfo info;
    std::string message;
    try {
      mpi::read_column(world, spec, 2, info);
    } catch (const UsageError& e) {
      message = e.what();
    }
    // The header is line 1, row i is line i + 2.
    EXPECT_EQ(message,
              spec.path + ":" + std::to_string(kRows - 10 + 2) +
                  ": column 'v' (field 2): 'oops' is not a number (accepted: numbers; empty, NA or NaN "
                  "for missing; --skip-bad skips such lines)");
  }
}

TEST(DescribeFile, runs_repeat_times_and_describes_the_file) {
  const boost::mpi::communicator world;
  const SharedDir dir(world);
  mpi::DescribeFileOptions options;
  options.input.path = dir.file("v.f64");
  options.input.type = FileType::kBinary;
  options.bins = 4;
  options.quantiles = {0.0, 1.0};
  options.run = {.threads = 2, .repeat = 3, .warmup = 1, .progress = {}};
  const mpi::FileDescription found = mpi::describe_file(world, options);
  // Row values are whole quarters: every sum is exact, so the mean is the exact mean.
  double sum = 0.0;
  for (std::uint64_t i = 0; i < kRows; ++i)
    sum += value(i);
  EXPECT_EQ(found.description.moments.count, kRows);
  EXPECT_EQ(found.description.moments.mean, sum / static_cast<double>(kRows));
  EXPECT_EQ(found.description.quantiles, (std::vector<double>{-100.0, value(3999)}));
  EXPECT_EQ(found.read.rows, kRows);
  if (world.rank() == 0) {
    EXPECT_EQ(found.stats.times_s.size(), 3U);
    EXPECT_EQ(found.stats.ranks, world.size());
    std::uint64_t binned = 0;
    for (const std::uint64_t c : found.description.counts)
      binned += c;
    EXPECT_EQ(binned, kRows);
    EXPECT_GE(found.read_max_s, found.read.read_s);  // the slowest rank's, this one's included
  }
}
