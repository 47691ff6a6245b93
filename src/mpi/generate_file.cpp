#include "parakit/mpi/generate_file.hpp"

#include "parakit/mpi/watchdog.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {

Generated generate_file(const boost::mpi::communicator& comm, const GenerateOptions& options) {
  progress("write");
  comm.barrier();
  const double start = sys::now_s();
  Generated out;
  switch (options.type) {
    case format::FileType::kCsv:
      out.bytes = write_csv(comm, options.path, options.columns, options.spec, options.rows, options.sep,
                            options.header, options.write);
      break;
    case format::FileType::kBinary:
      out.bytes = write_binary(comm, options.path, options.spec, options.rows, options.dtype, options.write);
      break;
    case format::FileType::kHdf5:
      out.bytes = write_hdf5(comm, options.path, options.columns, options.spec, options.rows, options.dtype,
                             options.write);
      break;
  }
  // The writers end by agreeing over all ranks, so every rank's time includes the slowest rank's writes.
  out.seconds = sys::now_s() - start;
  return out;
}

}  // namespace parakit::mpi
