#include "parakit/kernels/expression.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <vector>

#include <muParser.h>
#include <omp.h>

#include "parakit/error.hpp"
#include "parakit/quote.hpp"

namespace parakit::kernels {
namespace {

// Values per bulk evaluation: large enough to amortise the call, small enough to stay in L1.
constexpr std::size_t kBulk = 1024;

// A parser bound to a buffer of kBulk values of x.
struct BulkParser {
  mu::Parser parser;
  std::vector<double> x = std::vector<double>(kBulk);
  std::vector<double> out = std::vector<double>(kBulk);

  explicit BulkParser(const std::string& text) {
    parser.DefineVar("x", x.data());
    parser.SetExpr(text);
    parser.Eval();  // parses now: syntax errors and unknown names surface here
  }
};

std::string describe_error(const std::string& text, const mu::Parser::exception_type& e) {
  std::string message = "--apply " + parakit::quoted(text) + ": ";
  if (e.GetCode() == mu::ecUNASSIGNABLE_TOKEN) {
    // muParser's words for a name it does not know.
    message += "unknown variable or function " + parakit::quoted(e.GetToken()) + " at position " +
               std::to_string(e.GetPos() + 1) + " (the variable is x)";
  } else {
    message += escaped(e.GetMsg(), kQuotedBytes);  // it says where, counting from 0; it quotes the text
  }
  message +=
      "; accepted: an expression in x with muParser's operators and functions, e.g. 'log(x)', "
      "'x^2 + 1', 'x > 0 ? sqrt(x) : 0'";
  return message;
}

}  // namespace

Expression::Expression(const std::string& text) : text_(text) {
  int results = 0;
  try {
    const BulkParser check(text);
    check.parser.Eval(results);
  } catch (const mu::Parser::exception_type& e) {
    throw UsageError(describe_error(text, e));
  }
  // muParser also takes a list "a, b" (worth its last value), and after its comma misses a dangling
  // operator: "2,+" compiles, and bulk mode gives 0 where Eval() gives 2 (found by tests/fuzz). One only.
  if (results != 1) {
    throw UsageError("--apply " + parakit::quoted(text) + ": " + std::to_string(results) +
                     " expressions separated by commas (accepted: one expression in x; commas only between a "
                     "function's arguments, e.g. 'min(x, 1)')");
  }
}

Expression::~Expression() = default;
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;

void Expression::apply(std::span<double> values, int threads) const {
  PARAKIT_REQUIRE(threads >= 1, "threads must be positive");
  const std::size_t n = values.size();
  const std::size_t pieces = (n + kBulk - 1) / kBulk;
  std::exception_ptr failure;
  // Each thread takes a contiguous range of pieces (no worksharing construct: an exception must not
  // leave one).
#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::size_t>(omp_get_thread_num());
    const auto team = static_cast<std::size_t>(omp_get_num_threads());
    try {
      BulkParser p(text_);
      for (std::size_t piece = pieces * t / team; piece < pieces * (t + 1) / team; ++piece) {
        const std::size_t first = piece * kBulk;
        const std::size_t count = std::min(kBulk, n - first);
        std::copy_n(values.data() + first, count, p.x.data());
        p.parser.Eval(p.out.data(), static_cast<int>(count));
        for (std::size_t i = 0; i < count; ++i) {
          const double v = values[first + i];
          values[first + i] = v == v ? p.out[i] : v;
        }
      }
    } catch (const mu::Parser::exception_type& e) {
#pragma omp critical(parakit_expression_failure)
      if (!failure) failure = std::make_exception_ptr(Error(describe_error(text_, e)));
    } catch (...) {
#pragma omp critical(parakit_expression_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace parakit::kernels
