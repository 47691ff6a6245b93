// Reading one column for `parakit stats`: rank 0 reads in bounded chunks and scatters whole blocks
// (Scatterv), or every rank reads its own range (MPI-IO; CSV ranges aligned to line starts; HDF5 with
// collective transfers). Bad input is found where it is read and raised on every rank together.

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <limits>
#include <string_view>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <hdf5.h>
#include <mpi.h>
#include <omp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/kernels/csv.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/mpi/describe.hpp"
#include "parakit/mpi/environment.hpp"

namespace parakit::mpi {
namespace {

namespace csv = kernels::csv;
using kernels::describe::kBlock;

double now_s() {
  return MPI_Wtime();
}

// Makes room for @p n values in @p values and asks the kernel for transparent huge pages behind them: a
// column of gigabytes then costs a few thousand page faults instead of a few hundred thousand.
template <class Vector>
void reserve_huge(Vector& values, std::size_t n) {
  values.reserve(n);
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto first = (reinterpret_cast<std::uintptr_t>(values.data()) + kHuge - 1) & ~(kHuge - 1);
  const auto last = (reinterpret_cast<std::uintptr_t>(values.data() + values.capacity())) & ~(kHuge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);  // a hint only
}

// Text read from the file: not zeroed before it is read into, on huge pages.
using TextBuffer = std::vector<char, UninitializedAllocator<char>>;

// Bytes one MPI read moves at most (counts are ints).
constexpr std::uint64_t kMaxRead = std::uint64_t{1} << 30;

// --- checks on rank 0 -----------------------------------------------------------------------------

// The file exists, is a regular file, can be read and is not empty; returns its size.
std::uint64_t check_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw UsageError(fmt::format("{}: cannot open: {} (accepted: a readable CSV, binary or HDF5 file)", path,
                                 std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) throw UsageError(fmt::format("{}: is a directory (accepted: a data file)", path));
  if (::access(path.c_str(), R_OK) != 0) {
    throw UsageError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  }
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw UsageError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  if (st.st_size == 0)
    throw UsageError(fmt::format("{}: the file is empty (accepted: at least one value)", path));
  return static_cast<std::uint64_t>(st.st_size);
}

// What rank 0 learns from a CSV header and tells everyone.
struct CsvLayout {
  std::uint64_t data_start = 0;  // byte offset of the first data line
  std::uint64_t first_line = 1;  // 1-based line number of the first data line
  std::size_t column = 0;
  std::size_t fields = 0;
  std::string name;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& data_start& first_line& column& fields& name;
  }
};

bool is_index(const std::string& s) {
  return !s.empty() && s.size() < 10 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

CsvLayout read_csv_layout(const InputSpec& spec, std::uint64_t size) {
  std::ifstream in(spec.path, std::ios::binary);
  std::string line;
  const auto blank = [](const std::string& l) { return l.find_first_not_of(" \t\r") == std::string::npos; };
  // Blank lines before the header are skipped, as pandas does; a UTF-8 byte order mark is not a name.
  std::uint64_t offset = 0, skipped_lines = 0;
  while (std::getline(in, line) && spec.header && blank(line) && !in.eof()) {
    offset += line.size() + 1;
    ++skipped_lines;
  }
  const bool had_newline = !in.eof();
  std::size_t bom = 0;
  if (offset == 0 && line.starts_with("\xEF\xBB\xBF")) {
    bom = 3;
    line.erase(0, 3);
  }
  const csv::Dialect dialect{.sep = spec.sep};
  std::vector<std::string> fields = csv::split_fields(line, dialect);
  CsvLayout layout;
  layout.fields = fields.size();
  const std::string list = [&] {
    std::string names;
    for (std::size_t i = 0; i < fields.size() && i < 12; ++i)
      names += (i == 0 ? "'" : ", '") + fields[i] + "'";
    if (fields.size() > 12) names += ", ...";
    return names;
  }();
  if (spec.header) {
    layout.data_start = had_newline ? offset + bom + line.size() + 1 : size;
    layout.first_line = skipped_lines + 2;
    bool found = false;
    for (std::size_t i = 0; i < fields.size() && !found; ++i) {
      if (fields[i] == spec.column) {
        layout.column = i;
        found = true;
      }
    }
    if (!found && spec.column.empty()) found = true;
    if (!found && is_index(spec.column)) {
      layout.column = std::stoul(spec.column);
      found = layout.column < fields.size();
    }
    if (!found) {
      throw UsageError(
          fmt::format("{}: line {}: no column '{}' (accepted: a name from the header, {}, or an "
                      "index from 0 to {})",
                      spec.path, skipped_lines + 1, spec.column, list, fields.size() - 1));
    }
    layout.name = fields[layout.column];
    // Header only: nothing after it but empty lines.
    std::string rest;
    bool data = false;
    while (!data && std::getline(in, rest))
      data = !blank(rest);
    if (!data) {
      throw UsageError(
          fmt::format("{}: only a header, no data lines (accepted: a header line and at least "
                      "one line of values, or --no-header)",
                      spec.path));
    }
  } else {
    if (!spec.column.empty() && !is_index(spec.column)) {
      throw UsageError(
          fmt::format("--column '{}': without a header the column must be a 0-based index", spec.column));
    }
    layout.column = spec.column.empty() ? 0 : std::stoul(spec.column);
    if (layout.column >= fields.size()) {
      throw UsageError(fmt::format("{}: line 1: --column {} but the line has {} fields (accepted: 0 to {})",
                                   spec.path, layout.column, fields.size(), fields.size() - 1));
    }
    layout.name = std::to_string(layout.column);
  }
  return layout;
}

// --- HDF5 --------------------------------------------------------------------------------------------

// Owns an HDF5 identifier and closes it with @p close.
class H5 {
 public:
  H5(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~H5() {
    if (id_ >= 0) close_(id_);
  }
  H5(const H5&) = delete;
  H5& operator=(const H5&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void h5_quiet() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

// The length of the 1-D dataset, checked on rank 0 with the serial driver.
std::uint64_t check_hdf5(const InputSpec& spec) {
  h5_quiet();
  if (H5Fis_hdf5(spec.path.c_str()) <= 0) {
    throw UsageError(fmt::format("{}: not an HDF5 file (accepted with --dataset: an HDF5 file)", spec.path));
  }
  const H5 file(H5Fopen(spec.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) throw UsageError(fmt::format("{}: cannot open as HDF5", spec.path));
  const H5 set(H5Dopen2(file.get(), spec.dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.ok()) {
    throw UsageError(
        fmt::format("{}: no dataset '{}' (accepted: the path of a 1-D numeric dataset; "
                    "h5ls -r {} lists them)",
                    spec.path, spec.dataset, spec.path));
  }
  const H5 space(H5Dget_space(set.get()), H5Sclose);
  const H5 type(H5Dget_type(set.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
    throw UsageError(
        fmt::format("{}: dataset '{}' is not numeric (accepted: integer or float)", spec.path, spec.dataset));
  }
  if (H5Sget_simple_extent_ndims(space.get()) != 1) {
    throw UsageError(fmt::format("{}: dataset '{}' has {} dimensions (accepted: a 1-D dataset)", spec.path,
                                 spec.dataset, H5Sget_simple_extent_ndims(space.get())));
  }
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  if (n == 0) throw UsageError(fmt::format("{}: dataset '{}' is empty", spec.path, spec.dataset));
  return n;
}

// Reads rows [first, first + count) of the dataset into @p out (as doubles). With a parallel file
// handle, every rank must call it the same number of times (collective transfer); count may be 0.
void h5_read(hid_t set, std::uint64_t first, std::uint64_t count, double* out, hid_t transfer) {
  const H5 file_space(H5Dget_space(set), H5Sclose);
  const hsize_t n = count;
  const H5 memory(H5Screate_simple(1, &n, nullptr), H5Sclose);
  if (count == 0) {
    H5Sselect_none(file_space.get());
    H5Sselect_none(memory.get());
  } else {
    const hsize_t start = first;
    H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr);
  }
  double dummy = 0.0;
  if (H5Dread(set, H5T_NATIVE_DOUBLE, memory.get(), file_space.get(), transfer, count == 0 ? &dummy : out) <
      0) {
    throw Error("HDF5: reading the dataset failed");
  }
}

// --- rank 0 reads, everyone receives --------------------------------------------------------------

// The rounds of the root strategy. Rank 0 hands over values in row order; whole blocks of them are
// spread over all ranks (contiguous, equal shares), the rest waits for the next round, and the last
// round gives the tail to the last rank. A round is: broadcast of its size (or of an error), Scatterv.
class Scatterer {
 public:
  Scatterer(const boost::mpi::communicator& comm, LocalColumn& out, ReadInfo& info)
      : comm_(comm), out_(out), info_(info) {}

  // Rank 0: adds @p fresh to what is pending and sends what forms whole blocks (everything if @p last).
  void send(Values& fresh, bool last) {
    pending_.insert(pending_.end(), fresh.begin(), fresh.end());
    fresh.clear();
    const std::uint64_t blocks = pending_.size() / kBlock;
    std::uint64_t header[3] = {last ? 2U : 1U, blocks, pending_.size()};
    if (blocks == 0 && !last) return;
    round(header);
  }

  // Rank 0: the bytes its pending values hold (part of its read buffer).
  std::uint64_t pending_bytes() const { return pending_.capacity() * sizeof(double); }

  // Rank 0: tells everyone that reading failed.
  void fail(const std::string& message) {
    std::uint64_t header[3] = {3, 0, 0};
    PARAKIT_MPI_CHECK(MPI_Bcast(header, 3, MPI_UINT64_T, 0, MPI_Comm(comm_)));
    std::string m = message;
    boost::mpi::broadcast(comm_, m, 0);
  }

  // Other ranks: receive rounds until the last one. @throws UsageError when rank 0 failed.
  void receive_all() {
    for (;;) {
      std::uint64_t header[3] = {};
      const double t0 = now_s();
      PARAKIT_MPI_CHECK(MPI_Bcast(header, 3, MPI_UINT64_T, 0, MPI_Comm(comm_)));
      info_.scatter_s += now_s() - t0;
      if (header[0] == 3) {
        std::string message;
        boost::mpi::broadcast(comm_, message, 0);
        throw UsageError(message);
      }
      round(header, /*announced=*/true);
      if (header[0] == 2) return;
    }
  }

 private:
  void round(std::uint64_t header[3], bool announced = false) {
    const double t0 = now_s();
    if (!announced) PARAKIT_MPI_CHECK(MPI_Bcast(header, 3, MPI_UINT64_T, 0, MPI_Comm(comm_)));
    const bool last = header[0] == 2;
    const std::uint64_t blocks = header[1];
    const std::uint64_t available = header[2];
    const auto p = static_cast<std::uint64_t>(comm_.size());
    std::vector<int> counts(p), displs(p);
    std::uint64_t offset = 0;
    for (std::uint64_t r = 0; r < p; ++r) {
      std::uint64_t n = (blocks * (r + 1) / p - blocks * r / p) * kBlock;
      if (last && r == p - 1) n += available - blocks * kBlock;
      counts[r] = static_cast<int>(n);
      displs[r] = static_cast<int>(offset);
      offset += n;
    }
    const auto me = static_cast<std::size_t>(comm_.rank());
    const std::size_t mine = static_cast<std::size_t>(counts[me]);
    const std::size_t at = out_.values.size();
    out_.values.resize(at + mine);
    if (mine > 0) out_.segments.push_back({sent_ + static_cast<std::uint64_t>(displs[me]), at, mine});
    PARAKIT_MPI_CHECK(MPI_Scatterv(comm_.rank() == 0 ? pending_.data() : nullptr, counts.data(),
                                   displs.data(), MPI_DOUBLE, out_.values.data() + at, counts[me], MPI_DOUBLE,
                                   0, MPI_Comm(comm_)));
    sent_ += offset;
    if (comm_.rank() == 0)
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(offset));
    info_.scatter_s += now_s() - t0;
  }

  const boost::mpi::communicator& comm_;
  LocalColumn& out_;
  ReadInfo& info_;
  Values pending_;
  std::uint64_t sent_ = 0;
};

// --- CSV text -----------------------------------------------------------------------------------------

// A piece of text parsed with @p threads threads, split at line starts.
struct ParsedText {
  std::uint64_t lines = 0;
  std::uint64_t skipped = 0;
  std::optional<csv::BadLine> error;  // line relative to the start of the text
};

// Per-piece vectors that parse_text hands back to the parser chunk after chunk.
using ThreadStorage = std::vector<std::vector<double>>;

// Parses @p text with @p threads threads and appends the values to @p values. The text is cut at line
// starts into a few pieces per thread, taken dynamically, so that the master thread can first do
// @p side_job (read the next chunk: MPI calls stay on the master thread) while the others parse.
ParsedText parse_text(std::string_view text, const csv::Dialect& dialect, const csv::ColumnSpec& spec,
                      int threads, ThreadStorage& storage, Values& values,
                      const std::function<void()>& side_job = {}) {
  const std::size_t t = text.size() < (std::size_t{1} << 20) ? 1 : static_cast<std::size_t>(threads) * 4;
  storage.resize(std::max(storage.size(), t));
  std::vector<std::size_t> cuts(t + 1, text.size());
  cuts[0] = 0;
  for (std::size_t i = 1; i < t; ++i)
    cuts[i] = csv::next_line_start(text, std::max(cuts[i - 1], text.size() * i / t));
  std::vector<csv::ParsedColumn> parts(t);
  std::vector<std::size_t> at(t + 1, values.size());
  std::exception_ptr failure;
#pragma omp parallel num_threads(threads)
  {
#pragma omp master
    {
      try {
        if (side_job) side_job();
      } catch (...) {
        failure = std::current_exception();
      }
    }
#pragma omp for schedule(dynamic, 1)
    for (std::size_t i = 0; i < t; ++i) {
      try {
        parts[i] = csv::parse_column(text.substr(cuts[i], cuts[i + 1] - cuts[i]), dialect, spec,
                                     std::move(storage[i]));
      } catch (...) {
#pragma omp critical(parakit_parse_text_failure)
        if (!failure) failure = std::current_exception();
      }
    }
#pragma omp single
    {
      for (std::size_t i = 0; i < t; ++i)
        at[i + 1] = at[i] + parts[i].values.size();
      values.resize(at[t]);  // value-initialises only what is new: the caller reserves
    }
    // Each piece is copied to its place by the thread that takes it, in parallel.
#pragma omp for schedule(dynamic, 1)
    for (std::size_t i = 0; i < t; ++i) {
      std::copy(parts[i].values.begin(), parts[i].values.end(),
                values.begin() + static_cast<std::ptrdiff_t>(at[i]));
      storage[i] = std::move(parts[i].values);
    }
  }
  if (failure) std::rethrow_exception(failure);
  ParsedText out;
  for (std::size_t i = 0; i < t; ++i) {
    const auto& p = parts[i];
    if (p.error) {
      out.error = p.error;
      out.error->line += out.lines;
      out.lines += p.lines;
      values.resize(at[i]);  // what follows the bad line does not count
      return out;
    }
    out.lines += p.lines;
    out.skipped += p.skipped;
  }
  return out;
}

std::string bad_line_message(const InputSpec& spec, const CsvLayout& layout, std::uint64_t line,
                             const csv::BadLine& bad) {
  // A bad value of the column names the column; a bad line (fields, quotes) names what is wrong with it.
  if (bad.field == layout.column && bad.message.ends_with("is not a number")) {
    return fmt::format(
        "{}:{}: column '{}' (field {}): {} (accepted: numbers; empty, NA or NaN for missing; "
        "--skip-bad skips such lines)",
        spec.path, line, layout.name, bad.field + 1, bad.message);
  }
  std::string hint = "--skip-bad skips such lines";
  if (bad.message.find("quote") != std::string::npos) {
    hint = "quoted fields end on their line: a quoted newline is not read; " + hint;
  } else if (bad.message.find("fields") != std::string::npos && spec.sep != '\t' &&
             bad.message.find('\t') == std::string::npos) {
    hint = "every line with the header's fields, separated by --sep; " + hint;
  }
  return fmt::format("{}:{}: field {}: {} ({})", spec.path, line, bad.field + 1, bad.message, hint);
}

// An open MPI file, closed on every path out.
class MpiFile {
 public:
  MpiFile(const boost::mpi::communicator& comm, const std::string& path) {
    const int code = MPI_File_open(MPI_Comm(comm), path.c_str(), MPI_MODE_RDONLY, MPI_INFO_NULL, &file_);
    if (code != MPI_SUCCESS) throw Error(path + ": MPI_File_open failed");
  }
  ~MpiFile() { MPI_File_close(&file_); }
  MpiFile(const MpiFile&) = delete;
  MpiFile& operator=(const MpiFile&) = delete;
  MPI_File get() const { return file_; }

  // Reads [offset, offset + n) independently, in pieces an int count can hold.
  void read_at(std::uint64_t offset, char* out, std::uint64_t n) const {
    while (n > 0) {
      const std::uint64_t piece = std::min(n, kMaxRead);
      MPI_Status status;
      PARAKIT_MPI_CHECK(MPI_File_read_at(file_, static_cast<MPI_Offset>(offset), out, static_cast<int>(piece),
                                         MPI_BYTE, &status));
      offset += piece;
      out += piece;
      n -= piece;
    }
  }

 private:
  MPI_File file_ = MPI_FILE_NULL;
};

// The text of the lines that start in [begin, end), read from @p file of @p size bytes: from the first
// line start at or after begin to the end of the line that holds byte end - 1. @p buffer is reused from
// call to call (it only grows, so it is not cleared again and again).
std::string_view read_lines(const MpiFile& file, std::uint64_t begin, std::uint64_t end, std::uint64_t size,
                            TextBuffer& buffer) {
  if (begin >= end) return {};
  const std::uint64_t from = begin > 0 ? begin - 1 : 0;
  std::size_t length = end - from;
  if (buffer.size() < length) {
    reserve_huge(buffer, length + (std::size_t{1} << 16));
    buffer.resize(length);
  }
  file.read_at(from, buffer.data(), length);
  std::size_t start = 0;
  if (begin > 0) {
    start = csv::next_line_start(std::string_view(buffer.data(), length), 1);
    if (start >= length) return {};  // no line starts in the range
  }
  // Extend to the end of the last line.
  std::uint64_t at = end;
  while (buffer[length - 1] != '\n' && at < size) {
    const std::uint64_t n = std::min<std::uint64_t>(std::uint64_t{1} << 16, size - at);
    if (buffer.size() < length + n) buffer.resize(length + n);
    file.read_at(at, buffer.data() + length, n);
    const std::string_view more(buffer.data() + length, n);
    const auto nl = more.find('\n');
    length += nl == std::string_view::npos ? n : nl + 1;
    at += n;
    if (nl != std::string_view::npos) break;
  }
  return std::string_view(buffer.data() + start, length - start);
}

// Every rank parses the lines that start in its share of the bytes; line numbers come from an exclusive
// scan of the line counts, the first bad line of all is reported by everyone.
LocalColumn read_csv_parallel(const boost::mpi::communicator& comm, const InputSpec& spec,
                              const CsvLayout& layout, std::uint64_t size, int threads, ReadInfo& info) {
  const double t0 = now_s();
  const MpiFile file(comm, spec.path);
  const auto p = static_cast<std::uint64_t>(comm.size()), r = static_cast<std::uint64_t>(comm.rank());
  const std::uint64_t span = size - layout.data_start;
  const std::uint64_t begin = layout.data_start + span * r / p, end = layout.data_start + span * (r + 1) / p;
  const csv::Dialect dialect{.sep = spec.sep};
  const csv::ColumnSpec cspec{.column = layout.column, .fields = layout.fields, .skip_bad = spec.skip_bad};
  LocalColumn out;
  std::uint64_t lines = 0, skipped = 0;
  std::optional<csv::BadLine> bad;
  // Two buffers: the master thread reads the next chunk (MPI-IO) while the threads parse this one.
  TextBuffer buffers[2];
  ThreadStorage storage;
  std::uint64_t piece = begin;
  std::uint64_t piece_end = std::min(end, piece + spec.chunk_bytes);
  std::string_view text = read_lines(file, piece, piece_end, size, buffers[0]);
  if (!text.empty()) {
    // Room for the whole share, from the lines of the first chunk (huge pages: fewer page faults).
    const double per_byte = static_cast<double>(csv::count_lines(text)) / static_cast<double>(text.size());
    reserve_huge(out.values,
                 static_cast<std::size_t>(per_byte * static_cast<double>(end - begin) * 1.02) + 1024);
  }
  for (int k = 0; piece < end && !bad; ++k) {
    const std::uint64_t next = piece_end, next_end = std::min(end, next + spec.chunk_bytes);
    std::string_view following;
    ParsedText parsed = parse_text(text, dialect, cspec, threads, storage, out.values, [&] {
      if (next < end) following = read_lines(file, next, next_end, size, buffers[(k + 1) % 2]);
    });
    if (parsed.error) {
      bad = parsed.error;
      bad->line += lines;
    }
    lines += parsed.lines;
    skipped += parsed.skipped;
    piece = next;
    piece_end = next_end;
    text = following;
  }
  std::uint64_t lines_before = 0;
  PARAKIT_MPI_CHECK(MPI_Exscan(&lines, &lines_before, 1, MPI_UINT64_T, MPI_SUM, MPI_Comm(comm)));
  if (comm.rank() == 0) lines_before = 0;
  // The first bad line of all ranks, in rank order.
  std::string message;
  if (bad) message = bad_line_message(spec, layout, layout.first_line + lines_before + bad->line, *bad);
  std::vector<std::string> messages;
  boost::mpi::gather(comm, message, messages, 0);
  std::string first;
  if (comm.rank() == 0) {
    for (const auto& m : messages) {
      if (!m.empty()) {
        first = m;
        break;
      }
    }
  }
  boost::mpi::broadcast(comm, first, 0);
  if (!first.empty()) throw UsageError(first);

  std::uint64_t rows = out.values.size(), rows_before = 0;
  PARAKIT_MPI_CHECK(MPI_Exscan(&rows, &rows_before, 1, MPI_UINT64_T, MPI_SUM, MPI_Comm(comm)));
  if (comm.rank() == 0) rows_before = 0;
  if (rows > 0) out.segments.push_back({rows_before, 0, out.values.size()});
  PARAKIT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &skipped, 1, MPI_UINT64_T, MPI_SUM, MPI_Comm(comm)));
  info.skipped = skipped;
  info.read_s += now_s() - t0;
  return out;
}

// Rank 0 reads chunks of whole lines, parses them and scatters the values.
LocalColumn read_csv_root(const boost::mpi::communicator& comm, const InputSpec& spec,
                          const CsvLayout& layout, int threads, ReadInfo& info) {
  LocalColumn out;
  Scatterer scatter(comm, out, info);
  if (comm.rank() != 0) {
    scatter.receive_all();
    PARAKIT_MPI_CHECK(MPI_Bcast(&info.skipped, 1, MPI_UINT64_T, 0, MPI_Comm(comm)));
    return out;
  }
  const csv::Dialect dialect{.sep = spec.sep};
  const csv::ColumnSpec cspec{.column = layout.column, .fields = layout.fields, .skip_bad = spec.skip_bad};
  std::ifstream in(spec.path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(layout.data_start));
  std::string buffer, carry;
  std::uint64_t lines = 0;
  Values fresh;
  ThreadStorage storage;
  for (bool done = false; !done;) {
    const double t0 = now_s();
    buffer.swap(carry);
    carry.clear();
    const std::size_t have = buffer.size();
    buffer.resize(have + spec.chunk_bytes);
    in.read(buffer.data() + have, static_cast<std::streamsize>(spec.chunk_bytes));
    buffer.resize(have + static_cast<std::size_t>(in.gcount()));
    done = in.gcount() < static_cast<std::streamsize>(spec.chunk_bytes);
    if (!done) {
      // Keep the incomplete last line for the next chunk.
      const auto nl = buffer.rfind('\n');
      const std::size_t cut = nl == std::string::npos ? 0 : nl + 1;
      carry.assign(buffer, cut, std::string::npos);
      buffer.resize(cut);
    }
    fresh.clear();
    ParsedText parsed = parse_text(buffer, dialect, cspec, threads, storage, fresh);
    std::uint64_t held = buffer.capacity() + carry.capacity() + fresh.capacity() * sizeof(double);
    for (const auto& v : storage)
      held += v.capacity() * sizeof(double);
    info.root_buffer_bytes = std::max(info.root_buffer_bytes, held);
    info.read_s += now_s() - t0;
    if (parsed.error) {
      const std::string message =
          bad_line_message(spec, layout, layout.first_line + lines + parsed.error->line, *parsed.error);
      scatter.fail(message);
      throw UsageError(message);
    }
    lines += parsed.lines;
    info.skipped += parsed.skipped;
    scatter.send(fresh, done);
    info.root_buffer_bytes = std::max(info.root_buffer_bytes, held + scatter.pending_bytes());
  }
  PARAKIT_MPI_CHECK(MPI_Bcast(&info.skipped, 1, MPI_UINT64_T, 0, MPI_Comm(comm)));
  return out;
}

// --- binary and HDF5 ----------------------------------------------------------------------------------

void to_doubles(const char* raw, std::size_t n, Dtype dtype, double* out) {
  switch (dtype) {
    case Dtype::kF64:
      std::memcpy(out, raw, n * sizeof(double));
      break;
    case Dtype::kF32:
      for (std::size_t i = 0; i < n; ++i) {
        float v;
        std::memcpy(&v, raw + i * sizeof v, sizeof v);
        out[i] = v;
      }
      break;
    case Dtype::kI64:
      for (std::size_t i = 0; i < n; ++i) {
        std::int64_t v;
        std::memcpy(&v, raw + i * sizeof v, sizeof v);
        out[i] = static_cast<double>(v);
      }
      break;
    case Dtype::kI32:
      for (std::size_t i = 0; i < n; ++i) {
        std::int32_t v;
        std::memcpy(&v, raw + i * sizeof v, sizeof v);
        out[i] = v;
      }
      break;
  }
}

// Rows [first, last) of this rank under the parallel strategy: whole blocks, in rank order.
std::pair<std::uint64_t, std::uint64_t> block_range(std::uint64_t n, int rank, int ranks) {
  const std::uint64_t blocks = (n + kBlock - 1) / kBlock;
  const auto r = static_cast<std::uint64_t>(rank), p = static_cast<std::uint64_t>(ranks);
  return {std::min(n, blocks * r / p * kBlock), std::min(n, blocks * (r + 1) / p * kBlock)};
}

// This rank's whole blocks of rows [0, n) (block_range), read by @p read(from, count, dest) in pieces of at
// most @p per_read rows. Every rank makes the same number of calls, some with count 0, so that @p read may
// be a collective transfer.
LocalColumn read_rows_collectively(const boost::mpi::communicator& comm, std::uint64_t n,
                                   std::uint64_t per_read,
                                   const std::function<void(std::uint64_t, std::uint64_t, double*)>& read) {
  const auto [first, last] = block_range(n, comm.rank(), comm.size());
  LocalColumn out;
  reserve_huge(out.values, last - first);
  out.values.resize(last - first);
  std::uint64_t most = last - first;
  PARAKIT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &most, 1, MPI_UINT64_T, MPI_MAX, MPI_Comm(comm)));
  for (std::uint64_t k = 0; k < (most + per_read - 1) / per_read; ++k) {
    const std::uint64_t from = std::min(last, first + k * per_read), to = std::min(last, from + per_read);
    read(from, to - from, out.values.data() + (from - first));
  }
  if (last > first) out.segments.push_back({first, 0, last - first});
  return out;
}

LocalColumn read_binary_parallel(const boost::mpi::communicator& comm, const InputSpec& spec, std::uint64_t n,
                                 ReadInfo& info) {
  const double t0 = now_s();
  const MpiFile file(comm, spec.path);
  const std::size_t width = dtype_bytes(spec.dtype);
  // f64 goes straight into the column, in reads as large as MPI allows; other types through a buffer.
  const bool direct = spec.dtype == Dtype::kF64;
  const std::uint64_t per_read =
      std::max<std::uint64_t>(kBlock, (direct ? kMaxRead : std::uint64_t{64} << 20) / width);
  std::vector<char> raw;
  LocalColumn out =
      read_rows_collectively(comm, n, per_read, [&](std::uint64_t from, std::uint64_t count, double* dest) {
        if (!direct) raw.resize(count * width);
        char* buffer = direct ? reinterpret_cast<char*>(dest) : raw.data();
        MPI_Status status;
        PARAKIT_MPI_CHECK(MPI_File_read_at_all(file.get(), static_cast<MPI_Offset>(from * width), buffer,
                                               static_cast<int>(count * width), MPI_BYTE, &status));
        if (!direct) to_doubles(raw.data(), count, spec.dtype, dest);
      });
  info.read_s += now_s() - t0;
  return out;
}

// A read-only mapping of part of a file, unmapped when the last column that uses it goes.
struct Mapping {
  void* address = MAP_FAILED;
  std::size_t length = 0;
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (address != MAP_FAILED) ::munmap(address, length);
  }
};

// --read mmap: this rank's whole blocks (block_range), mapped from the file. f64 values are used where
// they lie, in the page cache: no copy, no column memory, no page zeroing. Other types are converted
// from the mapping into the column by the rank's threads.
LocalColumn read_binary_mapped(const boost::mpi::communicator& comm, const InputSpec& spec, std::uint64_t n,
                               std::uint64_t size, int threads, ReadInfo& info) {
  const double t0 = now_s();
  const auto [first, last] = block_range(n, comm.rank(), comm.size());
  LocalColumn out;
  const std::size_t width = dtype_bytes(spec.dtype);
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t begin = first * width, start = begin / page * page;
  auto mapping = std::make_shared<Mapping>();
  // Every rank maps its own part; a rank that cannot fails the read on all ranks with one line.
  check_on_every_rank(comm, [&] {
    if (last == first) return;
    const int fd = ::open(spec.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      throw Error(fmt::format("{}: cannot open it on rank {} ({}; accepted: a file every rank can read)",
                              spec.path, comm.rank(), std::strerror(errno)));
    }
    struct stat st {};
    const int stat_result = ::fstat(fd, &st);
    const int stat_errno = errno;
    if (stat_result == 0 && static_cast<std::uint64_t>(st.st_size) == size) {
      mapping->length = static_cast<std::size_t>(last * width - start);
      mapping->address =
          ::mmap(nullptr, mapping->length, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(start));
    }
    const int mmap_errno = errno;
    ::close(fd);
    if (stat_result != 0) {
      throw Error(fmt::format("{}: cannot stat it on rank {} ({})", spec.path, comm.rank(),
                              std::strerror(stat_errno)));
    }
    if (static_cast<std::uint64_t>(st.st_size) != size) {
      throw Error(fmt::format("{}: rank {} sees {} bytes, rank 0 saw {} (the file changed while it was read)",
                              spec.path, comm.rank(), st.st_size, size));
    }
    if (mapping->address == MAP_FAILED) {
      throw Error(fmt::format("{}: mmap failed on rank {} ({}; accepted instead: --read parallel)", spec.path,
                              comm.rank(), std::strerror(mmap_errno)));
    }
  });
  if (last > first) {
    const char* raw = static_cast<const char*>(mapping->address) + (begin - start);
    const std::size_t count = last - first;
    if (spec.dtype == Dtype::kF64 && reinterpret_cast<std::uintptr_t>(raw) % alignof(double) == 0) {
      out.view = {reinterpret_cast<const double*>(raw), count};
      out.mapping = std::move(mapping);
    } else {
      reserve_huge(out.values, count);
      out.values.resize(count);
      const std::size_t pieces = (count + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) num_threads(threads)
      for (std::size_t p = 0; p < pieces; ++p) {
        const std::size_t from = p * kBlock, k = std::min<std::size_t>(kBlock, count - from);
        to_doubles(raw + from * width, k, spec.dtype, out.values.data() + from);
      }
    }
    out.segments.push_back({first, 0, count});
  }
  info.read_s += now_s() - t0;
  return out;
}

LocalColumn read_hdf5_parallel(const boost::mpi::communicator& comm, const InputSpec& spec, std::uint64_t n,
                               ReadInfo& info) {
  const double t0 = now_s();
  h5_quiet();
  const H5 access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_mpio(access.get(), MPI_Comm(comm), MPI_INFO_NULL);
  const H5 file(H5Fopen(spec.path.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);
  if (!file.ok()) throw Error(spec.path + ": H5Fopen with MPI-IO failed");
  const H5 set(H5Dopen2(file.get(), spec.dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.ok()) throw Error(spec.path + ": H5Dopen2 failed");
  const H5 transfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE);
  LocalColumn out = read_rows_collectively(comm, n, std::max<std::uint64_t>(kBlock, kMaxRead / 8),
                                           [&](std::uint64_t from, std::uint64_t count, double* dest) {
                                             h5_read(set.get(), from, count, dest, transfer.get());
                                           });
  info.read_s += now_s() - t0;
  return out;
}

// Rank 0 reads binary or HDF5 rows in chunks and scatters them.
LocalColumn read_rows_root(const boost::mpi::communicator& comm, const InputSpec& spec, std::uint64_t n,
                           ReadInfo& info) {
  LocalColumn out;
  Scatterer scatter(comm, out, info);
  if (comm.rank() != 0) {
    scatter.receive_all();
    return out;
  }
  const std::size_t width = spec.type == FileType::kHdf5 ? 8 : dtype_bytes(spec.dtype);
  const std::uint64_t per_read = std::max<std::uint64_t>(kBlock, spec.chunk_bytes / width / kBlock * kBlock);
  Values fresh;
  std::vector<char> raw;
  std::ifstream in;
  std::optional<H5> file, set;
  if (spec.type == FileType::kHdf5) {
    h5_quiet();
    file.emplace(H5Fopen(spec.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    set.emplace(H5Dopen2(file->get(), spec.dataset.c_str(), H5P_DEFAULT), H5Dclose);
  } else {
    in.open(spec.path, std::ios::binary);
  }
  for (std::uint64_t from = 0; from < n;) {
    const double t0 = now_s();
    const std::uint64_t count = std::min(per_read, n - from);
    fresh.resize(count);
    if (spec.type == FileType::kHdf5) {
      h5_read(set->get(), from, count, fresh.data(), H5P_DEFAULT);
    } else {
      raw.resize(count * width);
      in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
      if (in.gcount() != static_cast<std::streamsize>(raw.size())) {
        const std::string message = spec.path + ": the file became shorter while it was read";
        scatter.fail(message);
        throw UsageError(message);
      }
      to_doubles(raw.data(), count, spec.dtype, fresh.data());
    }

    info.read_s += now_s() - t0;
    from += count;
    scatter.send(fresh, from == n);
    info.root_buffer_bytes = std::max<std::uint64_t>(
        info.root_buffer_bytes, raw.capacity() + fresh.capacity() * sizeof(double) + scatter.pending_bytes());
  }
  return out;
}

}  // namespace

std::span<double> LocalColumn::writable() {
  if (mapping) {
    values.assign(view.begin(), view.end());
    view = {};
    mapping.reset();
  }
  return values;
}

std::size_t dtype_bytes(Dtype dtype) {
  return dtype == Dtype::kF64 || dtype == Dtype::kI64 ? 8 : 4;
}

const char* file_type_name(FileType type) {
  switch (type) {
    case FileType::kCsv:
      return "csv";
    case FileType::kBinary:
      return "binary";
    case FileType::kHdf5:
      return "hdf5";
  }
  return "?";
}

const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::kF64:
      return "f64";
    case Dtype::kF32:
      return "f32";
    case Dtype::kI64:
      return "i64";
    case Dtype::kI32:
      return "i32";
  }
  return "?";
}

Dtype parse_dtype(const std::string& name, const std::string& option) {
  for (const Dtype d : {Dtype::kF64, Dtype::kF32, Dtype::kI64, Dtype::kI32})
    if (name == dtype_name(d)) return d;
  throw UsageError(option + ": '" + name + "' is not a type (accepted: f64, f32, i64, i32, little-endian)");
}

LocalColumn read_column(const boost::mpi::communicator& comm, const InputSpec& spec, int threads,
                        ReadInfo& info) {
  PARAKIT_REQUIRE(threads >= 1 && spec.chunk_bytes > 0, "threads and the chunk size must be positive");
  const double t0 = now_s();
  // Rank 0 checks the file first, so that bad input is one message from one place.
  std::uint64_t size = 0, rows = 0;
  CsvLayout layout;
  check_on_root(comm, [&] {
    size = check_file(spec.path);
    switch (spec.type) {
      case FileType::kCsv:
        layout = read_csv_layout(spec, size);
        break;
      case FileType::kBinary: {
        const std::size_t width = dtype_bytes(spec.dtype);
        if (size % width != 0) {
          throw UsageError(
              fmt::format("{}: {} bytes is not a whole number of {} values ({} bytes each; accepted: "
                          "raw little-endian values, --dtype f64|f32|i64|i32)",
                          spec.path, size, dtype_name(spec.dtype), width));
        }
        rows = size / width;
        break;
      }
      case FileType::kHdf5:
        rows = check_hdf5(spec);
        break;
    }
  });
  boost::mpi::broadcast(comm, size, 0);
  boost::mpi::broadcast(comm, rows, 0);
  boost::mpi::broadcast(comm, layout, 0);
  info.file_bytes = size;
  info.chunk_bytes = spec.chunk_bytes;
  info.column = spec.type == FileType::kCsv ? layout.name : spec.type == FileType::kHdf5 ? spec.dataset : "0";
  info.read_s += now_s() - t0;

  LocalColumn column;
  const bool root = spec.read == ReadStrategy::kRoot;
  PARAKIT_REQUIRE(spec.read != ReadStrategy::kMmap || spec.type == FileType::kBinary,
                  "--read mmap is for binary files only");
  switch (spec.type) {
    case FileType::kCsv:
      column = root ? read_csv_root(comm, spec, layout, threads, info)
                    : read_csv_parallel(comm, spec, layout, size, threads, info);
      break;
    case FileType::kBinary:
      column = root                               ? read_rows_root(comm, spec, rows, info)
               : spec.read == ReadStrategy::kMmap ? read_binary_mapped(comm, spec, rows, size, threads, info)
                                                  : read_binary_parallel(comm, spec, rows, info);
      break;
    case FileType::kHdf5:
      column = root ? read_rows_root(comm, spec, rows, info) : read_hdf5_parallel(comm, spec, rows, info);
      break;
  }
  info.rows = column.data().size();
  PARAKIT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &info.rows, 1, MPI_UINT64_T, MPI_SUM, MPI_Comm(comm)));
  PARAKIT_MPI_CHECK(MPI_Bcast(&info.root_buffer_bytes, 1, MPI_UINT64_T, 0, MPI_Comm(comm)));
  return column;
}

}  // namespace parakit::mpi
