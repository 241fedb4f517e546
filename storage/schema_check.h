// Internal to storage: checks that a project file's layout is exactly the one this program's
// migrations create for the file's schema version, before anything reads or writes its rows.
#pragma once

#include <string>

struct sqlite3;

namespace sublab::sqlite {

// Compares the file's tables, indexes, views and triggers, every table's columns (name, declared
// type, NOT NULL, default, key, generated) and foreign keys, and every index's columns, with
// those of a fresh in-memory database migrated to `version` (1..schemaVersion()). Throws Error
// (ErrorCode::DatabaseForeign) naming the file and the first difference: an object or column the
// file lacks, one it has that Subliminal Lab never creates (a trigger, a view, an extra table or
// column), or one declared differently. SQLite's own objects (sqlite_*) are ignored.
void checkSchemaShape(sqlite3* db, const std::string& path, int version);

}  // namespace sublab::sqlite
