#include "parakit/report/graph_report.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace parakit::report {
namespace {

// a -> b -> d, a -> c -> d on 1 rank x 2 threads: a 0-1 s, b 1-4 s, c 1-2 s (failed once, then 2-3 s),
// d 4-5 s.
struct DiamondRun {
  kernels::TaskGraph graph{
      {{"a", {}, -1.0}, {"b", {0}, -1.0}, {"c", {0}, -1.0}, {"d", {1, 2}, -1.0}, {"e", {}, -1.0}}};
  GraphResult run;
  DiamondRun() {
    run.farm.per_rank.resize(1);
    run.farm.per_rank[0].host = "h";
    const auto record = [](std::uint64_t task, int thread, double start, double end, int attempt,
                           int status) {
      FarmRecord r;
      r.piece = task;
      r.thread = thread;
      r.start_s = start;
      r.end_s = end;
      r.attempt = attempt;
      r.status = status;
      return r;
    };
    run.farm.records = {record(0, 0, 0, 1, 1, 0), record(1, 0, 1, 4, 1, 0), record(2, 1, 1, 2, 1, 1),
                        record(2, 1, 2, 3, 2, 0), record(3, 0, 4, 5, 1, 0)};
    run.states = {kernels::TaskState::kDone, kernels::TaskState::kDone, kernels::TaskState::kDone,
                  kernels::TaskState::kDone, kernels::TaskState::kSkipped};
    run.released_by = {kernels::kNoTask, 0, 0, 1, kernels::kNoTask};
    run.ready_s = {0.0, 1.0, 1.0, 4.0, -1.0};
    run.done = 4;
    run.skipped = 1;
    run.bytes_moved = 16;
    run.transfers = 2;
  }
};

TEST(GraphReport, figures_give_the_critical_path_the_bound_and_the_makespan) {
  const DiamondRun d;
  const GraphFigures f = graph_figures(d.graph, d.run, 2);
  EXPECT_EQ(f.duration_s, (std::vector<double>{1.0, 3.0, 2.0, 1.0, 0.0}));  // c's two attempts
  EXPECT_EQ(f.critical.tasks, (std::vector<kernels::TaskId>{0, 1, 3}));
  EXPECT_DOUBLE_EQ(f.critical.length, 5.0);
  EXPECT_DOUBLE_EQ(f.work_s, 7.0);
  EXPECT_DOUBLE_EQ(f.lower_bound_s, 5.0);  // max(5, 7 / 2)
  EXPECT_DOUBLE_EQ(f.schedule.makespan_s, 5.0);
  EXPECT_DOUBLE_EQ(f.makespan_vs_bound, 1.0);

  Record result;
  add_graph_figures(result, d.graph, d.run, f, kernels::GraphOrder::kFifo);
  EXPECT_EQ(result["lower_bound_s"], 5.0);
  EXPECT_EQ(result["graph"]["order"], "fifo");
  EXPECT_EQ(result["graph"]["critical_path"]["tasks"], (Record{"a", "b", "d"}));
  EXPECT_EQ(result["graph"]["skipped_tasks"], (Record{"e"}));
  EXPECT_EQ(result["graph"]["bytes_moved"], 16);
  EXPECT_EQ(result["graph"]["edges"], 4);
  EXPECT_EQ(result["workers"].size(), 2U);
}

TEST(GraphReport, trace_boxes_point_from_each_predecessors_last_attempt_to_the_task) {
  const DiamondRun d;
  const std::vector<TraceBox> boxes = graph_trace_boxes(d.graph, d.run);
  ASSERT_EQ(boxes.size(), 5U);
  EXPECT_EQ(boxes[2].name, "c");
  EXPECT_TRUE(boxes[2].failed);
  EXPECT_EQ(boxes[3].name, "c (attempt 2)");
  EXPECT_TRUE(boxes[3].after.empty());                          // only the first attempt waited
  EXPECT_EQ(boxes[4].after, (std::vector<std::size_t>{1, 3}));  // d waited for b and c's last attempt
  EXPECT_EQ(boxes[4].args["released_by"], "b");
  EXPECT_DOUBLE_EQ(boxes[4].args["waited_s"].get<double>(), 0.0);
  EXPECT_EQ(boxes[1].after, (std::vector<std::size_t>{0}));
}

}  // namespace
}  // namespace parakit::report
