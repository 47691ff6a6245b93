#include "parakit/mpi/write.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/string.hpp>
#include <hdf5.h>
#include <mpi.h>
#include <omp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/kernels/partition.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/mpi/environment.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {
namespace {

namespace gen = kernels::generate;

// Values generated per rank and round: 8 MiB of doubles, at most about 25 MiB of CSV text. Large enough
// that a round's collectives cost nothing next to its write, small enough for any node.
constexpr std::uint64_t kPieceValues = std::uint64_t{1} << 20;

constexpr const char* kAccepted = " (accepted: a file path in a writable directory)";

std::string mpi_message(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error code " + std::to_string(code);
  return std::string(text, static_cast<std::size_t>(length));
}

// The file and the messages about it: `given` as the user typed it, `target` the file actually replaced.
struct Target {
  std::string given;
  std::string target;
  std::string option;
  [[nodiscard]] std::string cannot_write(const std::string& why) const {
    return option + ": cannot write '" + given + "': " + why;
  }
};

// Rank 0's check before anything is generated, so that a typo in the directory fails at once.
void check_target(const Target& t) {
  const std::string what = t.option + " '" + t.given + "'";
  if (t.given.empty()) throw UsageError(t.option + ": the file name is empty" + kAccepted);
  std::string directory = std::filesystem::path(t.target).parent_path().string();
  if (directory.empty()) directory = ".";
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      throw UsageError(what + ": directory '" + directory + "' does not exist" + kAccepted);
    throw UsageError(what + ": directory '" + directory + "': " + std::strerror(errno) + kAccepted);
  }
  if (!S_ISDIR(st.st_mode)) throw UsageError(what + ": '" + directory + "' is not a directory" + kAccepted);
  if (::access(directory.c_str(), W_OK | X_OK) != 0)
    throw UsageError(what + ": directory '" + directory + "' is not writable" + kAccepted);
  if (::stat(t.target.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw UsageError(what + " is a directory" + kAccepted);
    if (!S_ISREG(st.st_mode)) throw UsageError(what + " is not a regular file" + kAccepted);
    // The file is replaced by a rename, which the directory's permissions allow even for a read-only
    // file: refuse one without write permission bits, as a user who protected it expects.
    if ((st.st_mode & 0222) == 0) throw UsageError(what + " is read-only" + kAccepted);
  }
}

// The temporary file beside the target, created by rank 0 and known to all ranks. Rank 0 removes it
// again unless it was renamed over the target; on every other rank the object only holds the name.
class TempFile {
 public:
  TempFile(const boost::mpi::communicator& comm, const Target& t) : is_root_(comm.rank() == 0) {
    std::optional<Failure> failure;
    if (is_root_) {
      std::string name = t.target + ".tmp.XXXXXX";
      const int fd = ::mkstemp(name.data());
      if (fd < 0) {
        failure = Failure{false, t.cannot_write(std::strerror(errno))};
      } else {
        name_ = name;
        // The new file keeps an existing file's permissions; a new one gets the usual 0666 less the
        // umask (mkstemp creates 0600).
        mode_t mode = 0;
        struct stat st {};
        if (::stat(t.target.c_str(), &st) == 0) {
          mode = st.st_mode & 07777;
        } else {
          const mode_t mask = ::umask(0);
          ::umask(mask);
          mode = 0666 & ~mask;
        }
        int error = ::fchmod(fd, mode) == 0 ? 0 : errno;
        if (::close(fd) != 0 && error == 0) error = errno;
        if (error != 0) failure = Failure{false, t.cannot_write(std::strerror(error))};
      }
    }
    if (failure && !name_.empty()) {
      std::remove(name_.c_str());  // a constructor that throws runs no destructor
      name_.clear();
    }
    raise_if_any(comm, failure);
    boost::mpi::broadcast(comm, name_, 0);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (is_root_ && !committed_ && !name_.empty()) std::remove(name_.c_str());
  }

  [[nodiscard]] const std::string& name() const { return name_; }

  // Rank 0 renames the file over the target; every rank returns, or throws, together.
  void commit(const boost::mpi::communicator& comm, const Target& t) {
    std::optional<Failure> failure;
    if (is_root_) {
      if (std::rename(name_.c_str(), t.target.c_str()) == 0) {
        committed_ = true;
      } else {
        failure = Failure{false, t.cannot_write(std::string("rename: ") + std::strerror(errno))};
      }
    }
    raise_if_any(comm, failure);
  }

