// CSV under both strategies: every rank parses the lines that start in its share of the bytes (MPI-IO),
// or rank 0 reads chunks of whole lines, parses them and scatters the values. Line numbers in messages
// are the file's, whoever found the bad line.

#include <algorithm>
#include <fstream>

#include "parakit/error.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/sys.hpp"

#include "read_detail.hpp"

namespace parakit::mpi::detail {
namespace {

namespace csv = kernels::csv;

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

// What one rank's parse of its byte range found.
struct RangeParse {
  std::uint64_t lines = 0;
  std::uint64_t skipped = 0;
  std::optional<csv::BadLine> bad;  // line relative to the start of the range
};

// Parses the lines that start in [begin, end) into @p out, chunk by chunk: the master thread reads the
// next chunk (MPI-IO, independent) while the threads parse this one. Not collective.
RangeParse parse_range(const MpiFile& file, const InputSpec& spec, const format::CsvLayout& layout,
                       std::uint64_t begin, std::uint64_t end, std::uint64_t size, int threads,
                       LocalColumn& out) {
  const csv::Dialect dialect{.sep = spec.sep};
  const csv::ColumnSpec cspec{.column = layout.column, .fields = layout.fields, .skip_bad = spec.skip_bad};
  RangeParse result;
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
  for (int k = 0; piece < end && !result.bad; ++k) {
    const std::uint64_t next = piece_end, next_end = std::min(end, next + spec.chunk_bytes);
    std::string_view following;
    ParsedText parsed = parse_text(text, dialect, cspec, threads, storage, out.values, [&] {
      if (next < end) following = read_lines(file, next, next_end, size, buffers[(k + 1) % 2]);
    });
    if (parsed.error) {
      result.bad = parsed.error;
      result.bad->line += result.lines;
    }
    result.lines += parsed.lines;
    result.skipped += parsed.skipped;
    piece = next;
    piece_end = next_end;
    text = following;
  }
  return result;
}

// The sum of @p mine over the ranks before this one (0 on rank 0). Collective.
std::uint64_t sum_before(const boost::mpi::communicator& comm, std::uint64_t mine) {
  std::uint64_t before = 0;
  PARAKIT_MPI_CHECK(MPI_Exscan(&mine, &before, 1, MPI_UINT64_T, MPI_SUM, MPI_Comm(comm)));
  return comm.rank() == 0 ? 0 : before;  // MPI_Exscan leaves rank 0's result undefined
}

}  // namespace

LocalColumn read_csv_parallel(const boost::mpi::communicator& comm, const InputSpec& spec,
                              const format::CsvLayout& layout, std::uint64_t size, int threads,
                              ReadInfo& info) {
  const double t0 = sys::now_s();
  const MpiFile file(comm, spec.path);
  const auto p = static_cast<std::uint64_t>(comm.size()), r = static_cast<std::uint64_t>(comm.rank());
  const std::uint64_t span = size - layout.data_start;
  const std::uint64_t begin = layout.data_start + span * r / p, end = layout.data_start + span * (r + 1) / p;
  LocalColumn out;
  RangeParse parsed = parse_range(file, spec, layout, begin, end, size, threads, out);
  // Line numbers come from an exclusive scan of the line counts; the first bad line of all ranks, in rank
  // order, is reported by everyone.
  const std::uint64_t lines_before = sum_before(comm, parsed.lines);
  std::optional<Failure> bad;
  if (parsed.bad) {
    bad = Failure{
        .usage = true,
        .message = format::bad_line_message(
            spec.path, spec.sep, layout, layout.first_line + lines_before + parsed.bad->line, *parsed.bad)};
  }
  raise_if_any(comm, bad);

  const std::uint64_t rows_before = sum_before(comm, out.values.size());
  if (!out.values.empty()) out.segments.push_back({rows_before, 0, out.values.size()});
  PARAKIT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &parsed.skipped, 1, MPI_UINT64_T, MPI_SUM, MPI_Comm(comm)));
  info.skipped = parsed.skipped;
  info.read_s += sys::now_s() - t0;
  return out;
}

LocalColumn read_csv_root(const boost::mpi::communicator& comm, const InputSpec& spec,
                          const format::CsvLayout& layout, int threads, ReadInfo& info) {
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
    const double t0 = sys::now_s();
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
    info.read_s += sys::now_s() - t0;
    if (parsed.error) {
      const std::string message = format::bad_line_message(
          spec.path, spec.sep, layout, layout.first_line + lines + parsed.error->line, *parsed.error);
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

}  // namespace parakit::mpi::detail
