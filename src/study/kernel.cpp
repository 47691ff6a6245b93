#include "parakit/study/kernel.hpp"

namespace parakit::study {
namespace {

// stats reads a file: its work is fixed by the file, so it has no work option (no weak scaling). heat's
// work is its grid times its steps: cell updates.
constexpr StudyKernel kStudyKernels[] = {
    {"pi", "--samples", "100000,3200000", "samples", WorkScaling::kCounts},
    {"stats", "", "", "bytes", WorkScaling::kCounts},
    {"heat", "--grid", "1024x1024", "cell_updates", WorkScaling::kGrid}};

}  // namespace

std::span<const StudyKernel> study_kernels() {
  return kStudyKernels;
}

const StudyKernel* find_kernel(std::string_view name) {
  for (const auto& k : kStudyKernels)
    if (name == k.name) return &k;
  return nullptr;
}

std::string kernel_names() {
  std::string names;
  for (const auto& k : kStudyKernels) {
    if (!names.empty()) names += ", ";
    names += k.name;
  }
  return names;
}

}  // namespace parakit::study