  // The size of the file, on every rank (rank 0 looks).
  std::uint64_t size(const boost::mpi::communicator& comm, const Target& t) const {
    std::optional<Failure> failure;
    std::uint64_t bytes = 0;
    struct stat st {};
    if (is_root_) {
      if (::stat(name_.c_str(), &st) == 0) {
        bytes = static_cast<std::uint64_t>(st.st_size);
      } else {
        failure = Failure{false, t.cannot_write(std::strerror(errno))};
      }
    }
    raise_if_any(comm, failure);
    boost::mpi::broadcast(comm, bytes, 0);
    return bytes;
  }

 private:
  bool is_root_;
  bool committed_ = false;
  std::string name_;
};

// The checks every writer makes first: the same arguments give the same answer on every rank, and
// rank 0 looks at the file system.
Target prepare(const boost::mpi::communicator& comm, const std::string& path, const WriteOptions& options) {
  Target t{path, path, options.option};
  if (comm.rank() == 0) t.target = sys::follow_file_link(path);
  boost::mpi::broadcast(comm, t.target, 0);
  check_on_root(comm, [&] { check_target(t); });
  return t;
}

// Sets this thread's OpenMP team size for the writer's parallel regions (kernels::generate::fill's
// too, which cannot take one) and restores it afterwards.
class ThreadCount {
 public:
  explicit ThreadCount(int threads) : saved_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;
  ~ThreadCount() { omp_set_num_threads(saved_); }

 private:
  int saved_;
};

// The rows of each round. Round r covers the next `ranks * piece` rows, split over the ranks in rank
// order as evenly as possible, so that every collective write fills one contiguous stretch of the file.
// (One contiguous block per rank would not do for CSV: where rank 1's block starts depends on the
// length of rank 0's whole block as text, known only after formatting all of it.) Every rank makes
// the same number of rounds; the last one may leave some ranks without rows.
struct Rounds {
  std::uint64_t rows = 0;
  std::uint64_t piece = 1;
  std::uint64_t rank = 0;
  std::uint64_t ranks = 1;
  std::uint64_t count = 1;
  [[nodiscard]] kernels::Range round(std::uint64_t r) const {
    const std::uint64_t first = std::min(r * piece * ranks, rows);
    const kernels::Range mine = kernels::block_range(std::min(piece * ranks, rows - first), rank, ranks);
    return {first + mine.first, first + mine.last};
  }
};

Rounds plan(const boost::mpi::communicator& comm, std::uint64_t rows, std::uint64_t values_per_row) {
  Rounds r;
  r.rows = rows;
  r.piece = std::max<std::uint64_t>(1, kPieceValues / std::max<std::uint64_t>(1, values_per_row));
  r.rank = static_cast<std::uint64_t>(comm.rank());
  r.ranks = static_cast<std::uint64_t>(comm.size());
  const std::uint64_t per_round = r.piece * r.ranks;
  r.count = std::max<std::uint64_t>(1, rows / per_round + (rows % per_round != 0 ? 1 : 0));
  return r;
}

std::optional<Failure> current_failure(const Target& t) {
  try {
    throw;
  } catch (const UsageError& e) {
    return Failure{true, e.what()};
  } catch (const std::exception& e) {
    return Failure{false, t.cannot_write(e.what())};
  } catch (...) {
    return Failure{false, t.cannot_write("unknown exception")};
  }
}

// ---- MPI-IO --------------------------------------------------------------------------------------

// An MPI file opened by every rank. Closing is collective, so it happens only where all ranks agree
// (close()), never in a destructor that one rank may reach alone.
class MpiFile {
 public:
  MpiFile(const boost::mpi::communicator& comm, const std::string& name, const Target& t) {
    std::optional<Failure> failure;
    const int code = MPI_File_open(comm, name.c_str(), MPI_MODE_WRONLY, MPI_INFO_NULL, &file_);
    if (code != MPI_SUCCESS) {
      file_ = MPI_FILE_NULL;
      failure = Failure{false, t.cannot_write("MPI_File_open: " + mpi_message(code))};
    }
    if (const auto agreed = agree_on_failure(comm, failure)) {
      if (file_ != MPI_FILE_NULL) MPI_File_close(&file_);  // every rank that opened it is here too
      raise(*agreed);
    }
  }
  MpiFile(const MpiFile&) = delete;
  MpiFile& operator=(const MpiFile&) = delete;

