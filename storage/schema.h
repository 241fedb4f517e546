// The database layout as an ordered list of migrations (PRAGMA user_version counts them), and
// where the default database lives.
#pragma once

#include <string>
#include <vector>

namespace sublab {

// One step of the schema; migrations run in order inside a transaction each.
struct Migration {
  int version;          // user_version after it ran
  const char* sql;      // one or more statements
  const char* summary;  // one line
};
// The migration list (exposed for tests and `sublab` diagnostics).
const std::vector<Migration>& migrations();
// The user_version this code writes (the last migration's version).
int schemaVersion();

// $XDG_DATA_HOME/subliminal-lab/default.sqlite, else ~/.local/share/subliminal-lab/default.sqlite.
// Creates the folder (not the file). Throws Error (ErrorCode::NoDataFolder) when neither
// variable gives a home or the folder cannot be made.
std::string defaultDatabasePath();

}  // namespace sublab
