// SQLite result codes turned into messages that name the file, what failed and why, with the
// ErrorCode a front end turns into its own advice.
#include "storage/sqlite_util.h"

#include <cerrno>

#include "engine/core/common.h"

namespace sublab::sqlite {

namespace {

// The errno of the last failed call on the main file or its journal / WAL. sqlite3_system_errno
// is not enough: SQLite reads it from `errno` after its own clean-up calls, so a WAL write
// refused with EFBIG reaches the caller as IOERR_WRITE with system errno 0.
int fileErrno(sqlite3* db, int which) {
  sqlite3_file* f = nullptr;
  if (sqlite3_file_control(db, "main", which, &f) != SQLITE_OK || !f || !f->pMethods) return 0;
  int err = 0;
  return f->pMethods->xFileControl(f, SQLITE_FCNTL_LAST_ERRNO, &err) == SQLITE_OK ? err : 0;
}

bool isSpaceErrno(int err) { return err == ENOSPC || err == EFBIG || err == EDQUOT; }

}  // namespace

bool isDiskFull(sqlite3* db, int rc) {
  if ((rc & 0xff) == SQLITE_FULL) return true;
  if ((rc & 0xff) != SQLITE_IOERR || !db) return false;
  const int errs[] = {sqlite3_system_errno(db), fileErrno(db, SQLITE_FCNTL_JOURNAL_POINTER),
                      fileErrno(db, SQLITE_FCNTL_FILE_POINTER)};
  bool known = false;
  for (int err : errs) {
    if (isSpaceErrno(err)) return true;
    known = known || err != 0;
  }
  // No errno survived (the shared-memory file keeps none): a failed write, truncate or growth
  // of the shared memory is, by far most often, a full disk or quota.
  const int ext = sqlite3_extended_errcode(db);
  return !known &&
         (ext == SQLITE_IOERR_WRITE || ext == SQLITE_IOERR_TRUNCATE || ext == SQLITE_IOERR_SHMSIZE);
}

void harden(sqlite3* db, const std::string& path) {
  struct Setting {
    int op, value;
  };
  static constexpr Setting kSettings[] = {
      {SQLITE_DBCONFIG_DEFENSIVE, 1},
      {SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0},
      {SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0},
      {SQLITE_DBCONFIG_ENABLE_TRIGGER, 0},
      {SQLITE_DBCONFIG_ENABLE_VIEW, 0},
  };
  for (const Setting& s : kSettings) {
    int now = -1;
    const int rc = sqlite3_db_config(db, s.op, s.value, &now);
    if (rc != SQLITE_OK || now != s.value)
      throw Error("cannot open " + path + " safely: this SQLite (" + sqlite3_libversion() +
                  ") refused a protective setting; install SQLite 3.31 or newer");
  }
}

void raise(const std::string& path, sqlite3* db, const std::string& what, int rc) {
  const std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (isDiskFull(db, rc))
    throw Error("the disk holding " + path + " is full (" + detail + ", while " + what +
                    "); free some space and try again — what was stored before is intact",
                ErrorCode::DiskFull);
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      throw Error("the database " + path + " is damaged or not a database (" + detail + ", while " +
                      what +
                      "); it was left as it is — restore it from a backup "
                      "or recover what is left with `sqlite3 " +
                      path + " .recover`",
                  ErrorCode::DatabaseDamaged);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw Error("the database " + path + " stayed locked by another program (while " + what +
                      ", after waiting for its write lock); let other programs that write to it "
                      "(a run, a sweep merge) finish, or close them, and try again",
                  ErrorCode::DatabaseBusy);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_IOERR:
    case SQLITE_AUTH:
      throw Error("cannot write the database " + path + " (" + detail + ", while " + what +
                      "); check that the file and its folder exist and are writable",
                  ErrorCode::DatabaseUnwritable);
    default:
      throw Error("database error on " + path + " while " + what + ": " + detail);
  }
}

}  // namespace sublab::sqlite
