#pragma once
/// @file
/// @brief What one rank of a heat run measured (plain data, no MPI): the MPI layer fills it, the reports
/// print it.

#include <cstdint>

namespace parakit::report {

/// @brief One rank's share of a run, the medians over the timed runs for the times.
struct HeatRankStats {
  int rank = 0;
  int coord_row = 0;  ///< its place in the process grid
  int coord_col = 0;
  std::int64_t row0 = 0;  ///< its block: first row and column in the grid, rows and columns
  std::int64_t col0 = 0;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  double update_s = 0.0;                ///< updating cells (its own and the halo's redundant ones)
  double exchange_s = 0.0;              ///< moving halos: in MPI calls, waiting, or copying from the window
  double hidden_s = 0.0;                ///< overlap: interior update time while the exchange was in flight
  double check_s = 0.0;                 ///< the residual's all-reduce
  std::uint64_t bytes_sent = 0;         ///< halo bytes sent by messages over the run
  std::uint64_t messages_sent = 0;      ///< halo messages sent
  std::uint64_t bytes_read_shared = 0;  ///< halo bytes read straight from neighbours' windows
  int shared_neighbours = 0;            ///< neighbours read through the shared window
  int message_neighbours = 0;           ///< neighbours reached by messages
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& rank& coord_row& coord_col& row0& col0& rows& cols& update_s& exchange_s& hidden_s& check_s&
        bytes_sent& messages_sent& bytes_read_shared& shared_neighbours& message_neighbours;
  }
};

}  // namespace parakit::report
