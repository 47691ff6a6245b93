#pragma once
/// @file
/// @brief A graph file (`map exec --graph @FILE`) read once and known everywhere: rank 0 reads and checks
/// it, every rank gets the same graph.

#include <string>

#include <boost/mpi/communicator.hpp>

#include "parakit/format/graph_file.hpp"

namespace parakit::mpi {

/// @brief Rank 0 reads and parses the graph file @p path (format::read_graph_file) and every rank gets
/// the same format::GraphFile, or every rank throws the same parakit::UsageError (one line: a missing
/// or unreadable file, a malformed line, a duplicate name, an unknown dependency, a cycle).
/// @note Collective over @p comm: every rank passes the same @p path.
format::GraphFile read_graph_everywhere(const boost::mpi::communicator& comm, const std::string& path);

}  // namespace parakit::mpi