  // Writes @p bytes at @p offset (collective; @p bytes may be empty); a failure is kept in @p failure.
  void write_at(std::uint64_t offset, std::span<const char> bytes, const Target& t,
                std::optional<Failure>& failure) {
    // MPI counts are ints. A piece is about 25 MiB of text at most; only absurdly long column names
    // could exceed 2 GiB, and even then this rank must still take part, with nothing to write.
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
      if (!failure)
        failure = Failure{false, t.cannot_write("a piece of " + std::to_string(bytes.size()) +
                                                " bytes is more than one MPI write can take")};
      bytes = {};
    }
    MPI_Status status;
    const int code = MPI_File_write_at_all(file_, static_cast<MPI_Offset>(offset), bytes.data(),
                                           static_cast<int>(bytes.size()), MPI_BYTE, &status);
    int written = 0;
    if (code != MPI_SUCCESS) {
      if (!failure) failure = Failure{false, t.cannot_write("MPI_File_write_at_all: " + mpi_message(code))};
    } else if (MPI_Get_count(&status, MPI_BYTE, &written) != MPI_SUCCESS ||
               static_cast<std::size_t>(written) != bytes.size()) {
      if (!failure) {
        failure = Failure{false, t.cannot_write("MPI_File_write_at_all wrote " + std::to_string(written) +
                                                " of " + std::to_string(bytes.size()) + " bytes")};
      }
    }
  }

  // Flushes and closes the file on every rank (collective); a failure is kept in @p failure.
  void close(const Target& t, std::optional<Failure>& failure) {
    int code = MPI_File_sync(file_);
    if (code != MPI_SUCCESS && !failure)
      failure = Failure{false, t.cannot_write("MPI_File_sync: " + mpi_message(code))};
    code = MPI_File_close(&file_);
    if (code != MPI_SUCCESS && !failure)
      failure = Failure{false, t.cannot_write("MPI_File_close: " + mpi_message(code))};
  }

 private:
  MPI_File file_ = MPI_FILE_NULL;
};

// The shared loop of the MPI-IO writers: make(round, rows, bytes) appends this rank's bytes of the round
// and returns their offset in the file; with @p scan_offsets the offset comes instead from the lengths
// of the ranks before (an exclusive scan) after the bytes of the rounds before. Returns the bytes
// written by all ranks together.
template <class Make>
std::uint64_t write_rounds(const boost::mpi::communicator& comm, const Target& t, const Rounds& rounds,
                           bool scan_offsets, Make make) {
  TempFile temp(comm, t);
  MpiFile file(comm, temp.name(), t);
  std::uint64_t base = 0;  // where this round's bytes start, with scanned offsets
  std::uint64_t total = 0;
  std::vector<char> bytes;
  std::optional<Failure> failure;
  for (std::uint64_t r = 0; r < rounds.count; ++r) {
    std::uint64_t offset = 0;
    try {
      bytes.clear();
      offset = make(r, rounds.round(r), bytes);
    } catch (...) {
      failure = current_failure(t);
      bytes.clear();  // this rank still takes part in the collectives, with nothing to write
    }
    auto length = static_cast<std::uint64_t>(bytes.size());
    const std::uint64_t round_total = boost::mpi::all_reduce(comm, length, std::plus<std::uint64_t>());
    if (scan_offsets) {
      std::uint64_t before = 0;
      PARAKIT_MPI_CHECK(MPI_Exscan(&length, &before, 1, MPI_UINT64_T, MPI_SUM, comm));
      offset = base + (comm.rank() == 0 ? 0 : before);  // MPI_Exscan leaves rank 0's result undefined
      base += round_total;
    }
    file.write_at(offset, bytes, t, failure);
    total += round_total;
    if (agree_on_failure(comm, failure)) break;
  }
  file.close(t, failure);
  raise_if_any(comm, failure);
  temp.commit(comm, t);
  return total;
}

