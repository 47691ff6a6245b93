// The parallel writers of `parakit gen` under mpiexec at 1-4 ranks: the bytes of every file equal those
// computed here, on one process, from kernels::generate::value, and are the same whether all ranks, rank 0
// alone or the other ranks write them; a failure leaves no file behind, on every rank together.

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/stat.h>

#include "parakit/error.hpp"
#include "parakit/kernels/generate.hpp"
#include "parakit/mpi/write.hpp"

#include "shared_dir.hpp"

using namespace parakit;
namespace fs = std::filesystem;
namespace gen = kernels::generate;

static_assert(std::endian::native == std::endian::little, "the expected bytes are built by memcpy");

namespace {

// write.hpp: a round covers about 2^20 values per rank.
constexpr std::uint64_t kPieceValues = std::uint64_t{1} << 20;

using parakit::test::SharedDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string shortest(double v) {
  char text[32];
  return {text, std::to_chars(text, text + sizeof text, v).ptr};
}

std::string expected_csv(const std::vector<std::string>& names, const gen::Spec& spec, std::uint64_t rows,
                         char sep, bool header) {
  std::string text;
  if (header) {
    for (std::size_t c = 0; c < names.size(); ++c)
      text += (c != 0 ? std::string(1, sep) : "") + names[c];
    text += '\n';
  }
  for (std::uint64_t i = 0; i < rows; ++i) {
    for (std::size_t c = 0; c < names.size(); ++c) {
      if (c != 0) text += sep;
      const double v = gen::value(spec, c, i);
      if (!std::isnan(v)) text += shortest(v);  // to_chars writes inf and -inf as such
    }
    text += '\n';
  }
  return text;
}

template <class T>
void append(std::string& bytes, T x) {
  char raw[sizeof x];
  std::memcpy(raw, &x, sizeof x);
  bytes.append(raw, sizeof x);
}

std::string expected_binary(const gen::Spec& spec, std::uint64_t rows, mpi::Dtype dtype) {
  std::string bytes;
  for (std::uint64_t i = 0; i < rows; ++i) {
    const double v = gen::value(spec, 0, i);
    switch (dtype) {
      case mpi::Dtype::kF64:
        append(bytes, v);
        break;
      case mpi::Dtype::kF32:
        append(bytes, static_cast<float>(v));
        break;
      case mpi::Dtype::kI64:
        append(bytes, static_cast<std::int64_t>(std::floor(v)));
        break;
      case mpi::Dtype::kI32:
        append(bytes, static_cast<std::int32_t>(std::floor(v)));
        break;
    }
  }
  return bytes;
}

// The same file written three ways: by every rank of @p comm into @p all, by rank 0 alone into
// @p alone, and by the other ranks (if any) into @p rest. Returns the sizes the writers returned.
template <class Write>
std::vector<std::uint64_t> write_three_ways(const boost::mpi::communicator& comm, const std::string& all,
                                            const std::string& alone, const std::string& rest, Write write) {
  std::vector<std::uint64_t> sizes;
  sizes.push_back(write(comm, all, 2));
  const boost::mpi::communicator part = comm.split(comm.rank() == 0 ? 0 : 1);
  sizes.push_back(write(part, comm.rank() == 0 ? alone : rest, 3));
  comm.barrier();
  return sizes;
}

// Rank 0 compares the files of write_three_ways with @p expected (one host: every rank sees the same
// files; comparing on one rank keeps the test quick at 4 ranks on few cores).
void expect_three(const boost::mpi::communicator& comm, const SharedDir& dir, const std::string& stem,
                  const std::string& expected, const std::string& what) {
  if (comm.rank() != 0) return;
  EXPECT_TRUE(slurp(dir.file("all" + stem)) == expected) << what << ": all ranks";
  EXPECT_TRUE(slurp(dir.file("alone" + stem)) == expected) << what << ": rank 0 alone";
  if (comm.size() > 1) {
    EXPECT_TRUE(slurp(dir.file("rest" + stem)) == expected) << what << ": the other ranks";
  }
}

gen::Spec spec_of(gen::Distribution distribution, double missing, std::uint64_t seed) {
  gen::Spec spec{.distribution = distribution, .a = 0.0, .b = 1.0, .seed = seed, .missing = missing};
  gen::default_parameters(distribution, spec.a, spec.b);
  return spec;
}

}  // namespace

namespace {

// The files of a directory other than those named: temporary files left behind would show here.
std::set<std::string> expected_listing(const boost::mpi::communicator& comm, const std::string& stem) {
  std::set<std::string> names = {"all" + stem, "alone" + stem};
  if (comm.size() > 1) names.insert("rest" + stem);
  return names;
}

}  // namespace

