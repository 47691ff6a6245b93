// Raw binary files: every rank reads its whole blocks with collective MPI-IO (--read parallel), or rank 0
// reads the file from its start for the scatter (--read root). Values of other types than f64 are
// decoded through a buffer.

#include <algorithm>
#include <fstream>

#include "parakit/mpi/check.hpp"
#include "parakit/quote.hpp"
#include "parakit/sys.hpp"

#include "read_detail.hpp"

namespace parakit::mpi::detail {
namespace {

// Rank 0 reads the file sequentially, chunk after chunk (the rows come in order from row 0).
class BinaryRows final : public RowReader {
 public:
  explicit BinaryRows(const InputSpec& spec)
      : in_(spec.path, std::ios::binary), path_(spec.path), dtype_(spec.dtype) {}

  std::optional<std::string> read(std::uint64_t /*from*/, std::uint64_t count, double* out) override {
    raw_.resize(count * format::dtype_bytes(dtype_));
    in_.read(raw_.data(), static_cast<std::streamsize>(raw_.size()));
    if (in_.gcount() != static_cast<std::streamsize>(raw_.size()))
      return escaped(path_) + ": the file became shorter while it was read";
    format::decode(raw_.data(), count, dtype_, out);
    return std::nullopt;
  }

  std::uint64_t buffer_bytes() const override { return raw_.capacity(); }

 private:
  std::ifstream in_;
  std::string path_;
  format::Dtype dtype_;
  std::vector<char> raw_;
};

}  // namespace

LocalColumn read_binary_parallel(const boost::mpi::communicator& comm, const InputSpec& spec, std::uint64_t n,
                                 ReadInfo& info) {
  const double t0 = sys::now_s();
  const MpiFile file(comm, spec.path);
  const std::size_t width = format::dtype_bytes(spec.dtype);
  // f64 goes straight into the column, in reads as large as MPI allows; other types through a buffer.
  const bool direct = spec.dtype == format::Dtype::kF64;
  const std::uint64_t per_read =
      std::max<std::uint64_t>(kReadBlock, (direct ? kMaxRead : std::uint64_t{64} << 20) / width);
  std::vector<char> raw;
  LocalColumn out =
      read_rows_collectively(comm, n, per_read, [&](std::uint64_t from, std::uint64_t count, double* dest) {
        if (!direct) raw.resize(count * width);
        char* buffer = direct ? reinterpret_cast<char*>(dest) : raw.data();
        MPI_Status status;
        PARAKIT_MPI_CHECK(MPI_File_read_at_all(file.get(), static_cast<MPI_Offset>(from * width), buffer,
                                               static_cast<int>(count * width), MPI_BYTE, &status));
        if (!direct) format::decode(raw.data(), count, spec.dtype, dest);
      });
  info.read_s += sys::now_s() - t0;
  return out;
}

std::unique_ptr<RowReader> open_binary_rows(const InputSpec& spec) {
  return std::make_unique<BinaryRows>(spec);
}

}  // namespace parakit::mpi::detail