// Appends the first @p rows values of @p columns to @p out as CSV lines, formatted by this rank's
// threads in blocks of rows and joined in order.
void format_csv(const std::vector<std::vector<double>>& columns, std::size_t rows, char sep,
                std::vector<char>& out) {
  std::vector<std::string> parts(static_cast<std::size_t>(omp_get_max_threads()));
#pragma omp parallel
  {
    const auto t = static_cast<std::uint64_t>(omp_get_thread_num());
    const auto team = static_cast<std::uint64_t>(omp_get_num_threads());
    const kernels::Range block = kernels::block_range(rows, t, team);
    std::string& text = parts[t];
    // 25 characters hold any double in its shortest form ("-2.2250738585072014e-308") and its separator.
    text.reserve(block.size() * columns.size() * 25);
    char field[32];
    for (std::uint64_t i = block.first; i < block.last; ++i) {
      for (std::size_t c = 0; c < columns.size(); ++c) {
        if (c != 0) text.push_back(sep);
        const double v = columns[c][i];
        if (std::isnan(v)) continue;  // missing: an empty field, as pandas writes it
        const auto end = std::to_chars(field, field + sizeof field, v).ptr;
        text.append(field, end);
      }
      text.push_back('\n');
    }
  }
  std::size_t size = out.size();
  for (const auto& part : parts)
    size += part.size();
  out.reserve(size);
  for (const auto& part : parts)
    out.insert(out.end(), part.begin(), part.end());
}

// Stores @p v as the little-endian bytes of an unsigned integer of N bytes.
template <std::size_t N, class U>
inline void store_le(unsigned char* p, U v) {
  for (std::size_t k = 0; k < N; ++k)
    p[k] = static_cast<unsigned char>(v >> (8 * k));
}

// The little-endian bytes of @p values in @p dtype; the index of the first value that does not fit an
// integer dtype, or values.size().
std::size_t encode(std::span<const double> values, Dtype dtype, unsigned char* out) {
  const auto n = static_cast<std::ptrdiff_t>(values.size());
  std::ptrdiff_t bad = n;
#pragma omp parallel for schedule(static) reduction(min : bad)
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const double v = values[static_cast<std::size_t>(i)];
    const auto k = static_cast<std::size_t>(i);
    switch (dtype) {
      case Dtype::kF64:
        store_le<8>(out + 8 * k, std::bit_cast<std::uint64_t>(v));
        break;
      case Dtype::kF32:
        store_le<4>(out + 4 * k, std::bit_cast<std::uint32_t>(static_cast<float>(v)));
        break;
      case Dtype::kI64:
      case Dtype::kI32: {
        // Rounded down, so that a uniform [A, B) stays in [A, B) with every integer equally likely.
        // The cast is defined on [-2^63, 2^63) (both bounds exact doubles); NaN fails both tests.
        if (!(v >= -0x1p63 && v < 0x1p63)) {
          bad = std::min(bad, i);
          break;
        }
        const auto x = static_cast<long long>(std::floor(v));
        if (dtype == Dtype::kI64) {
          store_le<8>(out + 8 * k, static_cast<std::uint64_t>(x));
        } else if (x < INT32_MIN || x > INT32_MAX) {
          bad = std::min(bad, i);
        } else {
          store_le<4>(out + 4 * k, static_cast<std::uint32_t>(static_cast<std::int32_t>(x)));
        }
        break;
      }
    }
  }
  return static_cast<std::size_t>(bad);
}

bool is_integer(Dtype dtype) {
  return dtype == Dtype::kI64 || dtype == Dtype::kI32;
}

// ---- HDF5 ----------------------------------------------------------------------------------------

// HDF5 prints its error stack to stderr by default; the writer turns errors into exceptions instead,
// so the printing is off while it runs and restored afterwards.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

// The outermost and the innermost descriptions on HDF5's error stack (what failed, and the most specific
// reason: "unable to create dataset: name already exists"); the stack is cleared.
std::string hdf5_message() {
  std::vector<std::string> lines;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned /*n*/, const H5E_error2_t* error, void* data) -> herr_t {
        if (error->desc != nullptr) static_cast<std::vector<std::string>*>(data)->emplace_back(error->desc);
        return 0;
      },
      &lines);
  H5Eclear2(H5E_DEFAULT);
  if (lines.empty()) return "unknown HDF5 error";
  return lines.size() == 1 ? lines.front() : lines.front() + ": " + lines.back();
}

// An HDF5 identifier, closed by its own close function when it goes. Where a close is collective
// (datasets, the file), every rank reaches it together: failures leave through agree() only.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), close_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  Handle& operator=(Handle&& other) noexcept {
    std::swap(id_, other.id_);
    std::swap(close_, other.close_);
    return *this;
  }
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }
  // Closes now; false when HDF5 reports an error.
  bool close() { return close_(std::exchange(id_, H5I_INVALID_HID)) >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

// Records the first failure of an HDF5 call on this rank.
void note_hdf5(bool ok, const char* call, const std::string& detail, const Target& t,
               std::optional<Failure>& failure) {
  if (ok || failure) return;
  std::string where = call;
  if (!detail.empty()) where += " '" + detail + "'";
  failure = Failure{false, t.cannot_write(where + ": " + hdf5_message())};
}

}  // namespace

