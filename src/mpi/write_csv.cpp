// write_csv (parakit/mpi/write.hpp): rows generated and formatted by every rank, written with MPI-IO.

#include <cstdint>
#include <string>
#include <vector>

#include "parakit/error.hpp"
#include "parakit/kernels/csv_format.hpp"
#include "parakit/kernels/generate.hpp"
#include "parakit/mpi/write.hpp"

#include "write_detail.hpp"

namespace parakit::mpi {

std::uint64_t write_csv(const boost::mpi::communicator& comm, const std::string& path,
                        const std::vector<std::string>& names, const kernels::generate::Spec& spec,
                        std::uint64_t rows, char sep, bool header, const WriteOptions& options) {
  PARAKIT_REQUIRE(!names.empty(), "no column names");
  PARAKIT_REQUIRE(sep != '"' && sep != '\n' && sep != '\r', "separator " + std::to_string(sep));
  for (const auto& name : names) {
    PARAKIT_REQUIRE(name.find_first_of(std::string{sep, '"', '\n', '\r'}) == std::string::npos,
                    "column name '" + name + "'");
  }
  const detail::Target t = detail::prepare(comm, path, options);
  const detail::ThreadCount threads(options.threads);
  const detail::Rounds rounds = detail::plan(comm, rows, names.size());
  std::vector<std::vector<double>> columns(names.size());
  // With scanned offsets, each rank's text follows that of the ranks before it: only the text's length
  // tells where it starts.
  return detail::write_rounds(
      comm, t, rounds, /*scan_offsets=*/true,
      [&](std::uint64_t r, kernels::Range range, std::vector<char>& bytes) -> std::uint64_t {
        if (r == 0 && comm.rank() == 0 && header) kernels::csv::format_header(names, sep, bytes);
        const auto n = static_cast<std::size_t>(range.size());
        for (std::size_t c = 0; c < names.size(); ++c) {
          columns[c].resize(n);
          kernels::generate::fill(spec, c, range.first, columns[c]);
        }
        kernels::csv::format_rows(columns, n, sep, bytes);
        return 0;
      });
}

}  // namespace parakit::mpi