TEST(WriteCsv, bytes_are_the_generated_values_for_every_layout_with_the_header_line) {
  const boost::mpi::communicator comm;
  const SharedDir dir(comm, "parakit_write");
  const std::vector<std::string> names = {"id", "price", "qty"};
  const gen::Spec spec = spec_of(gen::Distribution::kNormal, 0.1, 7);
  const std::uint64_t rows = 5003;  // not a multiple of 2, 3 or 4: uneven blocks
  for (const bool header : {true, false}) {
    for (const char sep : {',', ';'}) {
      const std::string expected = expected_csv(names, spec, rows, sep, header);
      const auto sizes = write_three_ways(
          comm, dir.file("all.csv"), dir.file("alone.csv"), dir.file("rest.csv"),
          [&](const boost::mpi::communicator& c, const std::string& path, int threads) {
            return mpi::write_csv(c, path, names, spec, rows, sep, header, {.threads = threads});
          });
      for (const auto size : sizes)
        EXPECT_EQ(size, expected.size());
      const std::string all = slurp(dir.file("all.csv"));
      expect_three(comm, dir, ".csv", expected,
                   std::string("header ") + (header ? "on" : "off") + ", sep " + sep);
      const std::string first_line = all.substr(0, all.find('\n') + 1);
      if (header) {
        EXPECT_EQ(first_line, std::string("id") + sep + "price" + sep + "qty\n");
      } else {
        EXPECT_EQ(first_line, expected_csv(names, spec, 1, sep, false));
      }
    }
  }
  // The spec leaves about 10% missing: empty fields, so the test covers them.
  EXPECT_NE(expected_csv(names, spec, 100, ',', false).find(",,"), std::string::npos);
  comm.barrier();
  EXPECT_EQ(dir.listing(), expected_listing(comm, ".csv"));
}

TEST(WriteCsv, several_rounds_follow_each_other_in_row_order) {
  const boost::mpi::communicator comm;
  const SharedDir dir(comm, "parakit_write");
  // One column: a round holds 2^20 rows per rank, so this is two rounds, the second uneven. The sequence
  // 1, 2, 3, ... keeps the text short.
  const gen::Spec spec = spec_of(gen::Distribution::kSequence, 0.0, 1);
  const std::uint64_t rows = kPieceValues * static_cast<std::uint64_t>(comm.size()) + 777;
  const std::string expected = comm.rank() == 0 ? expected_csv({"n"}, spec, rows, ',', true) : "";
  const auto sizes = write_three_ways(comm, dir.file("all.csv"), dir.file("alone.csv"), dir.file("rest.csv"),
                                      [&](const boost::mpi::communicator& c, const std::string& path, int) {
                                        return mpi::write_csv(c, path, {"n"}, spec, rows, ',', true);
                                      });
  if (comm.rank() == 0) {
    EXPECT_EQ(sizes[0], expected.size());
    EXPECT_EQ(sizes[1], expected.size());
  }
  expect_three(comm, dir, ".csv", expected, std::to_string(rows) + " rows");
}

TEST(WriteBinary, f64_f32_i32_bytes_are_the_generated_values_for_every_layout) {
  const boost::mpi::communicator comm;
  const SharedDir dir(comm, "parakit_write");
  struct Case {
    mpi::Dtype dtype;
    gen::Spec spec;
    std::uint64_t rows;
  };
  gen::Spec dice = spec_of(gen::Distribution::kUniform, 0.0, 11);
  dice.a = -1000.5;  // negative values too: rounded down, two's complement
  dice.b = 1000.5;
  const std::vector<Case> cases = {
      {mpi::Dtype::kF64, spec_of(gen::Distribution::kNormal, 0.05, 3), 4099},  // NaN for the missing
      {mpi::Dtype::kF32, spec_of(gen::Distribution::kExponential, 0.0, 4), 4099},
      {mpi::Dtype::kI32, dice, 4099},
      {mpi::Dtype::kI64, dice, 7},  // fewer rows than ranks at 4: some write nothing
      // Two rounds, the second uneven.
      {mpi::Dtype::kF32, spec_of(gen::Distribution::kUniform, 0.0, 5),
       kPieceValues * static_cast<std::uint64_t>(comm.size()) + 12345},
  };
  for (const auto& c : cases) {
    const std::string expected = comm.rank() == 0 ? expected_binary(c.spec, c.rows, c.dtype) : "";
    const auto sizes =
        write_three_ways(comm, dir.file("all.bin"), dir.file("alone.bin"), dir.file("rest.bin"),
                         [&](const boost::mpi::communicator& w, const std::string& path, int threads) {
                           return mpi::write_binary(w, path, c.spec, c.rows, c.dtype, {.threads = threads});
                         });
    for (const auto size : sizes)
      EXPECT_EQ(size, c.rows * dtype_bytes(c.dtype));
    const std::string name = dtype_name(c.dtype);
    expect_three(comm, dir, ".bin", expected, name + ", " + std::to_string(c.rows) + " rows");
  }
  comm.barrier();
  EXPECT_EQ(dir.listing(), expected_listing(comm, ".bin"));
}

