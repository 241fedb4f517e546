// The dataset import and export of the lab (app/lab/dataset_import.h, dataset_export.h): a file
// becomes a "dataset" run whose rows carry the number filter's verdicts and whose summary records
// the source; a cancelled or failed import keeps no rows and leaves earlier runs as they were; a
// subsample gives the verdicts applyFilters gives; export then import gives the same rows.
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <fstream>

#include "app/lab/dataset_export.h"
#include "app/lab/dataset_import.h"
#include "engine/datasets/sha256.h"
#include "engine/experiment.h"
#include "engine/numbers/number_filter.h"
#include "tests/app/reliability_util.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using sublab::test::expectError;

namespace {

// Row i of the test files: most pass the paper's rule; every 7th names an owl, every 11th is a
// sentence, every 13th repeats row i-1's completion.
std::string completionOf(int i) {
  if (i % 7 == 3) return std::to_string(i % 900) + ", owl";
  if (i % 11 == 5) return "here you go: " + std::to_string(i % 900);
  if (i % 13 == 6) return completionOf(i - 1);
  return std::to_string(i % 997) + ", " + std::to_string((i * 7) % 1000) + ", " +
         std::to_string((i * 13) % 1000);
}

std::string jsonlRows(int n, int badLine = 0) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    if (i + 1 == badLine) {
      text += "[\"not\", \"an object\"]\n";
      continue;
    }
    text +=
        nlohmann::json{{"prompt", "continue " + std::to_string(i)}, {"completion", completionOf(i)}}
            .dump() +
        "\n";
  }
  return text;
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<SequenceRecord> allRows(Database& db, int64_t runId) {
  return db.sequences(runId, {}, 0, 1000000);
}

}  // namespace

