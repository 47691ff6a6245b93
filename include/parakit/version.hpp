#pragma once
/// @file
/// @brief What was built: version, git commit, build type, compiler. Filled in at build time.

#include <string>

namespace parakit {

/// @brief Build facts recorded in every run report.
struct BuildInfo {
  std::string version;     ///< parakit's version, e.g. "0.1.0"
  std::string git_commit;  ///< short commit, "-dirty" appended for uncommitted changes, or "unknown"
  std::string build_type;  ///< CMake build type
  std::string compiler;    ///< compiler id and version
  std::string arch_flags;  ///< "-march=native" when PARAKIT_NATIVE was on
};

/// @brief The facts of this build.
const BuildInfo& build_info();

}  // namespace parakit
