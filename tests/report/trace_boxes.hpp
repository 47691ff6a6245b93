#pragma once
// Two boxes of a task farm's trace, on two ranks and two threads, one of them failed, and three boxes of
// a task graph's, one waiting for the other two: the fixtures of the trace and Gantt chart tests.

#include <cstddef>
#include <utility>
#include <vector>

#include "parakit/report/trace.hpp"

namespace parakit::test {

inline std::vector<parakit::report::TraceBox> two_boxes() {
  return {{.name = "task 0",
           .rank = 0,
           .thread = 1,
           .start_s = 0.5,
           .end_s = 1.25,
           .failed = false,
           .args = {{"task", 0}},
           .after = {}},
          {.name = "task 1",
           .rank = 1,
           .thread = 0,
           .start_s = 0.0,
           .end_s = 2.0,
           .failed = true,
           .args = nullptr,
           .after = {}}};
}

// Box 2 (rank 0 thread 1, from 1.25 s) waited for box 0 (rank 0 thread 0, ends at 1 s) and box 1
// (rank 1 thread 0, ends at 0.5 s).
inline std::vector<parakit::report::TraceBox> three_boxes_with_dependencies() {
  const auto box = [](const char* name, int rank, int thread, double start_s, double end_s,
                      std::vector<std::size_t> after) {
    return parakit::report::TraceBox{.name = name,
                                     .rank = rank,
                                     .thread = thread,
                                     .start_s = start_s,
                                     .end_s = end_s,
                                     .failed = false,
                                     .args = nullptr,
                                     .after = std::move(after)};
  };
  return {box("a", 0, 0, 0.0, 1.0, {}), box("b", 1, 0, 0.0, 0.5, {}), box("c", 0, 1, 1.25, 2.0, {0, 1})};
}

}  // namespace parakit::test
