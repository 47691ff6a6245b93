// Fields in files under mpiexec at 1-4 ranks: what write_field writes, read_field reads back to the bit
// (raw f64 and HDF5), every rank learns the grid, and every bad file is refused on every rank together
// with one line naming --input and the file; a failed write leaves the old file and no temporary.

#include <bit>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/mpi/collectives/all_gather.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/string.hpp>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>

#include "parakit/error.hpp"
#include "parakit/mpi/field_file.hpp"

#include "shared_dir.hpp"

using namespace parakit;
namespace fs = std::filesystem;
using kernels::heat::GridSize;
using mpi::FieldFile;

static_assert(std::endian::native == std::endian::little, "the expected bytes are built by memcpy");

namespace {

constexpr auto kBinary = format::FileType::kBinary;
constexpr auto kHdf5 = format::FileType::kHdf5;

using parakit::test::SharedDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string bytes_of(const std::vector<double>& values) {
  return {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double)};
}

// rows x cols values that differ in every bit pattern that matters: negative, zero of both signs,
// subnormal, huge, and fractions that do not round-trip through text of few digits.
std::vector<double> sample_field(GridSize grid) {
  std::vector<double> v(static_cast<std::size_t>(grid.cells()));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = (static_cast<double>(i) - 7.0) / 3.0;
  v[0] = -0.0;
  if (v.size() > 2) v[2] = std::numeric_limits<double>::denorm_min();
  if (v.size() > 3) v[3] = -1.7976931348623157e308;
  return v;
}

