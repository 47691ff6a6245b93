// main() of every MPI test: initialise MPI once, let rank 0 print gtest's output and the other ranks
// only their failures, and make every rank exit with the same code (a failure anywhere fails all).
#include <cstdio>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <gtest/gtest.h>

namespace {

class FailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(), result.summary());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  const boost::mpi::environment env(argc, argv, boost::mpi::threading::funneled);
  ::testing::InitGoogleTest(&argc, argv);
  const boost::mpi::communicator world;
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailurePrinter(world.rank()));
  }
  const int mine = RUN_ALL_TESTS();
  return boost::mpi::all_reduce(world, mine, boost::mpi::maximum<int>());
}
