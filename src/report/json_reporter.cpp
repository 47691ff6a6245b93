#include "parakit/report/json_reporter.hpp"

#include <ostream>

namespace parakit::report {

void JsonReporter::write(const Record& record, std::ostream& out) const {
  out << record.dump() << '\n';
}

}  // namespace parakit::report
