#pragma once
/// @file
/// @brief Synthetic columns for `parakit gen`: the value of row i depends only on (seed, column, i), so
/// any ranks x threads layout writes the same file. Pure: no MPI, no I/O.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parakit::kernels::generate {

/// @brief The distributions offered, with their two parameters (a, b).
enum class Distribution {
  kUniform,      ///< uniform on [a, b)                      (default a = 0, b = 1)
  kNormal,       ///< normal, mean a, standard deviation b    (default 0, 1)
  kLognormal,    ///< exp(normal(a, b))                       (default 0, 1)
  kExponential,  ///< exponential with rate a (b unused)      (default 1)
  kSequence,     ///< a + b * i: closed-form statistics       (default 1, 1)
};

/// @brief What to generate.
struct Spec {
  Distribution distribution = Distribution::kUniform;
  double a = 0.0;
  double b = 1.0;
  std::uint64_t seed = 0;
  double missing = 0.0;  ///< fraction of values left missing (NaN), chosen per (seed, column, row)
};

/// @brief Parses "uniform", "normal", "lognormal", "exponential" or "sequence".
/// @throws parakit::UsageError otherwise, naming the accepted words.
Distribution parse_distribution(std::string_view name);

/// @brief The name parse_distribution accepts for @p distribution.
std::string_view distribution_name(Distribution distribution);

/// @brief The default (a, b) of @p distribution.
void default_parameters(Distribution distribution, double& a, double& b);

/// @brief The value of row @p row of column @p column (NaN when it is one of the missing ones).
double value(const Spec& spec, std::uint64_t column, std::uint64_t row);

/// @brief out[k] = value(spec, column, first + k), with OpenMP threads.
void fill(const Spec& spec, std::uint64_t column, std::uint64_t first, std::span<double> out);

}  // namespace parakit::kernels::generate
