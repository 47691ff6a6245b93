#pragma once
/// @file
/// @brief The seed's three Python versions of pi (pandas apply, Pool.map, Dask) on the same work as the
/// parakit layouts (`parakit compare pi --with-python`): run as processes of scripts/seed_python.py.

#include <string>
#include <vector>

#include "parakit/study/settings.hpp"
#include "parakit/study/table.hpp"

namespace parakit::study {

/// @brief The Python side of a study, ready to measure.
struct PythonStudy {
  std::string python;   ///< the interpreter: $PARAKIT_PYTHON, else /usr/bin/python3 or python3 in PATH
  std::string script;   ///< data_dir()/seed_python.py
  std::string samples;  ///< the kernel's --samples, one task per entry
  int cores = 1;        ///< the study's core count, the script's --workers
  int workers = 1;      ///< at most one busy worker per task: min(cores, tasks)
  std::vector<double> empty_s;  ///< wall times of the interpreter's start-up, imports included
};

/// @brief Finds the interpreter and the script and times the script's empty run settings.repeat times:
/// before any parakit run, so that a missing pandas or Dask is known at once.
/// @pre settings.kernel is pi; @p cores >= 1.
/// @throws parakit::UsageError when the samples are not counts; parakit::Error when the script fails
/// ("--with-python: `COMMAND` failed (exit code N): LAST LINE") or prints no JSON record.
PythonStudy prepare_python(const Settings& settings, int cores);

/// @brief Runs the three versions with the study's repeats and warm-ups: points labelled "python
/// pandas.apply" (1x1), "python Pool.map" (workers x 1) and "python dask" (1 x workers), implementation
/// "python", with the prepared start-up as their launch cost.
/// @throws parakit::Error as prepare_python().
std::vector<Point> measure_python(const Settings& settings, const PythonStudy& python);

}  // namespace parakit::study
