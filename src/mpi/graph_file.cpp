#include "parakit/mpi/graph_file.hpp"

#include <cstdint>
#include <vector>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "parakit/mpi/agree.hpp"

namespace parakit::mpi {

format::GraphFile read_graph_everywhere(const boost::mpi::communicator& comm, const std::string& path) {
  format::GraphFile file;
  check_on_root(comm, [&] { file = format::read_graph_file(path); });
  // The graph travels as plain vectors; the other ranks build it again (the checks pass as on rank 0).
  std::vector<std::string> names;
  std::vector<std::vector<kernels::TaskId>> after;
  std::vector<double> costs;
  std::vector<std::uint64_t> lines(file.lines.begin(), file.lines.end());
  for (kernels::TaskId t = 0; t < file.graph.size(); ++t) {
    names.push_back(file.graph.task(t).name);
    after.push_back(file.graph.task(t).after);
    costs.push_back(file.graph.task(t).cost);
  }
  boost::mpi::broadcast(comm, names, 0);
  boost::mpi::broadcast(comm, after, 0);
  boost::mpi::broadcast(comm, costs, 0);
  boost::mpi::broadcast(comm, file.args, 0);
  boost::mpi::broadcast(comm, lines, 0);
  boost::mpi::broadcast(comm, file.fingerprint, 0);
  if (comm.rank() != 0) {
    std::vector<kernels::GraphTask> tasks(names.size());
    for (std::size_t t = 0; t < names.size(); ++t)
      tasks[t] = {.name = std::move(names[t]), .after = std::move(after[t]), .cost = costs[t]};
    file.graph = kernels::TaskGraph(std::move(tasks));
    file.lines.assign(lines.begin(), lines.end());
  }
  return file;
}

}  // namespace parakit::mpi
