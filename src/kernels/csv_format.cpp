#include "parakit/kernels/csv_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

#include <omp.h>

#include "parakit/kernels/partition.hpp"

namespace parakit::kernels::csv {

void format_header(const std::vector<std::string>& names, char sep, std::vector<char>& out) {
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (c != 0) out.push_back(sep);
    out.insert(out.end(), names[c].begin(), names[c].end());
  }
  out.push_back('\n');
}

void format_rows(const std::vector<std::vector<double>>& columns, std::size_t rows, char sep,
                 std::vector<char>& out) {
  std::vector<std::string> parts(static_cast<std::size_t>(omp_get_max_threads()));
#pragma omp parallel
  {
    const auto t = static_cast<std::uint64_t>(omp_get_thread_num());
    const auto team = static_cast<std::uint64_t>(omp_get_num_threads());
    const Range block = block_range(rows, t, team);
    std::string& text = parts[t];
    // 25 characters hold any double in its shortest form ("-2.2250738585072014e-308") and its separator.
    text.reserve(block.size() * columns.size() * 25);
    char field[32];
    for (std::uint64_t i = block.first; i < block.last; ++i) {
      for (std::size_t c = 0; c < columns.size(); ++c) {
        if (c != 0) text.push_back(sep);
        const double v = columns[c][i];
        if (std::isnan(v)) continue;  // missing: an empty field, as pandas writes it
        const auto end = std::to_chars(field, field + sizeof field, v).ptr;
        text.append(field, end);
      }
      text.push_back('\n');
    }
  }
  std::size_t size = out.size();
  for (const auto& part : parts)
    size += part.size();
  out.reserve(size);
  for (const auto& part : parts)
    out.insert(out.end(), part.begin(), part.end());
}

}  // namespace parakit::kernels::csv
