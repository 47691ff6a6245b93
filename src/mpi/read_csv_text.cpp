// Threaded CSV parsing for the reader: a chunk of text cut at line starts into pieces that the rank's
// threads parse, while the master thread may read the next chunk. No MPI here (MPI stays on the master
// thread's side job).

#include <algorithm>
#include <exception>

#include <omp.h>

#include "read_detail.hpp"

namespace parakit::mpi::detail {
namespace {

namespace csv = kernels::csv;

// The counts of the parsed pieces in order, up to the first bad line; @p at holds where each piece's
// values start in the caller's vector (at[t]: their end), cut back to the bad line.
ParsedText sum_pieces(const std::vector<csv::ParsedColumn>& parts, const std::vector<std::size_t>& at,
                      Values& values) {
  ParsedText out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
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

}  // namespace

ParsedText parse_text(std::string_view text, const csv::Dialect& dialect, const csv::ColumnSpec& spec,
                      int threads, ThreadStorage& storage, Values& values,
                      const std::function<void()>& side_job) {
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
  return sum_pieces(parts, at, values);
}

}  // namespace parakit::mpi::detail
