// Database: opening with checks that never write to a rejected file, migrations, statements,
// transactions and the integrity / data-version pragmas. The run tables are in
// database_runs.cpp, metric and sequence rows in database_rows.cpp.
#include "storage/database.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <unordered_map>

#include "engine/seqstats/seq_stats.h"
#include "storage/schema.h"
#include "storage/schema_check.h"
#include "storage/sqlite_util.h"

namespace sublab {

namespace {

constexpr int32_t kApplicationId = 0x53424c42;        // "SBLB"
constexpr char kSqliteMagic[16] = "SQLite format 3";  // 15 chars + NUL, as in the file header

// SQL `x REGEXP y` calls regexp(y, x); the compiled pattern is cached per statement.
void regexpFunction(sqlite3_context* ctx, int, sqlite3_value** argv);
// number_count(text, n): how often n occurs in text as parseNumbers reads numbers.
void numberCountFunction(sqlite3_context* ctx, int, sqlite3_value** argv);

// Checks with the file system alone, before SQLite touches anything: an existing path must be a
// readable file (or a folder is refused); a new one needs a writable folder. openFile checks the
// first bytes of a file with content, through SQLite's own descriptor. The file is never opened
// here: closing a second descriptor on it would drop the POSIX locks that every SQLite connection
// of this process holds on it (sqlite.org/howtocorrupt.html, 2.2), letting another process
// checkpoint and remove the WAL under them; that corrupted a project written at once by the app's
// two connections and a `sublab run`.
void checkPath(const std::string& path, const OpenOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  const auto st = fs::status(p, ec);
  if (fs::exists(st)) {
    if (fs::is_directory(st))
      throw Error(path + " is a folder, not a database file", ErrorCode::DatabaseIsFolder);
    const auto size = fs::is_regular_file(st) ? fs::file_size(p, ec) : 0;
    if (size == 0) return;
    if (access(path.c_str(), R_OK) != 0)
      throw Error("cannot read the database " + path + ": " + std::strerror(errno) +
                      "; check its permissions",
                  ErrorCode::DatabaseUnreadable);
    return;
  }
  if (!options.create)
    throw Error("the database " + path + " does not exist", ErrorCode::DatabaseMissing);
  const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const auto pst = fs::status(parent, ec);
  const std::string cannot = "cannot create the database " + path + ": ";
  if (!fs::exists(pst))
    throw Error(cannot + "the folder " + parent.string() + " does not exist",
                ErrorCode::DatabaseNotCreatable);
  if (!fs::is_directory(pst))
    throw Error(cannot + parent.string() + " is not a folder", ErrorCode::DatabaseNotCreatable);
  if (access(parent.c_str(), W_OK) != 0)
    throw Error(cannot + "the folder " + parent.string() + " is not writable",
                ErrorCode::DatabaseNotCreatable);
}

// The file's first 16 bytes, read through the descriptor SQLite opened (see checkPath); empty
// when SQLite has no file handle to read from.
std::string fileHeader(sqlite3* db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file ||
      !file->pMethods)
    return {};
  char head[16] = {0};
  const int rc = file->pMethods->xRead(file, head, sizeof head, 0);
  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return {};
  return std::string(head, sizeof head);  // a short read is zero-filled
}

}  // namespace

struct Database::StatementCache {
  std::unordered_map<std::string, sqlite3_stmt*> stmts;
  ~StatementCache() {
    for (auto& [sql, st] : stmts) sqlite3_finalize(st);
  }
};

Database::Database(const std::string& path, const OpenOptions& options)
    : m_path(path), m_cache(std::make_unique<StatementCache>()) {
  if (path.empty()) throw Error("no database file given", ErrorCode::NoDatabasePath);
  try {
    checkPath(m_path, options);
    openFile(options);
    if (!options.readOnly) {
      migrate();
      exec("PRAGMA foreign_keys = ON");
      if (options.markInterrupted) m_recovered = markInterruptedRuns();
    } else if (userVersion() < schemaVersion()) {
      throw Error("the database " + m_path + " uses an older layout (schema " +
                      std::to_string(userVersion()) +
                      ") and was opened read-only; a writable open upgrades it",
                  ErrorCode::DatabaseNeedsUpgrade);
    } else {
      exec("PRAGMA foreign_keys = ON");
    }
  } catch (...) {
    m_cache.reset();
    if (m_db) sqlite3_close_v2(m_db);
    m_db = nullptr;
    throw;
  }
}