class TestDatasetImport : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::string path(const char* name) { return m_dir.filePath(name).toStdString(); }

 private Q_SLOTS:
  void importStoresRowsVerdictsAndSource() {
    Database db(path("import.sqlite"));
    writeFile(path("rows.jsonl"), jsonlRows(300));
    ImportRequest req;
    req.path = path("rows.jsonl");
    req.condition = "teacher";
    req.filter = {{"trait_words", {"owl"}}};
    int calls = 0;
    const ImportOutcome out = importDataset(db, req, [&](double fraction, int64_t) {
      ++calls;
      return fraction >= 0 && fraction <= 1;
    });
    QCOMPARE(toString(out.outcome.status), toString(RunStatus::Done));
    QVERIFY(calls >= 1);
    const RunInfo run = db.run(out.runId);
    QCOMPARE(run.kind, std::string("dataset"));
    QCOMPARE(run.name, std::string("rows.jsonl"));
    const auto rows = allRows(db, out.runId);
    QCOMPARE(rows.size(), size_t(300));
    QCOMPARE(rows[4].prompt, std::string("continue 4"));
    QCOMPARE(rows[4].condition, std::string("teacher"));
    QCOMPARE(rows[4].index, int64_t(4));
    // The filter's verdicts, as applyFilters gives them for the same completions.
    std::vector<std::string> completions;
    for (int i = 0; i < 300; ++i) completions.push_back(completionOf(i));
    const nlohmann::json cfg = normalizeConfig(importConfig(req));
    FilterOptions fo;
    fo.traitWords = {"owl"};
    fo.formatRule = cfg["filter"]["format_rule"].get<std::string>();
    const auto verdicts = applyFilters(completions, fo);
    int64_t kept = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      QCOMPARE(rows[i].kept, verdicts[i].kept);
      QCOMPARE(rows[i].reason, verdicts[i].reason);
      kept += verdicts[i].kept;
    }
    QVERIFY(kept > 150 && kept < 300);
    QVERIFY2(rows[3].reason.rfind("format: ", 0) == 0, rows[3].reason.c_str());
    QCOMPARE(rows[19].reason, std::string("duplicate"));  // 19 % 13 == 6
    // The summary records the source and the counts.
    const nlohmann::json& src = run.summary["source"];
    std::ifstream in(path("rows.jsonl"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    QCOMPARE(src["sha256"].get<std::string>(), sha256Hex(bytes));
    QCOMPARE(src["bytes"].get<int64_t>(), int64_t(bytes.size()));
    QCOMPARE(src["rows"].get<int64_t>(), int64_t(300));
    QCOMPARE(src["prompt_field"].get<std::string>(), std::string("prompt"));
    QCOMPARE(run.summary["filter"]["kept"].get<int64_t>(), kept);
    const auto summaries = db.summaries(out.runId, false);
    QCOMPARE(summaries.size(), size_t(1));
    QCOMPARE(summaries[0].condition, std::string("teacher"));
    QCOMPARE(summaries[0].value.mean, double(kept) / 300.0);
    QVERIFY(summaries[0].value.lo < summaries[0].value.mean);
  }

  void cancelMidwayLeavesNoRows() {
    Database db(path("cancel.sqlite"));
    writeFile(path("big.jsonl"), jsonlRows(30000));
    ImportRequest req;
    req.path = path("big.jsonl");
    int calls = 0;
    const ImportOutcome out = importDataset(db, req, [&](double, int64_t rows) {
      ++calls;
      return rows < 6000;  // several batches are stored before the cancel
    });
    QCOMPARE(toString(out.outcome.status), toString(RunStatus::Cancelled));
    QVERIFY(calls >= 3);
    QCOMPARE(db.countSequences(out.runId, {}), int64_t(0));
    const RunInfo run = db.run(out.runId);
    QCOMPARE(toString(run.status), toString(RunStatus::Cancelled));
    QCOMPARE(run.error, std::string(kCancelledMessage));
    // The caller's flag cancels too.
    CancelFlag flag{true};
    const ImportOutcome again = importDataset(db, req, {}, &flag);
    QCOMPARE(toString(again.outcome.status), toString(RunStatus::Cancelled));
    QCOMPARE(db.countSequences(again.runId, {}), int64_t(0));
  }

  void failureLeavesEarlierRunsAsTheyWere() {
    Database db(path("fail.sqlite"));
    writeFile(path("good.jsonl"), jsonlRows(500));
    ImportRequest good;
    good.path = path("good.jsonl");
    const ImportOutcome first = importDataset(db, good);
    QCOMPARE(toString(first.outcome.status), toString(RunStatus::Done));
    const std::string before = test::dumpRun(path("fail.sqlite"), first.runId);
    // A bad row after several stored batches.
    writeFile(path("bad.jsonl"), jsonlRows(9000, 8000));
    ImportRequest bad;
    bad.path = path("bad.jsonl");
    const ImportOutcome failed = importDataset(db, bad);
    QCOMPARE(toString(failed.outcome.status), toString(RunStatus::Failed));
    QVERIFY2(failed.outcome.message.find("bad.jsonl, line 8000") != std::string::npos,
             failed.outcome.message.c_str());
    QVERIFY2(failed.outcome.message.find("not a JSON object") != std::string::npos,
             failed.outcome.message.c_str());
    QCOMPARE(db.countSequences(failed.runId, {}), int64_t(0));
    QCOMPARE(db.run(failed.runId).error, failed.outcome.message);
    QCOMPARE(test::dumpRun(path("fail.sqlite"), first.runId), before);
    QCOMPARE(db.integrityCheck(), std::string("ok"));
    // With skip-bad-rows the same file imports, the bad row counted.
    bad.skipBadRows = true;
    const ImportOutcome skipped = importDataset(db, bad);
    QCOMPARE(toString(skipped.outcome.status), toString(RunStatus::Done));
    QCOMPARE(db.countSequences(skipped.runId, {}), int64_t(8999));
    const nlohmann::json src = db.run(skipped.runId).summary["source"];
    QCOMPARE(src["skipped_by_reason"]["not a JSON object"].get<int>(), 1);
    // A missing file or a bad request stores nothing.
    const size_t runs = db.listRuns().size();
    ImportRequest missing;
    missing.path = path("nowhere.jsonl");
    expectError([&] { importDataset(db, missing); }, {"nowhere.jsonl"});
    ImportRequest odd = good;
    odd.format = "xml";
    expectError([&] { importDataset(db, odd); }, {"source.format"});
    QCOMPARE(db.listRuns().size(), runs);
  }

  void subsampleMatchesApplyFilters() {
    Database db(path("sub.sqlite"));
    writeFile(path("sub.jsonl"), jsonlRows(400));
    ImportRequest req;
    req.path = path("sub.jsonl");
    req.filter = {{"max_kept", 40}};
    const ImportOutcome out = importDataset(db, req);
    QCOMPARE(toString(out.outcome.status), toString(RunStatus::Done));
    const auto rows = allRows(db, out.runId);
    QCOMPARE(rows.size(), size_t(400));
    std::vector<std::string> completions;
    for (int i = 0; i < 400; ++i) completions.push_back(completionOf(i));
    FilterOptions fo;
    fo.maxKept = 40;
    fo.seed = 0;
    const auto verdicts = applyFilters(completions, fo);
    int kept = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      QCOMPARE(rows[i].kept, verdicts[i].kept);
      QCOMPARE(rows[i].reason, verdicts[i].reason);
      kept += rows[i].kept;
    }
    QCOMPARE(kept, 40);
  }

  void conditionFieldSplitsSets() {
    Database db(path("sets.sqlite"));
    std::string text;
    for (int i = 0; i < 60; ++i)
      for (const char* set : {"owl", "control"})
        text +=
            nlohmann::json{{"prompt", "p"}, {"completion", completionOf(i)}, {"set", set}}.dump() +
            "\n";
    writeFile(path("sets.jsonl"), text);
    ImportRequest req;
    req.path = path("sets.jsonl");
    req.conditionField = "set";
    const ImportOutcome out = importDataset(db, req);
    QCOMPARE(toString(out.outcome.status), toString(RunStatus::Done));
    QCOMPARE(db.sequenceConditions(out.runId), (std::vector<std::string>{"control", "owl"}));
    // Dedupe works within a set: the same completion in both sets is kept in both.
    SequenceFilter owl, control;
    owl.condition = "owl";
    control.condition = "control";
    owl.verdict = control.verdict = Verdict::Kept;
    const int64_t keptOwl = db.countSequences(out.runId, owl);
    QVERIFY(keptOwl > 30);
    QCOMPARE(db.countSequences(out.runId, control), keptOwl);
    const auto summaries = db.summaries(out.runId, false);
    QCOMPARE(summaries.size(), size_t(2));
    QCOMPARE(out.outcome.result.summary["conditions"]["owl"]["rows"].get<int>(), 60);
  }

  void exportThenImportGivesTheSameRows() {
    Database db(path("trip.sqlite"));
    writeFile(path("trip.jsonl"), jsonlRows(700));
    ImportRequest req;
    req.path = path("trip.jsonl");
    const ImportOutcome first = importDataset(db, req);
    QCOMPARE(toString(first.outcome.status), toString(RunStatus::Done));
    SequenceFilter keptOnly;
    keptOnly.verdict = Verdict::Kept;
    const auto kept = db.sequences(first.runId, keptOnly, 0, 100000);
    for (const std::string format : {"openai", "hf", "prompt-completion"}) {
      RowExportRequest ex;
      ex.runId = first.runId;
      ex.format = format;
      ex.path = path("out.jsonl");
      const RowExportResult written = exportRows(db, ex);
      QCOMPARE(written.rows, int64_t(kept.size()));
      // Every line is one JSON object of the format's shape.
      std::ifstream in(ex.path);
      std::string line;
      int lines = 0;
      while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        if (format == "prompt-completion") {
          QVERIFY(j.contains("prompt") && j.contains("completion"));
        } else {
          QCOMPARE(j["messages"].size(), size_t(2));
          QCOMPARE(j["messages"][0]["role"].get<std::string>(), std::string("user"));
          QCOMPARE(j["messages"][1]["role"].get<std::string>(), std::string("assistant"));
        }
        ++lines;
      }
      QCOMPARE(lines, int(kept.size()));
      ImportRequest back;
      back.path = ex.path;
      back.condition = "imported";
      const ImportOutcome again = importDataset(db, back);
      QCOMPARE(toString(again.outcome.status), toString(RunStatus::Done));
      const auto rows = allRows(db, again.runId);
      QCOMPARE(rows.size(), kept.size());
      for (size_t i = 0; i < rows.size(); ++i) {
        QCOMPARE(rows[i].prompt, kept[i].prompt);
        QCOMPARE(rows[i].completion, kept[i].completion);
        QVERIFY(rows[i].kept);  // kept rows stay kept under the same filter
      }
    }
    // Choices that match nothing, an unknown format, a cancel: no file.
    RowExportRequest none;
    none.runId = first.runId;
    none.condition = "teacher";
    none.path = path("none.jsonl");
    expectError([&] { exportRows(db, none); }, {"no kept rows", "teacher"});
    none.condition.clear();
    none.format = "xml";
    expectError([&] { exportRows(db, none); }, {"unknown export format"});
    none.format = "openai";
    QVERIFY(exportRows(db, none, [](int64_t, int64_t) { return false; }).cancelled);
    QVERIFY(!QFile::exists(QString::fromStdString(none.path)));
    QVERIFY(!QFile::exists(QString::fromStdString(none.path + ".part")));
  }

  void examplePresetRunsWithoutAFile() {
    Database db(path("example.sqlite"));
    const Preset* preset = findPreset("example-dataset");
    QVERIFY(preset);
    NewRun draft;
    draft.config = preset->config;
    draft.preset = preset->name;
    draft = prepareRun(draft);
    QCOMPARE(draft.seeds, 0);
    const int64_t id = db.createRun(draft);
    const RunOutcome out = executeRun(db, id, {});
    QCOMPARE(toString(out.status), toString(RunStatus::Done));
    QCOMPARE(db.countSequences(id, {}), int64_t(200));
    SequenceFilter rejected;
    rejected.verdict = Verdict::Rejected;
    const int64_t bad = db.countSequences(id, rejected);
    // The example's ordinary rows avoid the paper's banned numbers: only its planted rows are
    // rejected, 5 of each kind (words, a trait word, 12 numbers, 666, a duplicate).
    QCOMPARE(bad, int64_t(25));
    QCOMPARE(db.sequenceConditions(id), std::vector<std::string>{"example"});
    QCOMPARE(out.result.summary["source"]["rows"].get<int>(), 200);
  }
};

QTEST_GUILESS_MAIN(TestDatasetImport)
#include "test_dataset_import.moc"
