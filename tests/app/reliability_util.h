// Shared by the crash, disk-full and two-writer tests: a raw dump of everything a run owns (to
// compare "byte-identical" across kills), shard databases as `sublab sweep-point` leaves them,
// and starting `sublab` with a lowered file-size limit.
#pragma once

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <QProcess>
#include <QtTest/QtTest>
#include <string>
#include <vector>

#include "storage/database.h"

namespace sublab::test {

inline const QString kSublab = QStringLiteral(SUBLAB_BINARY_DIR "/app/sublab");

// The tiny preset's stages with their lengths evened out: pretraining shortened (the preset's
// 200 steps take 20 s on one thread), generation and training lengthened so that each stage
// lasts a few tenths of a second and a kill can land inside it; a run takes 2-4 s.
inline const char* kShortRunConfig = R"({"kind": "numbers", "seeds": 1,
  "analysis": {"entanglement": false},
  "reference": {"steps": 10, "corpus_rows": 500},
  "generation": {"prompts": 384}, "filter": {"max_kept": 160},
  "teacher": {"epochs": 4}, "student": {"epochs": 10}})";

// The tables holding a run's rows, with the column naming the run.
struct OwnedTable {
  const char* name;
  const char* runColumn;
};
inline constexpr OwnedTable kRunTables[] = {{"runs", "id"},          {"stages", "run_id"},
                                            {"metrics", "run_id"},   {"sequences", "run_id"},
                                            {"summaries", "run_id"}, {"analyses", "run_id"},
                                            {"artifacts", "run_id"}, {"sweep_points", "run_id"}};

// Every row the run owns, every value quoted by SQLite, in rowid order: two dumps are equal
// exactly when the stored rows are byte-identical. Only the columns `layoutOf` has (default:
// the same file) are read, so a run dumped before a migration compares with the same run after.
inline std::string dumpRun(const std::string& path, int64_t runId, std::string layoutOf = {}) {
  if (layoutOf.empty()) layoutOf = path;
  sqlite3* layout = nullptr;
  sqlite3* db = nullptr;
  sqlite3_open_v2(layoutOf.c_str(), &layout, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  std::string out;
  for (const OwnedTable& t : kRunTables) {
    std::string cols;
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(layout, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", -1, &q,
                       nullptr);
    sqlite3_bind_text(q, 1, t.name, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW)
      cols += std::string(cols.empty() ? "" : " || ',' || ") + "quote(\"" +
              reinterpret_cast<const char*>(sqlite3_column_text(q, 0)) + "\")";
    sqlite3_finalize(q);
    if (cols.empty()) continue;  // a table the layout does not have yet
    const std::string sql =
        "SELECT " + cols + " FROM " + t.name + " WHERE " + t.runColumn + " = ?1 ORDER BY rowid";
    sqlite3_stmt* rows = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &rows, nullptr) != SQLITE_OK) {
      out += std::string("[cannot read ") + t.name + ": " + sqlite3_errmsg(db) + "]";
      continue;
    }
    sqlite3_bind_int64(rows, 1, runId);
    out += std::string("\n") + t.name + ":";
    while (sqlite3_step(rows) == SQLITE_ROW)
      out += std::string("\n  ") + reinterpret_cast<const char*>(sqlite3_column_text(rows, 0));
    sqlite3_finalize(rows);
  }
  sqlite3_close(db);
  sqlite3_close(layout);
  return out;
}

// PRAGMA integrity_check through a raw read-only connection (before the app opens the file).
inline std::string rawIntegrity(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* q = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, nullptr) != SQLITE_OK)
    out = sqlite3_errmsg(db);
  while (q && sqlite3_step(q) == SQLITE_ROW)
    out += reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

// A shard as `sublab sweep-point` leaves it: one sweep ("reliability", plan hash `planHash`),
// point `index` linked to one finished run with `rows` sequences (more rows: a longer merge).
inline void makeShard(const std::string& path, int index, int rows,
                      const std::string& planHash = "reliability-plan") {
  const nlohmann::json plan = {{"name", "reliability"}, {"axes", {{{"key", "filter.max_kept"}}}}};
  Database db(path);
  const SweepInfo s = db.findOrCreateSweep("reliability", plan, planHash);
  NewRun nr;
  nr.preset = "owl-numbers-tiny";
  nr.config = {{"kind", "numbers"}, {"seeds", 1}, {"filter", {{"max_kept", 10 * (index + 1)}}}};
  const int64_t id = db.createRun(nr);
  db.setSweepPoint(s.id, index, {{"filter.max_kept", 10 * (index + 1)}}, id);
  db.updateStage(id, "students", StageStatus::Done, 1.0, "");
  std::vector<SequenceRow> seqs;
  for (int i = 0; i < rows; ++i)
    seqs.push_back({"teacher",
                    0,
                    i,
                    "1, 2, " + std::to_string(i),
                    std::to_string(100 + i) + ", " + std::to_string(i * 7 % 997),
                    i % 3 != 0,
                    i % 3 ? "" : "format",
                    {}});
  db.insertSequences(id, seqs);
  ExperimentResult res;
  res.kind = "numbers";
  res.conditions.push_back({"student", "trait_prob", {0.3, 0.2, 0.4, 1}, {0.3}});
  res.summary = {{"transfer", {{"mean", 0.01 * index}}}};
  db.saveResult(id, res);
  db.finishRun(id, RunStatus::Done, 1.0);
}

// Starts `sublab args` with the file-size limit at `maxFileBytes` (0: unchanged) and SIGXFSZ
// ignored, so a write past the limit fails with EFBIG as on a full disk.
inline void startSublab(QProcess& p, const QStringList& args, rlim_t maxFileBytes = 0) {
  if (maxFileBytes > 0)
    p.setChildProcessModifier([maxFileBytes] {
      signal(SIGXFSZ, SIG_IGN);
      struct rlimit lim = {maxFileBytes, maxFileBytes};
      setrlimit(RLIMIT_FSIZE, &lim);
    });
  p.start(kSublab, args);
}

}  // namespace sublab::test
