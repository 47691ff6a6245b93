#pragma once
/// @file
/// @brief An elementwise expression in `x` (`log(x)`, `x^2 + 1`, `x > 0 ? sqrt(x) : 0`), evaluated by
/// muParser in its bulk mode. Pure: no MPI, no I/O.

#include <memory>
#include <span>
#include <string>

namespace parakit::kernels {

/// @brief A compiled expression of one variable, `x`.
class Expression {
 public:
  /// @brief Compiles @p text. @throws parakit::UsageError naming the position and what muParser found
  /// wrong (a syntax error, an unknown variable or function), or for a list of expressions (`x, 1`).
  explicit Expression(const std::string& text);
  ~Expression();
  Expression(Expression&&) noexcept;
  Expression& operator=(Expression&&) noexcept;

  const std::string& text() const { return text_; }

  /// @brief values[i] = f(values[i]) for every i, with OpenMP threads (@p threads >= 1; one muParser
  /// per thread, in bulk mode). Missing values (NaN) stay missing whatever f does with NaN.
  void apply(std::span<double> values, int threads) const;

 private:
  std::string text_;
};

}  // namespace parakit::kernels
