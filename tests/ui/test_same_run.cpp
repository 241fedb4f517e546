// The CLI and the GUI store the same fields for the same run: owl-numbers-tiny (1 thread, one
// warmed cache folder) runs through `sublab run` as a real process, through the GUI's
// RunQueue / RunWorker in this process, and as a queued run that `sublab execute` runs by id,
// all into one database; every stored column of the run, its stages, metrics, sequences,
// summaries and analyses must match, timestamps, ids, pid, host and wall times aside.
#include <sqlite3.h>

#include <QProcess>
#include <QtTest/QtTest>
#include <algorithm>
#include <set>

#include "app/lab/run_lifecycle.h"
#include "engine/experiment.h"
#include "tests/ui/ui_test_util.h"
#include "ui/project.h"
#include "ui/run_queue.h"

using namespace sublab::ui;

namespace {

const QString kSublab = QStringLiteral(SUBLAB_BINARY_DIR "/app/sublab");
const char* const kPreset = "owl-numbers-tiny";

// Columns that differ between any two executions: row ids, the run's random uuid (what a
// sweep merge will match on), clocks and the process.
const std::set<std::string> kVolatileColumns = {
    "id",  "run_id",    "uuid",        "created_at", "started_at",
    "pid", "pid_start", "finished_at", "host",       "wall_seconds"};
// Keys of stored JSON that hold a wall time or how the CPU was used.
const std::set<std::string> kVolatileKeys = {"engine_seconds", "wall_seconds", "runtime"};

void dropVolatileKeys(nlohmann::json& j) {
  if (j.is_object()) {
    for (const std::string& k : kVolatileKeys) j.erase(k);
    for (auto& [key, value] : j.items()) dropVolatileKeys(value);
  } else if (j.is_array()) {
    for (auto& value : j) dropVolatileKeys(value);
  }
}

// One column value, exact: doubles with 17 digits, JSON text re-dumped without wall times.
std::string cell(sqlite3_stmt* st, int c) {
  switch (sqlite3_column_type(st, c)) {
    case SQLITE_NULL:
      return "NULL";
    case SQLITE_INTEGER:
      return std::to_string(sqlite3_column_int64(st, c));
    case SQLITE_FLOAT:
      return QByteArray::number(sqlite3_column_double(st, c), 'g', 17).toStdString();
    default:
      break;
  }
  const char* text = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
  std::string s = text ? text : "";
  if (!s.empty() && (s.front() == '{' || s.front() == '[')) {
    nlohmann::json j = nlohmann::json::parse(s, nullptr, false);
    if (!j.is_discarded()) {
      dropVolatileKeys(j);
      return j.dump();
    }
  }
  return "'" + s + "'";
}

// One stored row: (column, value) in column order, volatile columns left out.
using Row = std::vector<std::pair<std::string, std::string>>;

// Every row a run owns in `table`, in a stable order.
std::vector<Row> rowsOf(sqlite3* db, const std::string& table, int64_t runId) {
  const std::string key = table == "runs" ? "id" : "run_id";
  const std::string order = table == "stages" ? "ordinal" : table == "analyses" ? "name" : "id";
  const std::string sql = "SELECT * FROM " + table + " WHERE " + key + " = ?1 ORDER BY " + order;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    return {Row{{"query", sqlite3_errmsg(db)}}};
  sqlite3_bind_int64(st, 1, runId);
  std::vector<Row> rows;
  while (sqlite3_step(st) == SQLITE_ROW) {
    Row row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const std::string name = sqlite3_column_name(st, c);
      if (!kVolatileColumns.count(name)) row.emplace_back(name, cell(st, c));
    }
    rows.push_back(row);
  }
  sqlite3_finalize(st);
  return rows;
}

// The differences between two runs' rows in every table, one line per differing column (the
// first few rows of a table that differ), empty when they store the same.
QStringList differences(sqlite3* db, int64_t a, int64_t b, const QString& nameA,
                        const QString& nameB) {
  QStringList out;
  for (const char* table : {"runs", "stages", "metrics", "sequences", "summaries", "analyses"}) {
    const auto ra = rowsOf(db, table, a), rb = rowsOf(db, table, b);
    if (ra.size() != rb.size())
      out << QStringLiteral("%1: %2 has %3 rows, %4 has %5")
                 .arg(table, nameA)
                 .arg(ra.size())
                 .arg(nameB)
                 .arg(rb.size());
    int shown = 0;
    for (size_t i = 0; i < std::min(ra.size(), rb.size()) && shown < 3; ++i) {
      if (ra[i] == rb[i]) continue;
      ++shown;
      for (size_t c = 0; c < std::min(ra[i].size(), rb[i].size()); ++c)
        if (ra[i][c] != rb[i][c])
          out << QStringLiteral("%1 row %2 column %3: %4 %5, %6 %7")
                     .arg(table)
                     .arg(i)
                     .arg(QString::fromStdString(ra[i][c].first), nameA,
                          QString::fromStdString(ra[i][c].second).left(300), nameB,
                          QString::fromStdString(rb[i][c].second).left(300));
    }
  }
  return out;
}

