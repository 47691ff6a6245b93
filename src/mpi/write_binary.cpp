// write_binary (parakit/mpi/write.hpp): raw little-endian elements, each rank's rows at their place.

#include <charconv>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "parakit/error.hpp"
#include "parakit/kernels/encode.hpp"
#include "parakit/kernels/generate.hpp"
#include "parakit/mpi/write.hpp"

#include "write_detail.hpp"

namespace parakit::mpi {
namespace {

bool is_integer(Dtype dtype) {
  return dtype == Dtype::kI64 || dtype == Dtype::kI32;
}

// The bytes of @p values in @p dtype; the index of the first value that does not fit an integer dtype,
// or values.size().
std::size_t encode(std::span<const double> values, Dtype dtype, std::span<unsigned char> out) {
  switch (dtype) {
    case Dtype::kF64:
      kernels::encode::f64_le(values, out);
      return values.size();
    case Dtype::kF32:
      kernels::encode::f32_le(values, out);
      return values.size();
    case Dtype::kI64:
      return kernels::encode::i64_le(values, out);
    case Dtype::kI32:
      return kernels::encode::i32_le(values, out);
  }
  throw Error("unknown dtype " + std::to_string(static_cast<int>(dtype)));
}

[[noreturn]] void throw_does_not_fit(Dtype dtype, double value, std::uint64_t row) {
  char number[32];
  const auto end = std::to_chars(number, number + sizeof number, value).ptr;
  throw UsageError("--dtype " + std::string(dtype_name(dtype)) + ": the value " + std::string(number, end) +
                   " of row " + std::to_string(row) +
                   " does not fit (accepted: a wider --dtype, or other --params)");
}

}  // namespace

std::uint64_t write_binary(const boost::mpi::communicator& comm, const std::string& path,
                           const kernels::generate::Spec& spec, std::uint64_t rows, Dtype dtype,
                           const WriteOptions& options) {
  if (spec.missing > 0.0 && is_integer(dtype)) {
    throw UsageError("--missing: missing values are NaN, which " + std::string(dtype_name(dtype)) +
                     " cannot hold (accepted: --missing 0 with an integer --dtype, or --dtype f64 or f32)");
  }
  const std::size_t size = dtype_bytes(dtype);
  PARAKIT_REQUIRE(rows <= std::numeric_limits<std::uint64_t>::max() / size, "rows = " + std::to_string(rows));
  const detail::Target t = detail::prepare(comm, path, options);
  const detail::ThreadCount threads(options.threads);
  const detail::Rounds rounds = detail::plan(comm, rows, 1);
  std::vector<double> values;
  detail::write_rounds(comm, t, rounds, /*scan_offsets=*/false,
                       [&](std::uint64_t, kernels::Range range, std::vector<char>& bytes) -> std::uint64_t {
                         const auto n = static_cast<std::size_t>(range.size());
                         values.resize(n);
                         kernels::generate::fill(spec, 0, range.first, values);
                         bytes.resize(n * size);
                         const std::span<unsigned char> out(reinterpret_cast<unsigned char*>(bytes.data()),
                                                            bytes.size());
                         const std::size_t bad = encode(values, dtype, out);
                         if (bad != n) throw_does_not_fit(dtype, values[bad], range.first + bad);
                         return range.first * size;
                       });
  return rows * size;
}

}  // namespace parakit::mpi
