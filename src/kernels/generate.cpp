#include "parakit/kernels/generate.hpp"

#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>

#include "parakit/error.hpp"
#include "parakit/kernels/splitmix64.hpp"
#include "parakit/quote.hpp"

// No fused multiply-adds: GCC contracts a + b * x into one fma by default in C++ (-ffp-contract=fast)
// wherever the target has one (-march=native), which would make the values, and so the files, depend
// on the CPU the program was built for. Each operation is rounded on its own, as in the documented
// formulas and in a reference written in Python or numpy.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace parakit::kernels::generate {
namespace {

// Each column gets its own SplitMix64 stream (its key) for the values and a second, independent one for
// the missing-value draws, so that adding a column or a missing fraction leaves the other numbers alone.
// The multiplier is the second Weyl increment of Steele et al.; splitmix64_mix is a bijection, so
// distinct (seed, column) pairs give distinct keys except for the seed ^ multiple coincidences any
// keyed scheme has.
constexpr std::uint64_t kColumnMultiplier = 0xd1b54a32d192ed03ULL;
constexpr std::uint64_t kMissingSalt = 0x5851f42d4c957f2dULL;

struct Keys {
  std::uint64_t value = 0;
  std::uint64_t missing = 0;
};

Keys keys(std::uint64_t seed, std::uint64_t column) {
  const std::uint64_t key = splitmix64_mix(seed ^ ((column + 1) * kColumnMultiplier));
  return {key, splitmix64_mix(key ^ kMissingSalt)};
}

// The top 53 bits as a double in [0, 1): every value a multiple of 2^-53, exactly.
inline double unit(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

// Standard normal by Box-Muller from draws 2 row and 2 row + 1. 1 - u lies in (0, 1], so the log is
// finite (at most -log(2^-53) = 36.7).
inline double standard_normal(std::uint64_t key, std::uint64_t row) {
  const double u1 = unit(splitmix64(key, 2 * row));
  const double u2 = unit(splitmix64(key, 2 * row + 1));
  return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

template <Distribution D>
inline double draw(const Spec& spec, const Keys& k, std::uint64_t row) {
  if (spec.missing > 0.0 && unit(splitmix64(k.missing, row)) < spec.missing) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if constexpr (D == Distribution::kUniform) {
    return spec.a + (spec.b - spec.a) * unit(splitmix64(k.value, 2 * row));
  } else if constexpr (D == Distribution::kNormal) {
    return spec.a + spec.b * standard_normal(k.value, row);
  } else if constexpr (D == Distribution::kLognormal) {
    return std::exp(spec.a + spec.b * standard_normal(k.value, row));
  } else if constexpr (D == Distribution::kExponential) {
    return -std::log(1.0 - unit(splitmix64(k.value, 2 * row))) / spec.a;
  } else {
    return spec.a + spec.b * static_cast<double>(row);
  }
}

template <Distribution D>
void fill_as(const Spec& spec, const Keys& k, std::uint64_t first, std::span<double> out) {
  const auto n = static_cast<std::ptrdiff_t>(out.size());
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    out[static_cast<std::size_t>(i)] = draw<D>(spec, k, first + static_cast<std::uint64_t>(i));
  }
}

}  // namespace

Distribution parse_distribution(std::string_view name) {
  for (const Distribution d : {Distribution::kUniform, Distribution::kNormal, Distribution::kLognormal,
                               Distribution::kExponential, Distribution::kSequence}) {
    if (name == distribution_name(d)) return d;
  }
  throw UsageError("--dist: " + parakit::quoted(name) +
                   " is not a distribution (accepted: uniform, normal, lognormal, exponential, sequence)");
}

std::string_view distribution_name(Distribution distribution) {
  switch (distribution) {
    case Distribution::kUniform:
      return "uniform";
    case Distribution::kNormal:
      return "normal";
    case Distribution::kLognormal:
      return "lognormal";
    case Distribution::kExponential:
      return "exponential";
    case Distribution::kSequence:
      return "sequence";
  }
  return "unknown";
}

void default_parameters(Distribution distribution, double& a, double& b) {
  switch (distribution) {
    case Distribution::kUniform:
    case Distribution::kNormal:
    case Distribution::kLognormal:
      a = 0.0;
      b = 1.0;
      return;
    case Distribution::kExponential:
      a = 1.0;
      b = 0.0;  // unused
      return;
    case Distribution::kSequence:
      a = 1.0;
      b = 1.0;
      return;
  }
}

double value(const Spec& spec, std::uint64_t column, std::uint64_t row) {
  const Keys k = keys(spec.seed, column);
  switch (spec.distribution) {
    case Distribution::kUniform:
      return draw<Distribution::kUniform>(spec, k, row);
    case Distribution::kNormal:
      return draw<Distribution::kNormal>(spec, k, row);
    case Distribution::kLognormal:
      return draw<Distribution::kLognormal>(spec, k, row);
    case Distribution::kExponential:
      return draw<Distribution::kExponential>(spec, k, row);
    case Distribution::kSequence:
      return draw<Distribution::kSequence>(spec, k, row);
  }
  PARAKIT_REQUIRE(false, "unknown distribution");
}

void fill(const Spec& spec, std::uint64_t column, std::uint64_t first, std::span<double> out) {
  // The switch stays outside the loop, so that each loop body is one straight formula.
  const Keys k = keys(spec.seed, column);
  switch (spec.distribution) {
    case Distribution::kUniform:
      return fill_as<Distribution::kUniform>(spec, k, first, out);
    case Distribution::kNormal:
      return fill_as<Distribution::kNormal>(spec, k, first, out);
    case Distribution::kLognormal:
      return fill_as<Distribution::kLognormal>(spec, k, first, out);
    case Distribution::kExponential:
      return fill_as<Distribution::kExponential>(spec, k, first, out);
    case Distribution::kSequence:
      return fill_as<Distribution::kSequence>(spec, k, first, out);
  }
  PARAKIT_REQUIRE(false, "unknown distribution");
}

}  // namespace parakit::kernels::generate