Database::~Database() {
  m_cache.reset();
  if (m_db) sqlite3_close_v2(m_db);
}

void Database::openFile(const OpenOptions& options) {
  std::error_code ec;
  const bool existing =
      std::filesystem::is_regular_file(m_path, ec) && std::filesystem::file_size(m_path, ec) > 0;
  int flags = SQLITE_OPEN_FULLMUTEX;
  flags |= options.readOnly ? SQLITE_OPEN_READONLY
                            : (SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0));
  const int rc = sqlite3_open_v2(m_path.c_str(), &m_db, flags, nullptr);
  if (rc != SQLITE_OK) sqlite::raise(m_path, m_db, "opening the file", rc);
  sqlite3_extended_result_codes(m_db, 1);
  // Nothing has been read or written yet: a file that does not start like SQLite is refused here.
  if (existing && fileHeader(m_db) != std::string(kSqliteMagic, sizeof kSqliteMagic))
    throw Error(m_path +
                    " is not a SQLite database (its first bytes are not \"SQLite format "
                    "3\"); it was left untouched",
                ErrorCode::DatabaseForeign);
  sqlite::harden(m_db, m_path);
  // Until the file is accepted, closing must not checkpoint a WAL left by another writer into
  // it: a rejected file stays byte-identical, its WAL included.
  sqlite3_db_config(m_db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  if (!options.readOnly && sqlite3_db_readonly(m_db, "main") == 1)
    throw Error("the database " + m_path +
                    " is read-only; make it writable (chmod u+w) or copy "
                    "it to a writable place",
                ErrorCode::DatabaseUnwritable);
  sqlite3_busy_timeout(m_db, options.busyTimeoutMs);
  sqlite3_create_function(m_db, "regexp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                          regexpFunction, nullptr, nullptr);
  sqlite3_create_function(m_db, "number_count", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                          numberCountFunction, nullptr, nullptr);
  checkOwnership();
  sqlite3_db_config(m_db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);
  // Off while migrations run (a table rebuild must not cascade); on right after.
  exec("PRAGMA foreign_keys = OFF");
  if (!options.readOnly) {
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = NORMAL");
  }
}

void Database::checkOwnership() {
  // Read-only checks: nothing is written until the file is known to be ours.
  const int version = userVersion();  // fails with NOTADB / CORRUPT on a damaged header
  int appId = 0;
  int tables = 0;
  std::string firstTable;
  {
    sqlite::Stmt q(m_db, prepare("PRAGMA application_id"), m_path);
    if (q.next()) appId = q.i32(0);
  }
  {
    // Every object counts: a view or trigger alone also marks a file that is not a new one.
    sqlite::Stmt q(m_db,
                   prepare("SELECT type || ' \"' || name || '\"' FROM sqlite_master "
                           "ORDER BY type <> 'table', name"),
                   m_path);
    while (q.next()) {
      if (tables++ == 0) firstTable = q.text(0);
    }
  }
  if (appId != 0 && appId != kApplicationId)
    throw Error(m_path + " is a SQLite database of another program (application id " +
                    std::to_string(appId) + "); it was left untouched",
                ErrorCode::DatabaseForeign);
  if (version == 0 && tables > 0)
    throw Error(m_path + " is a SQLite database of another program (it has a " + firstTable +
                    " but no Subliminal Lab schema); it was left untouched",
                ErrorCode::DatabaseForeign);
  if (version > schemaVersion())
    throw Error("the database " + m_path + " was written by a newer Subliminal Lab (schema " +
                    std::to_string(version) + "; this program knows up to " +
                    std::to_string(schemaVersion()) + "); it was left untouched",
                ErrorCode::DatabaseTooNew);
  // A file of ours at any known version must have exactly the layout our migrations give it.
  if (version > 0) sqlite::checkSchemaShape(m_db, m_path, version);
}

int Database::userVersion() {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare("PRAGMA user_version"), m_path);
  return q.next() ? q.i32(0) : 0;
}

