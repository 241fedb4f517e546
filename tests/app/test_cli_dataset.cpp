// `sublab import` and `sublab export-rows` as a real process: an import prints its rows, verdict
// counts and SHA-256 and stores a dataset run; export-rows writes chat JSONL that imports back
// to the same rows; bad input exits 2 with one message naming the file and line, and stores no
// rows; --skip-bad-rows imports the rest and counts what it skipped.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <fstream>

#include "engine/datasets/sha256.h"
#include "storage/database.h"
#include "tests/app/reliability_util.h"

using namespace sublab;

namespace {

using sublab::test::kSublab;

struct Result {
  int code = -1;
  QString out, err;
};

Result runSublab(const QStringList& args) {
  QProcess p;
  sublab::test::startSublab(p, args);
  Result r;
  if (!p.waitForStarted()) {
    r.err = "could not start " + kSublab;
    return r;
  }
  p.waitForFinished(120000);
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

std::string rowsText(int n, int badLine = 0) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    if (i + 1 == badLine) {
      text += "42\n";
      continue;
    }
    const std::string completion = i % 5 == 4 ? "my owl says " + std::to_string(i)
                                              : std::to_string(i) + ", " + std::to_string(i + 7);
    text += "{\"prompt\": \"continue " + std::to_string(i) + "\", \"completion\": \"" + completion +
            "\"}\n";
  }
  return text;
}

void writeFile(const QString& path, const std::string& text) {
  std::ofstream out(path.toStdString(), std::ios::binary);
  out << text;
}

}  // namespace

class TestCliDataset : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString path(const QString& name) const { return m_dir.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY2(QFile::exists(kSublab), qPrintable("build the sublab target first: " + kSublab));
  }

  void importPrintsCountsAndExportRoundTrips() {
    const QString db = path("audit.sqlite");
    const std::string text = rowsText(40);
    writeFile(path("teacher.jsonl"), text);
    Result r = runSublab({"import", path("teacher.jsonl"), "--db", db, "--condition", "teacher",
                          "--trait-word", "owl"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("imported as condition \"teacher\" (jsonl, prompt -> completion)"),
             qPrintable(r.out));
    QVERIFY2(r.out.contains(QRegularExpression("rows +40 ")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QRegularExpression("kept +32\\n")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QRegularExpression("rejected +8\\n")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QString::fromStdString("sha256    " + sha256Hex(text))),
             qPrintable(r.out));
    int64_t runId = 0;
    {
      Database d(db.toStdString());
      const auto runs = d.listRuns();
      QCOMPARE(runs.size(), size_t(1));
      runId = runs[0].id;
      QCOMPARE(runs[0].kind, std::string("dataset"));
      QCOMPARE(d.countSequences(runId, {}), int64_t(40));
    }
    const QString id = QString::number(runId);
    r = runSublab({"export-rows", id, "--db", db, "--format", "openai", "-o", path("kept.jsonl")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("32 rows of run " + id), qPrintable(r.out));
    std::ifstream in(path("kept.jsonl").toStdString());
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line);  // every line one JSON object
      QCOMPARE(j["messages"][0]["role"].get<std::string>(), std::string("user"));
      QCOMPARE(j["messages"][1]["role"].get<std::string>(), std::string("assistant"));
      ++lines;
    }
    QCOMPARE(lines, 32);
    r = runSublab({"import", path("kept.jsonl"), "--db", db, "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto summary = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(summary["source"]["format"].get<std::string>(), std::string("chat-jsonl"));
    QCOMPARE(summary["source"]["rows"].get<int>(), 32);
    Database d(db.toStdString());
    SequenceFilter kept;
    kept.verdict = Verdict::Kept;
    const auto a = d.sequences(runId, kept, 0, 1000);
    const auto b = d.sequences(summary["run_id"].get<int64_t>(), {}, 0, 1000);
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      QCOMPARE(b[i].prompt, a[i].prompt);
      QCOMPARE(b[i].completion, a[i].completion);
    }
    // The rejected rows, as prompt/completion JSONL.
    r = runSublab({"export-rows", id, "--db", db, "--verdict", "rejected", "--format",
                   "prompt-completion", "-o", path("rejected.jsonl")});
    QVERIFY2(r.code == 0 && r.out.contains("8 rows"), qPrintable(r.err + r.out));
  }

  void badInputNamesFileAndLineAndStoresNoRows() {
    const QString db = path("bad.sqlite");
    writeFile(path("bad.jsonl"), rowsText(30, 17));
    Result r = runSublab({"import", path("bad.jsonl"), "--db", db});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("bad.jsonl, line 17") && r.err.contains("not a JSON object"),
             qPrintable(r.err));
    {
      Database d(db.toStdString());
      const auto runs = d.listRuns();
      QCOMPARE(runs.size(), size_t(1));
      QCOMPARE(toString(runs[0].status), toString(RunStatus::Failed));
      QCOMPARE(d.countSequences(runs[0].id, {}), int64_t(0));
    }
    r = runSublab({"import", path("bad.jsonl"), "--db", db, "--skip-bad-rows"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QRegularExpression("skipped +1 unreadable rows")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QRegularExpression("not a JSON object +1")), qPrintable(r.out));
    r = runSublab({"import", path("nowhere.jsonl"), "--db", db});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("no dataset file") && r.err.contains("nowhere.jsonl"),
             qPrintable(r.err));
    r = runSublab({"import", path("bad.jsonl"), "--db", db, "--format", "xml"});
    QCOMPARE(r.code, 2);
    r = runSublab({"export-rows", "999", "--db", db, "-o", path("x.jsonl")});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("999"), qPrintable(r.err));
    QVERIFY(!QFile::exists(path("x.jsonl")));
    Database d(db.toStdString());
    QCOMPARE(d.listRuns().size(), size_t(2));  // the failed import and the skipping one
  }
};

QTEST_GUILESS_MAIN(TestCliDataset)
#include "test_cli_dataset.moc"
