#include "parakit/mpi/task_file.hpp"

#include <cstdint>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "parakit/mpi/agree.hpp"

namespace parakit::mpi {

std::vector<TaskLine> read_tasks_everywhere(const boost::mpi::communicator& comm, const std::string& path,
                                            std::string_view option, bool empty_ok) {
  std::vector<TaskLine> lines;
  check_on_root(comm, [&] { lines = read_task_file(path, option, empty_ok); });
  std::vector<std::string> texts;
  std::vector<std::uint64_t> numbers;
  for (const TaskLine& l : lines) {
    texts.push_back(l.text);
    numbers.push_back(l.line);
  }
  boost::mpi::broadcast(comm, texts, 0);
  boost::mpi::broadcast(comm, numbers, 0);
  lines.clear();
  for (std::size_t i = 0; i < texts.size(); ++i)
    lines.push_back({static_cast<std::size_t>(numbers[i]), texts[i]});
  return lines;
}

}  // namespace parakit::mpi