std::uint64_t write_csv(const boost::mpi::communicator& comm, const std::string& path,
                        const std::vector<std::string>& names, const gen::Spec& spec, std::uint64_t rows,
                        char sep, bool header, const WriteOptions& options) {
  PARAKIT_REQUIRE(!names.empty(), "no column names");
  PARAKIT_REQUIRE(sep != '"' && sep != '\n' && sep != '\r', "separator " + std::to_string(sep));
  for (const auto& name : names) {
    PARAKIT_REQUIRE(name.find_first_of(std::string{sep, '"', '\n', '\r'}) == std::string::npos,
                    "column name '" + name + "'");
  }
  const Target t = prepare(comm, path, options);
  const ThreadCount threads(options.threads);
  const Rounds rounds = plan(comm, rows, names.size());
  std::vector<std::vector<double>> columns(names.size());
  return write_rounds(comm, t, rounds, /*scan_offsets=*/true,
                      [&](std::uint64_t r, kernels::Range range, std::vector<char>& bytes) -> std::uint64_t {
                        if (r == 0 && comm.rank() == 0 && header) {
                          for (std::size_t c = 0; c < names.size(); ++c) {
                            if (c != 0) bytes.push_back(sep);
                            bytes.insert(bytes.end(), names[c].begin(), names[c].end());
                          }
                          bytes.push_back('\n');
                        }
                        const auto n = static_cast<std::size_t>(range.size());
                        for (std::size_t c = 0; c < names.size(); ++c) {
                          columns[c].resize(n);
                          gen::fill(spec, c, range.first, columns[c]);
                        }
                        format_csv(columns, n, sep, bytes);
                        return 0;
                      });
}

std::uint64_t write_binary(const boost::mpi::communicator& comm, const std::string& path,
                           const gen::Spec& spec, std::uint64_t rows, Dtype dtype,
                           const WriteOptions& options) {
  if (spec.missing > 0.0 && is_integer(dtype)) {
    throw UsageError("--missing: missing values are NaN, which " + std::string(dtype_name(dtype)) +
                     " cannot hold (accepted: --missing 0 with an integer --dtype, or --dtype f64 or f32)");
  }
  const std::size_t size = dtype_bytes(dtype);
  PARAKIT_REQUIRE(rows <= std::numeric_limits<std::uint64_t>::max() / size, "rows = " + std::to_string(rows));
  const Target t = prepare(comm, path, options);
  const ThreadCount threads(options.threads);
  const Rounds rounds = plan(comm, rows, 1);
  std::vector<double> values;
  write_rounds(
      comm, t, rounds, /*scan_offsets=*/false,
      [&](std::uint64_t, kernels::Range range, std::vector<char>& bytes) -> std::uint64_t {
        const auto n = static_cast<std::size_t>(range.size());
        values.resize(n);
        gen::fill(spec, 0, range.first, values);
        bytes.resize(n * size);
        const std::size_t bad = encode(values, dtype, reinterpret_cast<unsigned char*>(bytes.data()));
        if (bad != n) {
          char number[32];
          const auto end = std::to_chars(number, number + sizeof number, values[bad]).ptr;
          throw UsageError("--dtype " + std::string(dtype_name(dtype)) + ": the value " +
                           std::string(number, end) + " of row " + std::to_string(range.first + bad) +
                           " does not fit (accepted: a wider --dtype, or other --params)");
        }
        return range.first * size;
      });
  return rows * size;
}

