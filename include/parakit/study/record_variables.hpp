#pragma once
/// @file
/// @brief The environment variables through which a study (`parakit compare|scale ... -- ./app`) asks a
/// program built on parakit's library for its own run record (mpi/study_record.hpp writes it). Plain data.

#include <string_view>

namespace parakit::study {

/// @brief The file rank 0 writes the run record to (an absolute path).
inline constexpr std::string_view kRecordVariable = "PARAKIT_STUDY_RECORD";
/// @brief The timed runs (RunOptions::repeat).
inline constexpr std::string_view kRepeatVariable = "PARAKIT_STUDY_REPEAT";
/// @brief The untimed runs before them (RunOptions::warmup).
inline constexpr std::string_view kWarmupVariable = "PARAKIT_STUDY_WARMUP";

}  // namespace parakit::study