TEST(WriteBinary, a_value_outside_i32_is_refused_on_every_rank_and_the_old_file_stays) {
  const boost::mpi::communicator comm;
  const SharedDir dir(comm, "parakit_write");
  const std::string path = dir.file("keep.bin");
  if (comm.rank() == 0) std::ofstream(path) << "old";
  comm.barrier();
  gen::Spec spec = spec_of(gen::Distribution::kUniform, 0.0, 9);
  spec.b = 4.3e9;  // about half the values exceed INT32_MAX
  const std::uint64_t rows = 1000;
  std::uint64_t bad = 0;
  while (std::floor(gen::value(spec, 0, bad)) <= std::numeric_limits<std::int32_t>::max())
    ++bad;
  const std::string message = "--dtype i32: the value " + shortest(gen::value(spec, 0, bad)) + " of row " +
                              std::to_string(bad) +
                              " does not fit (accepted: a wider --dtype, or other --params)";
  try {
    mpi::write_binary(comm, path, spec, rows, mpi::Dtype::kI32, {.threads = 2});
    ADD_FAILURE() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
  // The same numbers fit 64 bits.
  EXPECT_EQ(mpi::write_binary(comm, dir.file("wide.bin"), spec, rows, mpi::Dtype::kI64), rows * 8);
  EXPECT_TRUE(slurp(dir.file("wide.bin")) == expected_binary(spec, rows, mpi::Dtype::kI64));
  // Missing values have no integer form: refused before anything is written.
  spec.missing = 0.5;
  try {
    mpi::write_binary(comm, path, spec, rows, mpi::Dtype::kI32);
    ADD_FAILURE() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--missing: missing values are NaN, which i32 cannot hold (accepted: --missing 0 with an "
              "integer --dtype, or --dtype f64 or f32)");
  }
  comm.barrier();
  EXPECT_EQ(slurp(path), "old");
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"keep.bin", "wide.bin"}));  // no temporary file
}

namespace {

// Rank 0 reads every dataset back with the serial HDF5 C API; the others return empty.
struct Dataset {
  std::vector<double> values;
  bool is_f32 = false;
  bool is_f64 = false;
};

std::vector<Dataset> read_hdf5(const std::string& path, const std::vector<std::string>& names) {
  std::vector<Dataset> sets;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(file, 0) << path;
  if (file < 0) return sets;
  for (const auto& name : names) {
    Dataset d;
    const hid_t set = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
    EXPECT_GE(set, 0) << name;
    if (set < 0) continue;
    const hid_t space = H5Dget_space(set);
    hsize_t extent = 0;
    EXPECT_EQ(H5Sget_simple_extent_ndims(space), 1) << name;
    H5Sget_simple_extent_dims(space, &extent, nullptr);
    const hid_t type = H5Dget_type(set);
    d.is_f32 = H5Tequal(type, H5T_IEEE_F32LE) > 0;
    d.is_f64 = H5Tequal(type, H5T_IEEE_F64LE) > 0;
    d.values.resize(static_cast<std::size_t>(extent));
    EXPECT_GE(H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.values.data()), 0) << name;
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(set);
    sets.push_back(std::move(d));
  }
  H5Fclose(file);
  return sets;
}

// Every dataset of @p path holds its generator column (as float for f32), missing values as NaN.
void expect_hdf5_values(const std::string& path, const std::vector<std::string>& names, const gen::Spec& spec,
                        std::uint64_t rows, mpi::Dtype dtype) {
  const auto sets = read_hdf5(path, names);
  ASSERT_EQ(sets.size(), names.size());
  std::uint64_t missing = 0;
  for (std::size_t c = 0; c < names.size(); ++c) {
    EXPECT_EQ(sets[c].is_f64, dtype == mpi::Dtype::kF64) << names[c];
    EXPECT_EQ(sets[c].is_f32, dtype == mpi::Dtype::kF32) << names[c];
    ASSERT_EQ(sets[c].values.size(), rows) << names[c];
    for (std::uint64_t i = 0; i < rows; ++i) {
      double v = gen::value(spec, c, i);
      if (dtype == mpi::Dtype::kF32) v = static_cast<float>(v);
      const double got = sets[c].values[i];
      if (std::isnan(v)) {
        ++missing;
        EXPECT_TRUE(std::isnan(got)) << names[c] << " row " << i;
      } else {
        EXPECT_EQ(got, v) << names[c] << " row " << i;
      }
    }
  }
  EXPECT_GT(missing, 0U);  // about 5% of the values: the NaNs are covered
}

}  // namespace