std::uint64_t write_hdf5(const boost::mpi::communicator& comm, const std::string& path,
                         const std::vector<std::string>& names, const gen::Spec& spec, std::uint64_t rows,
                         Dtype dtype, const WriteOptions& options) {
  PARAKIT_REQUIRE(!names.empty(), "no dataset names");
  for (const auto& name : names)
    PARAKIT_REQUIRE(!name.empty(), "an empty dataset name");
  if (dtype != Dtype::kF64 && dtype != Dtype::kF32) {
    throw UsageError("--dtype: HDF5 files hold f64 or f32 here, not " + std::string(dtype_name(dtype)) +
                     " (accepted: f64, f32)");
  }
  const Target t = prepare(comm, path, options);
  const ThreadCount threads(options.threads);
  const QuietHdf5 quiet;
  const Rounds rounds = plan(comm, rows, 1);
  TempFile temp(comm, t);
  std::optional<Failure> failure;

  // Property lists are local: a failure there is the same on every rank, and is agreed on below.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  note_hdf5(fapl.valid() && H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL) >= 0, "H5Pset_fapl_mpio", "", t,
            failure);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  note_hdf5(lcpl.valid() && H5Pset_create_intermediate_group(lcpl.get(), 1) >= 0,
            "H5Pset_create_intermediate_group", "", t, failure);
  // Every element is written, so the fill value would only be written first and overwritten later.
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  note_hdf5(dcpl.valid() && H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER) >= 0, "H5Pset_fill_time", "", t,
            failure);
  // Without timestamps the file's bytes depend on the arguments alone, like those of the other writers.
  note_hdf5(dcpl.valid() && H5Pset_obj_track_times(dcpl.get(), 0) >= 0, "H5Pset_obj_track_times", "", t,
            failure);
  Handle dxpl(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  note_hdf5(dxpl.valid() && H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE) >= 0, "H5Pset_dxpl_mpio", "",
            t, failure);
  raise_if_any(comm, failure);

  Handle file(H5Fcreate(temp.name().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  note_hdf5(file.valid(), "H5Fcreate", "", t, failure);
  raise_if_any(comm, failure);

  const hsize_t extent = rows;
  Handle file_space(H5Screate_simple(1, &extent, nullptr), H5Sclose);
  note_hdf5(file_space.valid(), "H5Screate_simple", "", t, failure);
  raise_if_any(comm, failure);
  const hid_t file_type = dtype == Dtype::kF64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE;
  std::vector<Handle> datasets;
  for (const auto& name : names) {
    Handle dataset(H5Dcreate2(file.get(), name.c_str(), file_type, file_space.get(), lcpl.get(), dcpl.get(),
                              H5P_DEFAULT),
                   H5Dclose);
    note_hdf5(dataset.valid(), "H5Dcreate2", name, t, failure);
    raise_if_any(comm, failure);  // dataset creation is collective: stop at the first that fails
    datasets.push_back(std::move(dataset));
  }

  std::vector<double> values;
  for (std::uint64_t r = 0; r < rounds.count && !failure; ++r) {
    const kernels::Range range = rounds.round(r);
    const hsize_t start = range.first, count = range.size();
    // A rank without rows still takes part, with an empty selection on both sides.
    const hsize_t memory_extent = std::max<hsize_t>(count, 1);
    Handle memory_space(H5Screate_simple(1, &memory_extent, nullptr), H5Sclose);
    note_hdf5(memory_space.valid(), "H5Screate_simple", "", t, failure);
    if (count == 0) {
      note_hdf5(memory_space.valid() && H5Sselect_none(memory_space.get()) >= 0 &&
                    H5Sselect_none(file_space.get()) >= 0,
                "H5Sselect_none", "", t, failure);
    } else {
      note_hdf5(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) >= 0,
                "H5Sselect_hyperslab", "", t, failure);
    }
    for (std::size_t c = 0; c < datasets.size(); ++c) {
      try {
        values.resize(static_cast<std::size_t>(memory_extent));
        gen::fill(spec, c, range.first, std::span<double>(values).first(static_cast<std::size_t>(count)));
      } catch (...) {
        if (!failure) failure = current_failure(t);
      }
      note_hdf5(H5Dwrite(datasets[c].get(), H5T_NATIVE_DOUBLE, memory_space.get(), file_space.get(),
                         dxpl.get(), values.data()) >= 0,
                "H5Dwrite", names[c], t, failure);
    }
    if (const auto agreed = agree_on_failure(comm, failure)) failure = agreed;
  }
  // Collective closes, in the same order on every rank, failed or not.
  for (std::size_t c = 0; c < datasets.size(); ++c)
    note_hdf5(datasets[c].close(), "H5Dclose", names[c], t, failure);
  note_hdf5(file.close(), "H5Fclose", "", t, failure);
  raise_if_any(comm, failure);
  const std::uint64_t bytes = temp.size(comm, t);
  temp.commit(comm, t);
  return bytes;
}

}  // namespace parakit::mpi
