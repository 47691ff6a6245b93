#pragma once
/// @file
/// @brief A study's measured point from a run's own JSON record, and its launch cost. Pure: no processes.

#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/study/kernel.hpp"
#include "parakit/study/table.hpp"

namespace parakit::study {

/// @brief A point from a run's own JSON record (schema parakit.run/1): its layout (ranks,
/// threads_per_rank), work (the field named by @p kernel's unit; NaN if absent), timed repeats
/// (timing.times_s), runs (timing.warmup + repeats), median compute phase, communication (partition +
/// scatter + reduce phases), peak memory of the largest rank and of all ranks (per_rank[].peak_rss_bytes),
/// and oversubscribed when one of its warnings starts with "oversubscribed". The launch cost and the
/// outside wall time stay NaN: they are the caller's to add (unknown for records read from files).
/// @pre @p record has timing.times_s (an array of numbers), phases and per_rank.
Point point_from_record(const StudyKernel& kernel, const nlohmann::json& record);

/// @brief Sets @p point's launch cost from the wall times (seconds) of its empty runs: launch_s is
/// their median, launch_spread_s their max - min (the launch's own jitter).
/// @pre @p empty_s is not empty.
void set_launch_cost(Point& point, const std::vector<double>& empty_s);

}  // namespace parakit::study
