// The CLI's own advice for errors from the lower layers: storage and the engine say what is
// wrong (with an ErrorCode); this adds what to do about it in `sublab` terms (flags, commands).
#include "app/cli/cli_commands.h"

namespace sublab::cli {

namespace {

// `--db FILE` when the user gave one, else nothing (the default database).
std::string dbFlag(const std::string& db) { return db.empty() ? std::string() : " --db " + db; }

}  // namespace

std::string cliAdvice(ErrorCode code, const std::string& db) {
  switch (code) {
    case ErrorCode::None:
    case ErrorCode::DatabaseBusy:
    case ErrorCode::DiskFull:
      return {};
    case ErrorCode::NoDatabasePath:
      return "; pass a file name with --db";
    case ErrorCode::NoDataFolder:
      return "; pass a database file with --db";
    case ErrorCode::DatabaseMissing:
      return "; give --db an existing database, or create one with `sublab run --db FILE`";
    case ErrorCode::DatabaseNotCreatable:
      return "; create the folder first or give --db a path in an existing, writable folder";
    case ErrorCode::DatabaseIsFolder:
      return "; give --db a file name such as " + (db.empty() ? "FOLDER" : db) + "/project.sqlite";
    case ErrorCode::DatabaseForeign:
      return " — give --db a new file name or an existing Subliminal Lab database";
    case ErrorCode::DatabaseTooNew:
      return " — update Subliminal Lab or give --db another file";
    case ErrorCode::DatabaseNeedsUpgrade:
      return "; `sublab runs" + dbFlag(db) + "` opens it once to upgrade it";
    case ErrorCode::DatabaseUnreadable:
    case ErrorCode::DatabaseDamaged:
    case ErrorCode::DatabaseUnwritable:
      return ", or give --db another file";
    case ErrorCode::NoSuchRun:
      return "; `sublab runs" + dbFlag(db) + "` lists the runs it holds";
    case ErrorCode::DeviceUnavailable:
      return "; use --device cpu";
    case ErrorCode::EngineFailure:
      return "; rerun with --threads 1 to rule out a threading problem";
  }
  return {};
}

}  // namespace sublab::cli