int64_t count(sqlite3* db, const std::string& table, int64_t runId) {
  return static_cast<int64_t>(rowsOf(db, table, runId).size());
}

}  // namespace

class TestSameRun : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_cacheDir;  // what the GUI's defaultCacheDir() gives under XDG_CACHE_HOME
  QString m_db;

  // `sublab ARGS` to the end; its stderr on failure.
  static bool runSublab(const QStringList& args, QString* err) {
    QProcess p;
    p.start(kSublab, args);
    if (!p.waitForStarted() || !p.waitForFinished(900000)) {
      *err = "could not run " + kSublab;
      return false;
    }
    *err = QString::fromUtf8(p.readAllStandardError());
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
  }

  QStringList cliRun(const QString& db) const {
    return {"run", "--preset", kPreset, "--threads", "1", "--db", db, "--cache-dir", m_cacheDir};
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(kSublab), qPrintable("build the sublab target first: " + kSublab));
    qputenv("XDG_CACHE_HOME", m_dir.filePath("cache").toUtf8());
    m_cacheDir = QString::fromStdString(sublab::defaultCacheDir());
    QCOMPARE(m_cacheDir, m_dir.filePath("cache/subliminal-lab"));
    m_db = m_dir.filePath("same.sqlite");
    // The first run pretrains the reference model into the cache, later ones load it: warm it
    // so that every compared run finds it there.
    QString err;
    QVERIFY2(runSublab(cliRun(m_dir.filePath("warm.sqlite")), &err), qPrintable(err));
  }

  void cliAndGuiStoreTheSameRun() {
    // 1. The CLI, as a process.
    QString err;
    QVERIFY2(runSublab(cliRun(m_db), &err), qPrintable(err));
    const int64_t cliRun = 1;

    // 2. The GUI's queue and worker, in this process.
    Project project;
    QString error;
    QVERIFY2(project.open(m_db, &error), qPrintable(error));
    RunQueue queue(&project);
    QSignalSpy finished(&queue, &RunQueue::runFinished);
    JobSpec spec;
    spec.name = spec.preset = QString::fromLatin1(kPreset);
    spec.config = sublab::findPreset(kPreset)->config;
    spec.threads = 1;
    const qint64 guiRun = queue.enqueue(spec, &error);
    QVERIFY2(guiRun == 2, qPrintable(error));
    QVERIFY(finished.wait(900000));
    QCOMPARE(sublab::toString(finished.first().at(1).value<sublab::RunStatus>()),
             std::string("done"));

    // 3. A queued run that `sublab execute` runs knowing only the database and its id.
    sublab::NewRun draft;
    draft.name = draft.preset = kPreset;
    draft.config = sublab::findPreset(kPreset)->config;
    draft.threads = 1;
    draft.status = sublab::RunStatus::Queued;
    const int64_t queued = project.db()->createRun(sublab::prepareRun(draft));
    QVERIFY2(
        runSublab({"execute", QString::number(queued), "--db", m_db, "--cache-dir", m_cacheDir},
                  &err),
        qPrintable(err));

    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open_v2(m_db.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr),
             SQLITE_OK);
    for (const char* table : {"stages", "metrics", "sequences", "summaries"})
      QVERIFY2(count(db, table, cliRun) > 0, table);  // the comparison compares something
    const auto cliRow = rowsOf(db, "runs", cliRun);
    QCOMPARE(cliRow.size(), size_t(1));
    QVERIFY(std::count(cliRow[0].begin(), cliRow[0].end(),
                       std::pair<std::string, std::string>("status", "'done'")) == 1);
    const QStringList gui = differences(db, cliRun, guiRun, "cli", "gui");
    const QStringList exec = differences(db, cliRun, queued, "run", "execute");
    sqlite3_close(db);
    QVERIFY2(gui.isEmpty(), qPrintable(gui.join('\n')));
    QVERIFY2(exec.isEmpty(), qPrintable(exec.join('\n')));
  }
};

int main(int argc, char** argv) {
  // Four tiny runs take seconds on an idle machine but minutes on a loaded one.
  if (qEnvironmentVariableIsEmpty("QTEST_FUNCTION_TIMEOUT"))
    qputenv("QTEST_FUNCTION_TIMEOUT", "1800000");
  QApplication app(argc, argv);
  TestSameRun test;
  return QTest::qExec(&test, argc, argv);
}
#include "test_same_run.moc"
