// The layout check of a project file: its schema objects and columns, described in words, must
// equal those of an in-memory database built by the same migrations. A file from someone else
// can hold any schema its sender wrote (a trigger that writes elsewhere, a view named like a
// table, an extra NOT NULL column that makes every insert fail mid-run); comparing the structure
// (not the CREATE text, which SQLite rewrites on ALTER TABLE and which differs between SQLite
// versions) refuses all of them at open with one message.
#include "storage/schema_check.h"

#include <sqlite3.h>

#include <map>
#include <mutex>

#include "engine/core/common.h"
#include "storage/schema.h"
#include "storage/sqlite_util.h"

namespace sublab::sqlite {

namespace {

// What a schema holds, keyed so that two schemas can be compared entry by entry:
// "table runs", "index runs_uuid", "column runs.uuid", "foreign key stages.run_id", each mapped
// to its description ("table", "TEXT NOT NULL DEFAULT '' ...", ...).
using Shape = std::map<std::string, std::string>;

struct Query {
  sqlite3_stmt* st = nullptr;
  sqlite3* db;
  const std::string& path;
  Query(sqlite3* conn, const std::string& p, const std::string& sql) : db(conn), path(p) {
    const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    if (rc != SQLITE_OK) raise(path, db, "checking the layout", rc);
  }
  ~Query() { sqlite3_finalize(st); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  bool next() {
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) raise(path, db, "checking the layout", rc);
    return false;
  }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(st, c);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(st, c)))
             : std::string("NULL");
  }
};

// Names are passed to table-valued pragmas as bound values, never spliced into SQL.
Shape shapeOf(sqlite3* db, const std::string& path) {
  Shape shape;
  std::vector<std::pair<std::string, std::string>> objects;  // (type, name)
  {
    Query q(db, path,
            "SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY type, name");
    while (q.next()) {
      shape[q.text(0) + " " + q.text(1)] = "on " + q.text(2);
      objects.emplace_back(q.text(0), q.text(1));
    }
  }
  for (const auto& [type, name] : objects) {
    if (type == "table") {
      Query cols(db, path,
                 "SELECT name, type, \"notnull\", dflt_value, pk, hidden "
                 "FROM pragma_table_xinfo(?1) ORDER BY cid");
      sqlite3_bind_text(cols.st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
      while (cols.next())
        shape["column " + name + "." + cols.text(0)] =
            cols.text(1) + (cols.text(2) == "1" ? " NOT NULL" : "") + " DEFAULT " + cols.text(3) +
            " key " + cols.text(4) + " hidden " + cols.text(5);
      Query fks(db, path,
                "SELECT \"from\", \"table\", \"to\", on_update, on_delete "
                "FROM pragma_foreign_key_list(?1) ORDER BY id, seq");
      sqlite3_bind_text(fks.st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
      while (fks.next())
        shape["foreign key " + name + "." + fks.text(0)] = "to " + fks.text(1) + "(" + fks.text(2) +
                                                           ") on update " + fks.text(3) +
                                                           " on delete " + fks.text(4);
    } else if (type == "index") {
      std::string cols;
      Query q(db, path,
              "SELECT name, \"desc\", coll FROM pragma_index_xinfo(?1) WHERE key = 1 "
              "ORDER BY seqno");
      sqlite3_bind_text(q.st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
      while (q.next())
        cols += (cols.empty() ? "" : ", ") + q.text(0) + (q.text(1) == "1" ? " DESC" : "") +
                " COLLATE " + q.text(2);
      shape["index " + name] += " (" + cols + ")";
    }
  }
  // UNIQUE and partial indexes: a stray UNIQUE would make the app's own inserts fail.
  Query idx(db, path,
            "SELECT l.name, l.\"unique\", l.partial FROM sqlite_schema s, "
            "pragma_index_list(s.name) l WHERE s.type = 'table' AND l.name NOT LIKE "
            "'sqlite\\_%' ESCAPE '\\'");
  while (idx.next())
    shape["index " + idx.text(0)] +=
        std::string(idx.text(1) == "1" ? " unique" : "") + (idx.text(2) == "1" ? " partial" : "");
  return shape;
}

// The shape this program's migrations give a new database at `version`, built once per version.
const Shape& expectedShape(int version) {
  static std::mutex mutex;
  static std::map<int, Shape> cache;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(version); it != cache.end()) return it->second;
  sqlite3* db = nullptr;
  const std::string name = "the reference schema";
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw Error("cannot build " + name + " in memory (out of memory)");
  }
  std::string failed;
  for (const Migration& m : migrations()) {
    if (m.version > version) break;
    char* err = nullptr;
    if (sqlite3_exec(db, m.sql, nullptr, nullptr, &err) != SQLITE_OK)
      failed = "migration " + std::to_string(m.version) + ": " + (err ? err : "");
    sqlite3_free(err);
    if (!failed.empty()) break;
  }
  Shape shape;
  if (failed.empty()) {
    try {
      shape = shapeOf(db, name);
    } catch (...) {
      sqlite3_close(db);
      throw;
    }
  }
  sqlite3_close(db);
  if (!failed.empty()) throw Error("cannot build " + name + " (" + failed + ")");
  return cache.emplace(version, std::move(shape)).first->second;
}

// "table runs" -> "the table \"runs\"", "column runs.uuid" -> "the column \"runs.uuid\"".
std::string quoted(const std::string& key) {
  const auto space = key.rfind(' ');
  return "the " + key.substr(0, space) + " \"" + key.substr(space + 1) + "\"";
}

}  // namespace

void checkSchemaShape(sqlite3* db, const std::string& path, int version) {
  const Shape& want = expectedShape(version);
  const Shape have = shapeOf(db, path);
  const std::string schema = " (schema " + std::to_string(version) + ")";
  // Whole objects first (a missing table explains its missing columns), then columns and keys.
  const auto isPart = [](const std::string& key) {
    return key.rfind("column ", 0) == 0 || key.rfind("foreign key ", 0) == 0;
  };
  std::string problem;
  for (const bool parts : {false, true}) {
    for (const auto& [key, description] : have) {
      if (isPart(key) != parts || !problem.empty()) continue;
      const auto it = want.find(key);
      if (it == want.end())
        problem = "it has " + quoted(key) + ", which Subliminal Lab never creates";
      else if (it->second != description)
        problem = quoted(key) + " is declared differently (" + description + ", expected " +
                  it->second + ")";
    }
    for (const auto& [key, description] : want)
      if (isPart(key) == parts && problem.empty() && !have.count(key))
        problem = "it lacks " + quoted(key);
  }
  if (problem.empty()) return;
  throw Error("the database " + path + " does not have the layout Subliminal Lab gives its files" +
                  schema + ": " + problem +
                  "; it was changed by another program or by hand and was left untouched",
              ErrorCode::DatabaseForeign);
}

}  // namespace sublab::sqlite