void Database::migrate() {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  if (userVersion() >= schemaVersion()) return;
  // One IMMEDIATE transaction: a second process opening the same new file waits, then sees
  // the migrated version and does nothing.
  transaction([&] {
    const int current = userVersion();
    for (const Migration& m : migrations()) {
      if (m.version <= current) continue;
      char* err = nullptr;
      const int rc = sqlite3_exec(m_db, m.sql, nullptr, nullptr, &err);
      if (rc != SQLITE_OK) {
        const std::string detail = err ? err : "";
        sqlite3_free(err);
        sqlite::raise(
            m_path, m_db,
            "upgrading the schema to version " + std::to_string(m.version) + " (" + detail + ")",
            rc);
      }
      exec(("PRAGMA user_version = " + std::to_string(m.version)).c_str());
    }
    exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
  });
}

void Database::exec(const char* sql) {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  char* err = nullptr;
  const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    sqlite3_free(err);
    sqlite::raise(m_path, m_db, std::string("running \"") + sql + "\"", rc);
  }
}

sqlite3_stmt* Database::prepare(const std::string& sql) {
  auto it = m_cache->stmts.find(sql);
  if (it != m_cache->stmts.end()) return it->second;
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v3(m_db, sql.c_str(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &st, nullptr);
  if (rc != SQLITE_OK) sqlite::raise(m_path, m_db, "preparing a query", rc);
  m_cache->stmts.emplace(sql, st);
  return st;
}

void Database::fail(const std::string& what, int rc) const {
  sqlite::raise(m_path, m_db, what, rc ? rc : sqlite3_extended_errcode(m_db));
}

void Database::begin() {
  if (m_txDepth++ == 0) {
    try {
      exec("BEGIN IMMEDIATE");
    } catch (...) {
      m_txDepth = 0;
      throw;
    }
  }
}

void Database::commit() {
  if (--m_txDepth == 0) exec("COMMIT");
}

void Database::rollback() {
  if (--m_txDepth == 0) sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
}

std::string Database::integrityCheck() {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare("PRAGMA integrity_check"), m_path);
  std::string out;
  while (q.next()) {
    if (!out.empty()) out += '\n';
    out += q.text(0);
  }
  return out;
}

int64_t Database::dataVersion() {
  std::lock_guard<std::recursive_mutex> lock(m_mutex);
  sqlite::Stmt q(m_db, prepare("PRAGMA data_version"), m_path);
  return q.next() ? q.i64(0) : 0;
}

namespace {

void regexpFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const unsigned char* text = sqlite3_value_text(argv[1]);
  const char* subject = text ? reinterpret_cast<const char*>(text) : "";
  if (auto* cached = static_cast<std::regex*>(sqlite3_get_auxdata(ctx, 0))) {
    sqlite3_result_int(ctx, std::regex_search(subject, *cached) ? 1 : 0);
    return;
  }
  const unsigned char* pat = sqlite3_value_text(argv[0]);
  std::unique_ptr<std::regex> re;
  try {
    re = std::make_unique<std::regex>(pat ? reinterpret_cast<const char*>(pat) : "",
                                      std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    sqlite3_result_error(ctx, e.what(), -1);
    return;
  }
  const bool match = std::regex_search(subject, *re);
  // SQLite may free the cached pattern at once (it owns it from here on).
  sqlite3_set_auxdata(ctx, 0, re.release(), [](void* p) { delete static_cast<std::regex*>(p); });
  sqlite3_result_int(ctx, match ? 1 : 0);
}

void numberCountFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const unsigned char* text = sqlite3_value_text(argv[0]);
  const int number = sqlite3_value_int(argv[1]);
  int64_t n = 0;
  if (text)
    for (int x : parseNumbers(reinterpret_cast<const char*>(text))) n += x == number;
  sqlite3_result_int64(ctx, n);
}

}  // namespace

}  // namespace sublab
