#include "parakit/study/measure.hpp"

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/study/point.hpp"

namespace parakit::study {

Launched launch_kernel(const Settings& settings, const Layout& layout,
                       const std::vector<std::string>& kernel_options) {
  const StudyKernel& kernel = *settings.kernel;
  const std::string name = layout_name(layout);
  std::vector<std::string> program{self_path(), std::string(kernel.name)};
  program.insert(program.end(), kernel_options.begin(), kernel_options.end());
  program.insert(program.end(),
                 {"--threads", std::to_string(layout.threads), "--repeat", std::to_string(settings.repeat),
                  "--warmup", std::to_string(settings.warmup), "--format", "json", "--progress", "never"});
  say(settings, fmt::format("{}: {} runs of {}", name, settings.warmup + settings.repeat, kernel.name));
  try {
    return launch(settings.launch, layout, program, fmt::format("{} in {}", kernel.name, name),
                  settings.timeout_s);
  } catch (const UsageError& e) {
    // Options a study does not know are the kernel's: a typo of a study option lands here.
    throw UsageError(std::string(e.what()) + "; the study's own options: see '" + settings.command +
                     " --help'");
  }
}

Measured measure(const Settings& settings, const Layout& layout,
                 const std::vector<std::string>& kernel_options) {
  const std::string self = self_path();
  const std::string name = layout_name(layout);
  const std::string threads = std::to_string(layout.threads);
  const Launched run = launch_kernel(settings, layout, kernel_options);
  Measured measured;
  measured.record = run.record;
  const nlohmann::json& record = measured.record;
  // Then the launch cost, after the kernel (whose options may be wrong: better to know at once).
  std::vector<double> empty;
  for (int i = 0; i < settings.repeat; ++i) {
    say(settings, fmt::format("{}: empty run {} of {}", name, i + 1, settings.repeat));
    empty.push_back(launch(settings.launch, layout, {self, "empty", "--threads", threads, "--format", "json"},
                           "the empty run in " + name, 120.0)
                        .wall_s);
  }
  if (record.value("ranks", 0) != layout.ranks || record.value("threads_per_rank", 0) != layout.threads) {
    throw Error(fmt::format("{} in {} ran as {}x{}", settings.kernel->name, name, record.value("ranks", 0),
                            record.value("threads_per_rank", 0)));
  }
  measured.point = point_from_record(*settings.kernel, record);
  set_launch_cost(measured.point, empty);
  measured.point.wall_s = run.wall_s;
  measured.point.oversubscribed = oversubscribed(settings.launch, layout);
  return measured;
}

}  // namespace parakit::study
