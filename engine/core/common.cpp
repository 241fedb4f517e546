// String forms of the shared enums (these strings are what storage writes).
#include "engine/core/common.h"

namespace sublab {

std::string toString(StageStatus s) {
  switch (s) {
    case StageStatus::Pending:
      return "pending";
    case StageStatus::Running:
      return "running";
    case StageStatus::Done:
      return "done";
    case StageStatus::Failed:
      return "failed";
    case StageStatus::Cancelled:
      return "cancelled";
    case StageStatus::Interrupted:
      return "interrupted";
  }
  return "pending";
}

StageStatus stageStatusFromString(const std::string& s) {
  if (s == "running") return StageStatus::Running;
  if (s == "done") return StageStatus::Done;
  if (s == "failed") return StageStatus::Failed;
  if (s == "cancelled") return StageStatus::Cancelled;
  if (s == "interrupted") return StageStatus::Interrupted;
  return StageStatus::Pending;
}

}  // namespace sublab
