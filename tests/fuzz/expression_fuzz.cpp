// Fuzz target "expression": the expression kernel of `parakit stats --apply` (kernels/expression.hpp,
// muParser in bulk mode).
//
// Input: the expression. It ends at the first NUL byte, as a command-line argument does.
//
// A bug is: an exception other than the documented ones (parakit::UsageError from the constructor,
// parakit::Error from apply), a sanitizer report, or a broken invariant:
// - an expression that compiles either applies or fails alike on one thread and on two;
// - missing values (NaN) stay missing; one thread and two give the same bits (one parser per thread);
// - the bulk values are what muParser's one-value Eval() gives for the same x;
// - every message is one clean line (no raw control byte from the expression).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <muParser.h>

#include "parakit/error.hpp"
#include "parakit/kernels/expression.hpp"

#include "fuzz_target.hpp"

namespace {

// Values of x covering signs, zeros, extremes, non-finite and missing; cycled over two of the
// kernel's bulk pieces (1024 values each), the second partial: one per thread of two.
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kX[] = {0.0,
                         -0.0,
                         1.0,
                         -1.0,
                         0.5,
                         2.0,
                         1e300,
                         -1e300,
                         kInf,
                         -kInf,
                         5e-324,
                         3.25,
                         1e-10,
                         100,
                         -7.5,
                         1e-300,
                         std::numeric_limits<double>::quiet_NaN()};
constexpr std::size_t kValues = 1024 + 5;
// Values compared with the one-value Eval() (each a parser call).
constexpr std::size_t kScalarChecks = std::size(kX);

std::vector<double> sample_values() {
  std::vector<double> values(kValues);
  for (std::size_t i = 0; i < kValues; ++i)
    values[i] = kX[i % std::size(kX)];
  return values;
}

bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) ||
         std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// apply() on @p threads threads: the values, or none when it threw parakit::Error (its message in @p error).
std::optional<std::vector<double>> applied(const parakit::kernels::Expression& e, int threads,
                                           std::string& error) {
  std::vector<double> values = sample_values();
  try {
    e.apply(values, threads);
  } catch (const parakit::Error& failure) {
    error = failure.what();
    PARAKIT_FUZZ_CHECK_MESSAGE(error);
    return std::nullopt;
  }
  return values;
}

// muParser evaluating one x at a time, without bulk mode: an independent path through the library.
void check_against_scalar(const std::string& text, const std::vector<double>& bulk) {
  double x = 0.0;
  mu::Parser parser;
  parser.DefineVar("x", &x);
  parser.SetExpr(text);
  for (std::size_t i = 0; i < kScalarChecks; ++i) {
    x = kX[i];
    if (std::isnan(x)) continue;  // missing: the kernel keeps it, whatever f does
    double scalar = 0.0;
    try {
      scalar = parser.Eval();
    } catch (const mu::Parser::exception_type& e) {
      PARAKIT_FUZZ_CHECK(false, "'" + text + "': Eval() fails where the bulk mode did not: " + e.GetMsg());
    }
    PARAKIT_FUZZ_CHECK(same_value(bulk[i], scalar), "'" + text + "' at x = " + std::to_string(kX[i]) +
                                                        ": bulk " + std::to_string(bulk[i]) + ", Eval() " +
                                                        std::to_string(scalar));
  }
}

void fuzz_expression(const std::uint8_t* data, std::size_t size) {
  const auto* text_begin = reinterpret_cast<const char*>(data);
  const std::string text(text_begin, std::find(text_begin, text_begin + size, '\0'));
  std::optional<parakit::kernels::Expression> expression;
  try {
    expression.emplace(text);
  } catch (const parakit::UsageError& e) {
    PARAKIT_FUZZ_CHECK(std::string_view(e.what()).starts_with("--apply '"),
                       "a message that does not name --apply");
    PARAKIT_FUZZ_CHECK_MESSAGE(e.what());
    return;
  }
  std::string error1, error2;
  const auto one = applied(*expression, 1, error1);
  const auto two = applied(*expression, 2, error2);
  PARAKIT_FUZZ_CHECK(one.has_value() == two.has_value(),
                     "'" + text + "': one thread and two disagree on failing");
  if (!one) {
    PARAKIT_FUZZ_CHECK(error1 == error2, "'" + text + "': other messages on one thread and two");
    return;
  }
  const std::vector<double> x = sample_values();
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]))
      PARAKIT_FUZZ_CHECK(std::isnan((*one)[i]), "'" + text + "': a missing value was filled");
    PARAKIT_FUZZ_CHECK(same_value((*one)[i], (*two)[i]),
                       "'" + text + "': one thread and two differ at " + std::to_string(i));
  }
  check_against_scalar(text, *one);
}

}  // namespace

PARAKIT_FUZZ_TARGET("expression", fuzz_expression)
