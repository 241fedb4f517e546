// Internal helpers of the storage module: a cached prepared statement with typed binds and
// column reads, reset when it goes out of scope. Not part of the public API.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace sublab::sqlite {

// Throws sublab::Error naming the file, what failed and why, with an ErrorCode for the front
// end's advice.
[[noreturn]] void raise(const std::string& path, sqlite3* db, const std::string& what, int rc);

// True when `rc` means the disk, the quota or the file-size limit is exhausted: SQLITE_FULL, an
// I/O error whose errno (of the connection, the file or its WAL) is ENOSPC, EDQUOT or EFBIG
// (SQLite reports a write refused by `ulimit -f` as SQLITE_IOERR_WRITE), or a failed write,
// truncate or shared-memory growth whose errno was lost.
bool isDiskFull(sqlite3* db, int rc);

// Settings for a file that may come from someone else, applied right after sqlite3_open_v2 and
// before the first read: defensive mode (no writable_schema, no journal_mode=OFF), untrusted
// schema (views, triggers and column defaults may call no function with side effects), no
// extension loading, and the file's own triggers and views switched off (Subliminal Lab's schema
// has none, so a trigger or view in the file can only be someone else's). Throws Error when
// SQLite refuses one of them.
void harden(sqlite3* db, const std::string& path);

// Borrowed statement from Database's cache. Binds are 1-based, columns 0-based.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* st, const std::string& path) : m_db(db), m_st(st), m_path(path) {}
  ~Stmt() {
    sqlite3_reset(m_st);
    sqlite3_clear_bindings(m_st);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, int64_t v) { return check(sqlite3_bind_int64(m_st, i, v)); }
  Stmt& bind(int i, int v) { return check(sqlite3_bind_int64(m_st, i, v)); }
  Stmt& bind(int i, double v) { return check(sqlite3_bind_double(m_st, i, v)); }
  Stmt& bind(int i, const std::string& v) {
    return check(
        sqlite3_bind_text(m_st, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Stmt& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Stmt& bindNull(int i) { return check(sqlite3_bind_null(m_st, i)); }
  // NULL for 0 (timestamps, ids that are "not set").
  Stmt& bindOrNull(int i, int64_t v) { return v == 0 ? bindNull(i) : bind(i, v); }

  // True when a row is available; false at the end. Returns the raw code via lastRc().
  bool step() {
    m_rc = sqlite3_step(m_st);
    return m_rc == SQLITE_ROW;
  }
  int lastRc() const { return m_rc; }
  // step() that throws on an error; true while rows come.
  bool next() {
    if (m_bindRc != SQLITE_OK) raise(m_path, m_db, "binding a query", m_bindRc);
    if (step()) return true;
    if (m_rc != SQLITE_DONE) raise(m_path, m_db, "running a query", m_rc);
    return false;
  }
  // Runs a statement that returns no rows.
  void exec() {
    while (next()) {
    }
  }
  bool ok() const { return m_rc == SQLITE_ROW || m_rc == SQLITE_DONE; }

  int64_t i64(int c) const { return sqlite3_column_int64(m_st, c); }
  int i32(int c) const { return sqlite3_column_int(m_st, c); }
  double f64(int c) const { return sqlite3_column_double(m_st, c); }
  bool isNull(int c) const { return sqlite3_column_type(m_st, c) == SQLITE_NULL; }
  std::string text(int c) const {
    const unsigned char* p = sqlite3_column_text(m_st, c);
    if (!p) return {};
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(m_st, c)));
  }
  sqlite3_stmt* raw() const { return m_st; }
  int bindError() const { return m_bindRc; }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK && m_bindRc == SQLITE_OK) m_bindRc = rc;
    return *this;
  }
  sqlite3* m_db;
  sqlite3_stmt* m_st;
  const std::string& m_path;
  int m_rc = SQLITE_OK;
  int m_bindRc = SQLITE_OK;
};

}  // namespace sublab::sqlite
