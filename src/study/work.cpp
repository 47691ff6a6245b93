#include "parakit/study/work.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/kernels/heat.hpp"
#include "parakit/parse.hpp"

namespace parakit::study {
namespace {

// "N,N,..." with every count times @p factor.
std::string scaled_counts(const std::string& option, const std::string& value, std::uint64_t factor) {
  std::string scaled;
  for (const std::uint64_t n : parse_count_list(value, option, kMaxWork)) {
    if (n > kMaxWork / factor) {
      throw UsageError(fmt::format("{}: {} x {} cores is more than 2^63-1 (accepted: less work per core)",
                                   option, n, factor));
    }
    if (!scaled.empty()) scaled += ',';
    scaled += std::to_string(n * factor);
  }
  return scaled;
}

// "RxC" grown by the process grid of @p factor ranks: each rank keeps the block of the one-core grid.
std::string scaled_grid(const std::string& option, const std::string& value, std::uint64_t factor) {
  const kernels::heat::GridSize grid = parse_grid(value, option);
  if (factor > static_cast<std::uint64_t>(kernels::heat::kMaxSide)) {
    throw UsageError(fmt::format("{}: {} cores are more than a grid can grow to", option, factor));
  }
  const kernels::heat::GridSize dims = kernels::heat::balanced_dims(static_cast<int>(factor));
  // Each side is at most 2^31 - 1 and so is each factor: the products fit in 64 bits.
  const kernels::heat::GridSize grown{grid.rows * dims.rows, grid.cols * dims.cols};
  const bool too_long = grown.rows > kernels::heat::kMaxSide || grown.cols > kernels::heat::kMaxSide;
  if (too_long || grown.rows > kernels::heat::kMaxCells / grown.cols) {
    throw UsageError(fmt::format(
        "{}: {} on {} cores ({} ranks) is {}, more than a grid may be (accepted: sides up to {} and at "
        "most 2^40 cells; a smaller grid per core)",
        option, kernels::heat::grid_name(grid), factor, kernels::heat::grid_name(dims),
        kernels::heat::grid_name(grown), kernels::heat::kMaxSide));
  }
  return kernels::heat::grid_name(grown);
}

}  // namespace

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
  const std::string value = work_value(kernel, kernel_options);
  const std::string scaled = kernel.scaling == WorkScaling::kGrid ? scaled_grid(option, value, factor)
                                                                  : scaled_counts(option, value, factor);
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
