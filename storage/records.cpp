// Run status strings (what storage writes in runs.status) and timestamps.
#include "storage/records.h"

#include <chrono>
#include <ctime>

namespace sublab {

std::string toString(RunStatus s) {
  switch (s) {
    case RunStatus::Queued:
      return "queued";
    case RunStatus::Running:
      return "running";
    case RunStatus::Done:
      return "done";
    case RunStatus::Failed:
      return "failed";
    case RunStatus::Cancelled:
      return "cancelled";
    case RunStatus::Interrupted:
      return "interrupted";
  }
  return "queued";
}

RunStatus runStatusFromString(const std::string& s) {
  for (RunStatus r : {RunStatus::Queued, RunStatus::Running, RunStatus::Done, RunStatus::Failed,
                      RunStatus::Cancelled, RunStatus::Interrupted})
    if (toString(r) == s) return r;
  throw Error("unknown run status \"" + s + "\"");
}

bool isFinished(RunStatus s) { return s != RunStatus::Queued && s != RunStatus::Running; }

int64_t nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string formatTimestamp(int64_t ms) {
  if (ms == 0) return {};
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace sublab
