#pragma once
/// @file
/// @brief A task file read once and known everywhere: rank 0 reads it, every rank gets its lines.

#include <string>
#include <string_view>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/parse.hpp"

namespace parakit::mpi {

/// @brief Rank 0 reads the task file @p path (read_task_file) and every rank gets its lines, or every
/// rank throws the same parakit::UsageError (a missing or unreadable file, an empty one unless @p empty_ok).
/// @param option The option's name for messages, e.g. "--tasks".
/// @note Collective over @p comm: every rank passes the same @p path.
std::vector<TaskLine> read_tasks_everywhere(const boost::mpi::communicator& comm, const std::string& path,
                                            std::string_view option, bool empty_ok = false);

}  // namespace parakit::mpi
