#pragma once
/// @file
/// @brief What every run of a study shares: the kernel and its options, the repeats, the launcher, and
/// where progress goes. Plain data.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parakit/study/kernel.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/study/program.hpp"

namespace parakit::study {

/// @brief The settings of one study (`parakit compare` or `parakit scale`).
struct Settings {
  const StudyKernel* kernel = nullptr;      ///< never null once parsed
  std::vector<std::string> kernel_options;  ///< passed to every run of the kernel
  int repeat = 5;                           ///< timed runs per layout, inside one launch
  int warmup = 1;                           ///< untimed runs before them
  double timeout_s = 0.0;                   ///< seconds a launch may run, 0: no limit
  LaunchSettings launch;                    ///< how every run is launched
  /// A study of a program (`-- PROGRAM ARGS`) rather than of a parakit kernel: then kernel is
  /// &program_kernel() and kernel_options are empty.
  std::optional<ProgramSpec> program;
  std::string command;  ///< e.g. "parakit compare": named in messages
  /// Called with what the study is doing now, e.g. "2x1: 6 runs of pi" (empty: nobody listens).
  /// The library never prints: the driver draws it on a terminal.
  std::function<void(std::string_view)> progress;
};

/// @brief Tells @p settings' progress listener @p what, if there is one.
inline void say(const Settings& settings, std::string_view what) {
  if (settings.progress) settings.progress(what);
}

}  // namespace parakit::study
