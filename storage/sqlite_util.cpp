// SQLite result codes turned into messages that name the file, what failed and why, with the
// ErrorCode a front end turns into its own advice.
#include "storage/sqlite_util.h"

#include "engine/core/common.h"

namespace sublab::sqlite {

void raise(const std::string& path, sqlite3* db, const std::string& what, int rc) {
  const std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      throw Error("the database " + path + " is damaged or not a database (" + detail + ", while " +
                      what +
                      "); it was left as it is — restore it from a backup "
                      "or recover what is left with `sqlite3 " +
                      path + " .recover`",
                  ErrorCode::DatabaseDamaged);
    case SQLITE_FULL:
      throw Error("the disk holding " + path + " is full (while " + what +
                      "); free some space and try again",
                  ErrorCode::DiskFull);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw Error("the database " + path + " stayed locked by another program (while " + what +
                      "); close other programs that write to it and try again",
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
