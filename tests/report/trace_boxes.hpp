#pragma once
// Two boxes of a task farm's trace, on two ranks and two threads, one of them failed: the fixture of the
// trace and Gantt chart tests.

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
           .args = {{"task", 0}}},
          {.name = "task 1",
           .rank = 1,
           .thread = 0,
           .start_s = 0.0,
           .end_s = 2.0,
           .failed = true,
           .args = nullptr}};
}

}  // namespace parakit::test