// A serial HDF5 file holding one dataset of @p type and shape @p dims, written from doubles (rank 0).
void make_hdf5(const std::string& path, const std::string& dataset, hid_t type,
               const std::vector<hsize_t>& dims, const std::vector<double>& values) {
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t set = H5Dcreate2(file, dataset.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(set, 0);
  EXPECT_GE(H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  H5Dclose(set);
  H5Sclose(space);
  H5Fclose(file);
}

// The message of the exception of type E that @p f throws (on this rank), or a test failure.
template <class E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "another exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no exception";
  return {};
}

// Every rank throws UsageError from read_field with the same one-line message, which names --input and the
// quoted path and contains @p what. Returns the message.
std::string refused_everywhere(const boost::mpi::communicator& comm, const FieldFile& file,
                               std::optional<GridSize> grid, const std::string& what) {
  GridSize read{};
  const std::string message = message_of<UsageError>([&] { mpi::read_field(comm, file, grid, read); });
  std::vector<std::string> all;
  boost::mpi::all_gather(comm, message, all);
  for (const auto& m : all)
    EXPECT_EQ(m, message) << "every rank throws the same message";
  EXPECT_EQ(message.rfind("--input '" + file.path + "': ", 0), 0u) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

}  // namespace

TEST(FieldFile, raw_f64_round_trip_is_bitwise_and_every_rank_learns_the_grid) {
  const boost::mpi::communicator world;
  const SharedDir dir(world, "parakit_field");
  const GridSize grid{5, 7};
  const std::vector<double> field = world.rank() == 0 ? sample_field(grid) : std::vector<double>{};
  const FieldFile file{dir.file("field.f64"), kBinary, "/field"};
  mpi::write_field(world, file, grid, field);
  if (world.rank() == 0) {
    EXPECT_EQ(slurp(file.path), bytes_of(sample_field(grid)));  // row-major little-endian f64, nothing else
    EXPECT_EQ(dir.listing(), (std::set<std::string>{"field.f64"}));
  }
  GridSize read{};
  const std::vector<double> values = mpi::read_field(world, file, grid, read);
  EXPECT_EQ(read, grid);
  if (world.rank() == 0) {
    EXPECT_EQ(bytes_of(values), bytes_of(sample_field(grid)));
  } else {
    EXPECT_TRUE(values.empty()) << "the values live on rank 0 only";
  }
}

TEST(FieldFile, hdf5_round_trip_creates_intermediate_groups_and_reads_the_shape) {
  const boost::mpi::communicator world;
  const SharedDir dir(world, "parakit_field");
  const GridSize grid{3, 11};
  const std::vector<double> field = world.rank() == 0 ? sample_field(grid) : std::vector<double>{};
  const FieldFile file{dir.file("field.h5"), kHdf5, "/run/final/u"};
  mpi::write_field(world, file, grid, field);
  if (world.rank() == 0) {
    EXPECT_EQ(dir.listing(), (std::set<std::string>{"field.h5"}));
    // An independent look with HDF5 itself: a 2-D dataset of 3 x 11 IEEE little-endian doubles.
    const hid_t h5 = H5Fopen(file.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(h5, 0);
    const hid_t set = H5Dopen2(h5, file.dataset.c_str(), H5P_DEFAULT);
    ASSERT_GE(set, 0);
    const hid_t space = H5Dget_space(set);
    hsize_t dims[2] = {0, 0};
    EXPECT_EQ(H5Sget_simple_extent_ndims(space), 2);
    H5Sget_simple_extent_dims(space, dims, nullptr);
    EXPECT_EQ(dims[0], 3u);
    EXPECT_EQ(dims[1], 11u);
    const hid_t type = H5Dget_type(set);
    EXPECT_GT(H5Tequal(type, H5T_IEEE_F64LE), 0);
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(set);
    H5Fclose(h5);
  }
  GridSize read{};
  const std::vector<double> values = mpi::read_field(world, file, std::nullopt, read);
  EXPECT_EQ(read, grid) << "every rank learns the dataset's shape";
  if (world.rank() == 0) {
    EXPECT_EQ(bytes_of(values), bytes_of(sample_field(grid)));
  }
  GridSize again{};
  mpi::read_field(world, file, grid, again);  // a --grid that agrees is accepted
  EXPECT_EQ(again, grid);
}

TEST(FieldFile, an_existing_file_is_replaced_whole) {
  const boost::mpi::communicator world;
  const SharedDir dir(world, "parakit_field");
  const FieldFile file{dir.file("field.f64"), kBinary, "/field"};
  if (world.rank() == 0) spit(file.path, std::string(1000, 'x'));
  world.barrier();
  const std::vector<double> field =
      world.rank() == 0 ? std::vector<double>{1.5, -2.5} : std::vector<double>{};
  mpi::write_field(world, file, {1, 2}, field);
  if (world.rank() == 0) {
    EXPECT_EQ(slurp(file.path), bytes_of({1.5, -2.5}));
    EXPECT_EQ(dir.listing(), (std::set<std::string>{"field.f64"}));
  }
}

TEST(FieldFile, a_raw_file_of_the_wrong_size_or_without_a_grid_is_refused_on_every_rank) {
  const boost::mpi::communicator world;
  const SharedDir dir(world, "parakit_field");
  const FieldFile file{dir.file("short.f64"), kBinary, "/field"};
  if (world.rank() == 0) spit(file.path, std::string(100, '\0'));
  world.barrier();
  EXPECT_EQ(refused_everywhere(world, file, GridSize{3, 4}, "100 bytes"),
            "--input '" + file.path +
                "': the file has 100 bytes, a 3x4 grid of f64 needs 96 (accepted: raw little-endian f64, "
                "row-major, nothing else)");
  refused_everywhere(world, file, std::nullopt, "needs --grid");
}

TEST(FieldFile, a_directory_or_a_missing_file_is_refused_on_every_rank) {
  const boost::mpi::communicator world;
  const SharedDir dir(world, "parakit_field");
  refused_everywhere(world, {dir.file("sub"), kBinary, "/field"}, GridSize{1, 1},
                     "cannot open: No such file");
  if (world.rank() == 0) fs::create_directory(dir.file("sub"));
  world.barrier();
  refused_everywhere(world, {dir.file("sub"), kBinary, "/field"}, GridSize{1, 1}, "not a regular file");
  refused_everywhere(world, {dir.file("sub"), kHdf5, "/field"}, std::nullopt, "not a regular file");
  if (world.rank() == 0) fs::create_symlink("/dev/null", dir.file("null.f64"));
  world.barrier();
  refused_everywhere(world, {dir.file("null.f64"), kBinary, "/field"}, GridSize{1, 1}, "not a regular file");
}

TEST(FieldFile, a_value_that_is_not_finite_is_refused_naming_its_row_and_column) {
  const boost::mpi::communicator world;
  const SharedDir dir(world, "parakit_field");
  const GridSize grid{3, 4};
  std::vector<double> field(12, 0.25);
  field[1 * 4 + 2] = std::numeric_limits<double>::quiet_NaN();
  field[2 * 4 + 3] = std::numeric_limits<double>::infinity();  // after the NaN: the first one is named
  const FieldFile raw{dir.file("nan.f64"), kBinary, "/field"};
  const FieldFile h5{dir.file("inf.h5"), kHdf5, "/field"};
  if (world.rank() == 0) {
    spit(raw.path, bytes_of(field));
    field[1 * 4 + 2] = 0.25;
    make_hdf5(h5.path, h5.dataset, H5T_IEEE_F64LE, {3, 4}, field);
  }
  world.barrier();
  EXPECT_EQ(refused_everywhere(world, raw, grid, "row 1, column 2"),
            "--input '" + raw.path +
                "': the value at row 1, column 2 (counting from 0) is nan (accepted: finite values only)");
  refused_everywhere(world, h5, std::nullopt, "the value at row 2, column 3 (counting from 0) is inf");
}

TEST(FieldFile, an_hdf5_dataset_that_is_not_2d_doubles_is_refused_on_every_rank) {
  const boost::mpi::communicator world;
  const SharedDir dir(world, "parakit_field");
  const std::vector<double> values(24, 1.0);
  if (world.rank() == 0) {
    make_hdf5(dir.file("3d.h5"), "/field", H5T_IEEE_F64LE, {2, 3, 4}, values);
    make_hdf5(dir.file("1d.h5"), "/field", H5T_IEEE_F64LE, {24}, values);
    make_hdf5(dir.file("int.h5"), "/field", H5T_STD_I32LE, {4, 6}, values);
    make_hdf5(dir.file("f32.h5"), "/field", H5T_IEEE_F32LE, {4, 6}, values);
    make_hdf5(dir.file("big_endian.h5"), "/field", H5T_IEEE_F64BE, {4, 6}, values);
    spit(dir.file("text.h5"), "1 2 3\n");
  }
  world.barrier();
  const auto h5 = [&](const std::string& name) { return FieldFile{dir.file(name), kHdf5, "/field"}; };
  refused_everywhere(world, h5("3d.h5"), std::nullopt, "dataset '/field' has 3 dimensions");
  refused_everywhere(world, h5("1d.h5"), std::nullopt, "dataset '/field' has 1 dimensions");
  refused_everywhere(world, h5("int.h5"), std::nullopt, "dataset '/field' holds 4-byte integer values");
  refused_everywhere(world, h5("f32.h5"), std::nullopt, "dataset '/field' holds 4-byte float values");
  refused_everywhere(world, h5("text.h5"), std::nullopt, "not an HDF5 file");
  refused_everywhere(world, {dir.file("int.h5"), kHdf5, "/other"}, std::nullopt, "no dataset '/other'");
  refused_everywhere(world, {dir.file("int.h5"), kHdf5, "/a/b"}, std::nullopt, "no dataset '/a/b'");
  refused_everywhere(world, h5("big_endian.h5"), GridSize{6, 4}, "dataset '/field' is 4x6, --grid says 6x4");
  // Big-endian doubles are doubles: HDF5 converts them.
  GridSize read{};
  const std::vector<double> got = mpi::read_field(world, h5("big_endian.h5"), std::nullopt, read);
  EXPECT_EQ(read, (GridSize{4, 6}));
  if (world.rank() == 0) {
    EXPECT_EQ(got, values);
  }
}

TEST(FieldFile, a_path_that_cannot_be_written_is_a_usage_error_on_every_rank_and_leaves_nothing) {
  const boost::mpi::communicator world;
  const SharedDir dir(world, "parakit_field");
  const std::vector<double> field = world.rank() == 0 ? std::vector<double>{1.0} : std::vector<double>{};
  const std::string missing = dir.file("no/field.f64");
  const std::string message = message_of<UsageError>([&] {
    mpi::write_field(world, {missing, kBinary, "/field"}, {1, 1}, field);
  });
  EXPECT_EQ(message, "--output '" + missing + "': directory '" + dir.file("no") +
                         "' does not exist (accepted: a file path in a writable directory)");
  const std::string csv = message_of<UsageError>([&] {
    mpi::write_field(world, {dir.file("f.csv"), format::FileType::kCsv, "/field"}, {1, 1}, field);
  });
  EXPECT_NE(csv.find("a field is not written as csv"), std::string::npos) << csv;
  if (world.rank() == 0) {
    EXPECT_TRUE(dir.listing().empty());
  }
}

TEST(FieldFile, a_write_that_fails_on_rank_0_fails_every_rank_and_leaves_the_old_file_and_no_temporary) {
  const boost::mpi::communicator world;
  const SharedDir dir(world, "parakit_field");
  for (const auto type : {kBinary, kHdf5}) {
    const FieldFile file{dir.file(type == kBinary ? "field.f64" : "field.h5"), type, "/field"};
    if (world.rank() == 0) spit(file.path, "old field");
    world.barrier();
    // On rank 0 a file size limit makes write(2) fail with EFBIG past 1 KiB; the field is 8 KiB.
    // SIGXFSZ, which would end the process, is ignored meanwhile.
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    if (world.rank() == 0) {
      rlimit small = saved;
      small.rlim_cur = 1024;
      ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    }
    const std::vector<double> field =
        world.rank() == 0 ? std::vector<double>(1024, 0.5) : std::vector<double>{};
    const std::string message = message_of<Error>([&] { mpi::write_field(world, file, {32, 32}, field); });
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);
    std::vector<std::string> all;
    boost::mpi::all_gather(world, message, all);
    for (const auto& m : all)
      EXPECT_EQ(m, message) << "every rank throws the same message";
    EXPECT_EQ(message.rfind("--output: cannot write '" + file.path + "': ", 0), 0u) << message;
    EXPECT_EQ(message, "--output: cannot write '" + file.path + "': File too large");
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    if (world.rank() == 0) {
      EXPECT_EQ(slurp(file.path), "old field");
      EXPECT_EQ(dir.listing().count(fs::path(file.path).filename().string()), 1u);
    }
    world.barrier();
  }
  if (world.rank() == 0) {
    EXPECT_EQ(dir.listing(), (std::set<std::string>{"field.f64", "field.h5"}));
  }
}
