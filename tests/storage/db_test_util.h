// Shared by the storage tests: whole-file reads and writes, raw SQL on a file (to build old or
// foreign databases), a small run config and generated sequence rows.
#pragma once

#include <sqlite3.h>

#include <QtTest/QtTest>
#include <fstream>
#include <string>
#include <vector>

#include "engine/core/common.h"

namespace sublab::test {

inline std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void writeAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline void rawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const QString msg = err ? QString::fromUtf8(err) : QString();
  sqlite3_free(err);
  sqlite3_close(db);
  QVERIFY2(rc == SQLITE_OK, qPrintable(msg));
}

inline nlohmann::json smallConfig() {
  return {{"kind", "numbers"}, {"seeds", 2}, {"student", {{"lr", 0.001}}}};
}

inline std::vector<SequenceRow> makeRows(int n, int seed, const std::string& condition) {
  std::vector<SequenceRow> rows;
  for (int i = 0; i < n; ++i) {
    SequenceRow r;
    r.condition = condition;
    r.seed = seed;
    r.index = i;
    r.prompt = "1, 2, " + std::to_string(i);
    r.completion = std::to_string(100 + i) + ", " + std::to_string(7 * i % 1000);
    r.kept = i % 3 != 0;
    r.reason = r.kept ? "" : (i % 2 ? "banned_number" : "format");
    rows.push_back(r);
  }
  return rows;
}

}  // namespace sublab::test