TEST(WriteHdf5, datasets_hold_the_generated_values_and_the_bytes_do_not_depend_on_the_layout) {
  const boost::mpi::communicator comm;
  const SharedDir dir(comm, "parakit_write");
  const std::vector<std::string> names = {"/x", "group/y", "/a/b/z"};
  const gen::Spec spec = spec_of(gen::Distribution::kNormal, 0.05, 13);
  const std::uint64_t rows = 3001;
  for (const mpi::Dtype dtype : {mpi::Dtype::kF64, mpi::Dtype::kF32}) {
    const auto sizes =
        write_three_ways(comm, dir.file("all.h5"), dir.file("alone.h5"), dir.file("rest.h5"),
                         [&](const boost::mpi::communicator& c, const std::string& path, int threads) {
                           return mpi::write_hdf5(c, path, names, spec, rows, dtype, {.threads = threads});
                         });
    const std::string all = slurp(dir.file("all.h5"));
    EXPECT_EQ(sizes[0], all.size());
    EXPECT_TRUE(slurp(dir.file("alone.h5")) == all) << dtype_name(dtype);
    if (comm.size() > 1) {
      EXPECT_TRUE(slurp(dir.file("rest.h5")) == all) << dtype_name(dtype);
    }
    if (comm.rank() == 0) expect_hdf5_values(dir.file("all.h5"), names, spec, rows, dtype);
  }
  comm.barrier();
  EXPECT_EQ(dir.listing(), expected_listing(comm, ".h5"));
}

TEST(Write, a_directory_that_does_not_exist_is_a_usage_error_on_every_rank_and_leaves_nothing) {
  const boost::mpi::communicator comm;
  const SharedDir dir(comm, "parakit_write");
  const gen::Spec spec = spec_of(gen::Distribution::kUniform, 0.0, 1);
  for (const char* file : {"out.csv", "out.bin", "out.h5"}) {
    const std::string path = dir.file(std::string("none/") + file);
    const std::string message = "--output '" + path + "': directory '" + dir.file("none") +
                                "' does not exist (accepted: a file path in a writable directory)";
    const mpi::WriteOptions options{.threads = 0, .option = "--output"};
    try {
      const std::string name = file;
      if (name.ends_with(".csv")) mpi::write_csv(comm, path, {"a"}, spec, 100, ',', true, options);
      if (name.ends_with(".bin")) mpi::write_binary(comm, path, spec, 100, mpi::Dtype::kF64, options);
      if (name.ends_with(".h5")) mpi::write_hdf5(comm, path, {"a"}, spec, 100, mpi::Dtype::kF64, options);
      ADD_FAILURE() << file << ": no exception";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()), message);
    }
  }
  comm.barrier();
  EXPECT_TRUE(dir.listing().empty());
}

TEST(Write, an_existing_file_is_replaced_and_keeps_its_permissions_a_new_one_gets_the_umask) {
  const boost::mpi::communicator comm;
  const SharedDir dir(comm, "parakit_write");
  const gen::Spec spec = spec_of(gen::Distribution::kSequence, 0.0, 1);
  const std::vector<std::string> names = {"v"};
  // The new contents: whole for CSV and binary, the HDF5 signature for HDF5.
  const std::vector<std::pair<std::string, std::string>> files = {
      {"old.csv", "v\n1\n2\n3\n"},
      {"old.bin", std::string("\1\0\0\0\2\0\0\0\3\0\0\0", 12)},
      {"old.h5", "\x89HDF\r\n\x1a\n"}};
  for (const auto& [file, start] : files) {
    const std::string path = dir.file(file);
    if (comm.rank() == 0) {
      std::ofstream(path) << "an old file, longer than the new one would be if it were only overwritten\n";
      fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    }
    comm.barrier();
    std::string now;
    if (file.ends_with(".csv")) {
      mpi::write_csv(comm, path, names, spec, 3, ',', true);
      now = slurp(path);
    } else if (file.ends_with(".bin")) {
      mpi::write_binary(comm, path, spec, 3, mpi::Dtype::kI32);
      now = slurp(path);
    } else {
      mpi::write_hdf5(comm, path, names, spec, 3, mpi::Dtype::kF64);
      now = slurp(path).substr(0, start.size());
    }
    EXPECT_EQ(now, start) << file;
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 07777, 0640U) << file;
    comm.barrier();
  }
  const mode_t mask = ::umask(0);
  ::umask(mask);
  mpi::write_csv(comm, dir.file("new.csv"), names, spec, 3, ',', false);
  comm.barrier();
  struct stat st {};
  EXPECT_EQ(::stat(dir.file("new.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0666U & ~mask);
  EXPECT_EQ(slurp(dir.file("new.csv")), "1\n2\n3\n");
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"new.csv", "old.bin", "old.csv", "old.h5"}));
}
