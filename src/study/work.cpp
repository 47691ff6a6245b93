#include "parakit/study/work.hpp"

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/parse.hpp"

namespace parakit::study {

std::string work_value(const StudyKernel& kernel, const std::vector<std::string>& kernel_options) {
  std::string value(kernel.default_work);
  const std::string option(kernel.work_option);
  for (std::size_t i = 0; i < kernel_options.size(); ++i) {
    const std::string& word = kernel_options[i];
    if (word == option && i + 1 < kernel_options.size()) value = kernel_options[i + 1];
    if (word.rfind(option + "=", 0) == 0) value = word.substr(option.size() + 1);
  }
  return value;
}

std::vector<std::string> scaled_work(const StudyKernel& kernel,
                                     const std::vector<std::string>& kernel_options, std::uint64_t factor) {
  PARAKIT_REQUIRE(!kernel.work_option.empty() && factor >= 1, "a work option to scale, by at least 1");
  const std::string option(kernel.work_option);
  std::string scaled;
  for (const std::uint64_t n : parse_count_list(work_value(kernel, kernel_options), option, kMaxWork)) {
    if (n > kMaxWork / factor) {
      throw UsageError(fmt::format("{}: {} x {} cores is more than 2^63-1 (accepted: less work per core)",
                                   option, n, factor));
    }
    if (!scaled.empty()) scaled += ',';
    scaled += std::to_string(n * factor);
  }
  std::vector<std::string> options;
  for (std::size_t i = 0; i < kernel_options.size(); ++i) {
    const std::string& word = kernel_options[i];
    if (word == option && i + 1 < kernel_options.size()) {
      ++i;  // the value: replaced below
      continue;
    }
    if (word.rfind(option + "=", 0) == 0) continue;
    options.push_back(word);
  }
  options.insert(options.end(), {option, scaled});
  return options;
}

}  // namespace parakit::study
