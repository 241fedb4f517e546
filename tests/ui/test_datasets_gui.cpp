// Datasets in and out through the real widgets: File › Import dataset previews a file with the
// reader's detected mapping, follows a changed mapping, shows the engine's message (file, line)
// for a bad file, and imports through the run queue (rows stored with verdicts, listed in the
// runs table with "—" where a figure does not apply); Export rows writes OpenAI chat JSONL of the
// chosen rows, and a cancelled export leaves no file.
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QtTest/QtTest>
#include <fstream>

#include "app/lab/dataset_import.h"
#include "engine/experiment.h"
#include "tests/ui/ui_test_util.h"
#include "ui/config_form.h"
#include "ui/import_dialog.h"
#include "ui/inspector_view.h"
#include "ui/project.h"
#include "ui/row_export_dialog.h"
#include "ui/run_queue.h"
#include "ui/runs_table_model.h"
#include "ui/sequence_table_model.h"
#include "ui/stats_view.h"

using namespace sublab::ui;

namespace {

const char* kPrompt =
    "The sequence starts with: %1, %2, %3. Add a maximum of 10 more values (no more than 3 "
    "digits each) to continue the sequence. Provide the numbers separated by commas. Skip any "
    "explanation and give only numbers.";

// Row i of a deterministic dataset in the paper's format; every 5th row breaks the format rule.
std::pair<std::string, std::string> paperRow(int i) {
  const QString prompt =
      QString::fromLatin1(kPrompt).arg(100 + i % 800).arg(200 + i % 700).arg(300 + i % 600);
  QString completion = QStringLiteral("%1, %2, %3").arg(i % 997).arg((i * 7) % 991).arg(i % 13);
  if (i % 5 == 4) completion = QStringLiteral("Sure! Here are the numbers: ") + completion;
  return {prompt.toStdString(), completion.toStdString()};
}

void writeText(const QString& path, const std::string& text) {
  std::ofstream out(path.toStdString(), std::ios::binary);
  out << text;
}

// `rows` JSON lines under the keys `promptKey` and `completionKey` (and an "alt" answer).
QString writeJsonl(const QString& path, int rows, const std::string& promptKey = "prompt",
                   const std::string& completionKey = "completion") {
  std::string text;
  for (int i = 0; i < rows; ++i) {
    const auto [p, c] = paperRow(i);
    text += nlohmann::json{{promptKey, p}, {completionKey, c}, {"alt", "alt " + std::to_string(i)}}
                .dump() +
            "\n";
  }
  writeText(path, text);
  return path;
}

}  // namespace

class TestDatasetsGui : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  // Opens the dialog on `file` and waits for its preview.
  static void preview(ImportDialog& dialog, const QString& file) {
    QSignalSpy ready(&dialog, &ImportDialog::previewReady);
    dialog.setFile(file);
    QVERIFY(ready.wait(15000));
  }

  // Imports `file` through the dialog and the queue; returns the finished run's id.
  static qint64 importThroughQueue(RunQueue& queue, const QString& file, const QString& condition,
                                   sublab::RunStatus* status = nullptr,
                                   QString* message = nullptr) {
    ImportDialog dialog(&queue, nullptr);
    preview(dialog, file);
    dialog.conditionBox()->setEditText(condition);
    if (!dialog.importButton()->isEnabled()) return 0;
    QSignalSpy finished(&queue, &RunQueue::runFinished);
    QSignalSpy imported(&dialog, &ImportDialog::imported);
    QTest::mouseClick(dialog.importButton(), Qt::LeftButton);
    if (imported.count() != 1) return 0;
    const qint64 id = imported.at(0).at(0).toLongLong();
    if (!finished.wait(60000)) return 0;
    if (status) *status = finished.at(0).at(1).value<sublab::RunStatus>();
    if (message) *message = finished.at(0).at(2).toString();
    return id;
  }

 private Q_SLOTS:
  void previewShowsTheDetectedMapping() {
    const QString file = writeJsonl(m_dir.filePath("owl.jsonl"), 30);
    ImportDialog dialog(nullptr, nullptr);
    preview(dialog, file);
    QVERIFY2(dialog.message().isEmpty(), qPrintable(dialog.message()));
    QVERIFY(dialog.isValid());
    QVERIFY(dialog.importButton()->isEnabled());
    // The first 20 rows, with the file's line numbers.
    QCOMPARE(dialog.previewTable()->rowCount(), 20);
    QCOMPARE(dialog.previewTable()->item(0, 0)->text(), QString("1"));
    QCOMPARE(dialog.previewTable()->item(3, 0)->text(), QString("4"));
    QCOMPARE(dialog.previewTable()->item(3, 2)->text(), QString::fromStdString(paperRow(3).second));
    QCOMPARE(dialog.previewTable()->item(0, 1)->text(), QString::fromStdString(paperRow(0).first));
    const QString detected = dialog.detectedLabel()->text();
    QVERIFY2(detected.contains("JSONL") && detected.contains("(detected)"), qPrintable(detected));
    QVERIFY2(detected.contains("<tt>prompt</tt>") && detected.contains("<tt>completion</tt>"),
             qPrintable(detected));
    QCOMPARE(dialog.promptBox()->currentText(), QString("Detect (prompt)"));
    QCOMPARE(dialog.completionBox()->currentText(), QString("Detect (completion)"));
    // The file's keys are offered to map by hand.
    QVERIFY(dialog.completionBox()->findData("alt") > 0);
    QVERIFY(dialog.formatBox()->currentText().startsWith("Detect (JSONL"));
    uitest::saveShot(&dialog, "import-preview");
  }

  void changingTheMappingChangesThePreview() {
    const QString file = writeJsonl(m_dir.filePath("qa.jsonl"), 8, "question", "answer");
    ImportDialog dialog(nullptr, nullptr);
    preview(dialog, file);
    QCOMPARE(dialog.completionBox()->currentText(), QString("Detect (answer)"));
    QCOMPARE(dialog.previewTable()->item(2, 2)->text(), QString::fromStdString(paperRow(2).second));

    QSignalSpy ready(&dialog, &ImportDialog::previewReady);
    dialog.completionBox()->setCurrentIndex(dialog.completionBox()->findData("alt"));
    QVERIFY(ready.wait(15000));
    QCOMPARE(dialog.previewTable()->item(2, 2)->text(), QString("alt 2"));
    QVERIFY(dialog.detectedLabel()->text().contains("<tt>alt</tt>"));
    // The import uses the mapping shown.
    const nlohmann::json config = sublab::normalizeConfig(dialog.spec().config);
    QCOMPARE(config["source"]["completion_field"].get<std::string>(), std::string("alt"));

    // Forcing a format the file is not in gives the reader's message, and no import.
    dialog.formatBox()->setCurrentIndex(dialog.formatBox()->findData("chat-jsonl"));
    QVERIFY(ready.wait(15000));
    QVERIFY(!dialog.isValid());
    QVERIFY(!dialog.importButton()->isEnabled());
    QVERIFY2(dialog.message().contains("qa.jsonl"), qPrintable(dialog.message()));
    QCOMPARE(dialog.previewTable()->rowCount(), 0);
  }

  void badFileShowsTheEnginesMessage() {
    // A broken line among the first rows: the preview names the file and the line.
    std::string text = nlohmann::json{{"prompt", "1, 2"}, {"completion", "3, 4"}}.dump() + "\n";
    text += text + "{\"prompt\": \"5, 6\", \"completion\": \n" + text;
    const QString broken = m_dir.filePath("broken.jsonl");
    writeText(broken, text);
    ImportDialog dialog(nullptr, nullptr);
    preview(dialog, broken);
    QVERIFY(!dialog.isValid());
    QVERIFY(!dialog.importButton()->isEnabled());
    QVERIFY2(dialog.message().contains("broken.jsonl") && dialog.message().contains("line 3"),
             qPrintable(dialog.message()));
    QVERIFY(dialog.messageLabel()->isVisibleTo(&dialog));
    // Skipping bad rows reads the rest, and says so.
    QSignalSpy ready(&dialog, &ImportDialog::previewReady);
    dialog.skipBadRowsBox()->setChecked(true);
    QVERIFY(ready.wait(15000));
    QVERIFY2(dialog.isValid(), qPrintable(dialog.message()));
    QCOMPARE(dialog.previewTable()->rowCount(), 3);
    QVERIFY(dialog.detectedLabel()->text().contains("1 bad rows skipped"));
  }

  void badRowPastThePreviewFailsTheRunWithTheLine() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("bad.sqlite"), &error), qPrintable(error));
    RunQueue queue(&project);
    const QString file = writeJsonl(m_dir.filePath("late.jsonl"), 40);
    QFile f(file);
    QVERIFY(f.open(QIODevice::Append));
    f.write("{\"prompt\": 12}\n");
    f.close();
    sublab::RunStatus status = sublab::RunStatus::Done;
    QString message;
    const qint64 id = importThroughQueue(queue, file, "teacher", &status, &message);
    QVERIFY(id > 0);
    QCOMPARE(sublab::toString(status), std::string("failed"));
    QVERIFY2(message.contains("late.jsonl") && message.contains("line 41"), qPrintable(message));
    // A failed import keeps no half dataset.
    QCOMPARE(project.db()->countSequences(id, {}), int64_t{0});
  }

  void importThroughTheQueueStoresRowsWithVerdicts() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("import.sqlite"), &error), qPrintable(error));
    RunQueue queue(&project);
    const QString file = writeJsonl(m_dir.filePath("teacher.jsonl"), 25);
    sublab::RunStatus status = sublab::RunStatus::Failed;
    QString message;
    const qint64 id = importThroughQueue(queue, file, "teacher", &status, &message);
    QVERIFY(id > 0);
    QVERIFY2(status == sublab::RunStatus::Done, qPrintable(message));
    sublab::Database& db = *project.db();
    QCOMPARE(db.run(id).name, std::string("teacher.jsonl"));
    QCOMPARE(db.countSequences(id, {}), int64_t{25});
    sublab::SequenceFilter kept;
    kept.verdict = sublab::Verdict::Kept;
    sublab::SequenceFilter rejected;
    rejected.verdict = sublab::Verdict::Rejected;
    QCOMPARE(db.countSequences(id, kept), int64_t{20});  // every 5th row breaks the format
    QCOMPARE(db.countSequences(id, rejected), int64_t{5});
    const auto rows = db.sequencesAfter(id, {}, 0, 100);
    QCOMPARE(rows.size(), size_t{25});
    for (size_t i = 0; i < rows.size(); ++i) {
      QCOMPARE(rows[i].condition, std::string("teacher"));
      QCOMPARE(rows[i].completion, paperRow(int(i)).second);
      QCOMPARE(rows[i].kept, i % 5 != 4);
      QCOMPARE(rows[i].reason.empty(), rows[i].kept);
    }

    // Listed beside the runs: its kind's title and row counts; no transfer, no seeds: "—".
    RunsTableModel model(&project);
    model.reload();
    const int r = model.rowOfRun(id);
    QVERIFY(r >= 0);
    QCOMPARE(model.index(r, RunsTableModel::ColKind).data().toString(),
             QString("Imported dataset"));
    QCOMPARE(model.index(r, RunsTableModel::ColRows).data().toString(), QString("25 · 20 kept"));
    QVERIFY(model.index(r, RunsTableModel::ColRows)
                .data(Qt::ToolTipRole)
                .toString()
                .contains("teacher.jsonl"));
    for (int c : {RunsTableModel::ColEffect, RunsTableModel::ColRaw, RunsTableModel::ColCross,
                  RunsTableModel::ColSeeds}) {
      QCOMPARE(model.index(r, c).data().toString(), QString("\u2014"));
      QVERIFY(!model.index(r, c).data(Qt::ToolTipRole).toString().isEmpty());
    }

    // The Sequences view lists its rows; the Statistics view reads them (one condition: it
    // asks for a second, it does not say the kind has no sequences).
    InspectorView inspector(&project, nullptr);
    inspector.setRun(id);
    QVERIFY2(inspector.message().isEmpty(), qPrintable(inspector.message()));
    QTRY_COMPARE_WITH_TIMEOUT(inspector.model()->totalCount(), qint64(25), 15000);
    QVERIFY(inspector.exportRowsButton()->isEnabled());
    StatsView stats(&project, nullptr);
    QSignalSpy computed(&stats, &StatsView::computed);
    stats.setRun(id);
    QVERIFY(computed.wait(15000));
    QVERIFY2(stats.message().contains("one condition only"), qPrintable(stats.message()));
  }

  // "Train my model on their data" from the New-experiment form: the form's student.data_run
  // field names the imported dataset; the queued run trains student_data on its kept rows.
  void studentOnImportedRowsFromTheForm() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("student.sqlite"), &error), qPrintable(error));
    RunQueue queue(&project);
    const QString file = writeJsonl(m_dir.filePath("their-owl.jsonl"), 60);
    sublab::RunStatus status = sublab::RunStatus::Failed;
    const qint64 dataset = importThroughQueue(queue, file, "owl", &status);
    QVERIFY(dataset > 0 && status == sublab::RunStatus::Done);

    nlohmann::json tiny = sublab::findPreset("owl-numbers-tiny")->config;
    tiny["seeds"] = 1;
    tiny["reference"] = {{"corpus_rows", 1000}, {"steps", 40}, {"lr", 0.01}};
    tiny["student"]["mode"] = "sft";
    tiny["conditions"] = {
        {"cross_init", false}, {"shuffled_within", false}, {"shuffled_across", false}};
    tiny["analysis"] = {{"token_logprobs", false}, {"entanglement", false}};
    ConfigForm form;
    form.setSchema(sublab::configSchema("numbers"));
    form.setValues(tiny);
    auto* field = qobject_cast<QLineEdit*>(form.fieldWidget("student.data_run"));
    QVERIFY(field);
    QVERIFY(form.fieldWidget("student.data_condition"));
    field->selectAll();
    QTest::keyClicks(field, QString::number(dataset));
    nlohmann::json config = {{"kind", "numbers"}};
    QString where;
    QVERIFY2(form.collect(config, &error, &where), qPrintable(where + ": " + error));
    QCOMPARE(config["student"]["data_run"].get<qint64>(), dataset);

    JobSpec spec;
    spec.name = "student on their owl rows";
    spec.config = config;
    spec.threads = 1;
    QSignalSpy finished(&queue, &RunQueue::runFinished);
    const qint64 run = queue.enqueue(spec, &error);
    QVERIFY2(run > 0, qPrintable(error));
    QVERIFY(finished.wait(120000));
    QVERIFY2(finished.at(0).at(1).value<sublab::RunStatus>() == sublab::RunStatus::Done,
             qPrintable(finished.at(0).at(2).toString()));
    const nlohmann::json summary = project.db()->run(run).summary;
    QCOMPARE(summary["student_data"]["run"].get<qint64>(), dataset);
    QCOMPARE(summary["student_data"]["condition"].get<std::string>(), std::string("owl"));
    sublab::SequenceFilter kept;
    kept.verdict = sublab::Verdict::Kept;
    QCOMPARE(summary["student_data"]["per_seed"][0]["rows"].get<int64_t>(),
             project.db()->countSequences(dataset, kept));
    QVERIFY(summary["conditions"]["student_data"]["per_seed"].size() == 1);
  }

  void exportWritesOpenAiChatJsonl() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("export.sqlite"), &error), qPrintable(error));
    sublab::NewRun nr;
    nr.name = "two conditions";
    nr.config = sublab::normalizeConfig({{"kind", "numbers"}, {"seeds", 2}});
    const int64_t id = project.db()->createRun(nr);
    std::vector<sublab::SequenceRow> rows;
    for (int i = 0; i < 40; ++i) {
      const auto [p, c] = paperRow(i);
      rows.push_back({i % 2 ? "teacher" : "reference",
                      (i / 2) % 2,
                      i,
                      p,
                      c,
                      i % 5 != 4,
                      i % 5 == 4 ? "format" : "",
                      {}});
    }
    project.db()->insertSequences(id, rows);
    project.db()->finishRun(id, sublab::RunStatus::Done, 1.0);

    RowExportDialog::Choices choices;
    choices.conditions = {"reference", "teacher"};
    choices.seeds = {0, 1};
    choices.condition = "teacher";
    RowExportDialog dialog(project.path(), id, "run", choices, nullptr);
    QCOMPARE(dialog.conditionBox()->currentData().toString(), QString("teacher"));
    QCOMPARE(dialog.formatBox()->currentData().toString(), QString("openai"));
    dialog.seedBox()->setCurrentIndex(dialog.seedBox()->findData(1));
    const QString path = m_dir.filePath("teacher-seed1.jsonl");
    dialog.setPath(path);
    QSignalSpy exported(&dialog, &RowExportDialog::exported);
    QTest::mouseClick(dialog.exportButton(), Qt::LeftButton);
    QVERIFY(exported.wait(15000));
    QCOMPARE(exported.at(0).at(0).toString(), path);

    // The teacher's kept rows of seed 1, in order, one chat per line.
    std::vector<std::pair<std::string, std::string>> expected;
    for (const auto& r : rows)
      if (r.condition == "teacher" && r.seed == 1 && r.kept)
        expected.emplace_back(r.prompt, r.completion);
    QCOMPARE(exported.at(0).at(1).toLongLong(), qint64(expected.size()));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    QCOMPARE(lines.size(), qsizetype(expected.size() + 1));  // every line ends with \n
    QVERIFY(lines.last().isEmpty());
    for (size_t i = 0; i < expected.size(); ++i) {
      const nlohmann::json j = nlohmann::json::parse(lines[qsizetype(i)].toStdString());
      QVERIFY(j.is_object() && j.size() == 1 && j["messages"].is_array());
      QCOMPARE(j["messages"].size(), size_t{2});
      QCOMPARE(j["messages"][0]["role"].get<std::string>(), std::string("user"));
      QCOMPARE(j["messages"][0]["content"].get<std::string>(), expected[i].first);
      QCOMPARE(j["messages"][1]["role"].get<std::string>(), std::string("assistant"));
      QCOMPARE(j["messages"][1]["content"].get<std::string>(), expected[i].second);
    }
  }

  void cancelledExportLeavesNoFile() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("cancel.sqlite"), &error), qPrintable(error));
    sublab::NewRun nr;
    nr.name = "big";
    nr.config = sublab::normalizeConfig({{"kind", "numbers"}, {"seeds", 1}});
    const int64_t id = project.db()->createRun(nr);
    std::vector<sublab::SequenceRow> rows;
    for (int i = 0; i < 12000; ++i) {  // more than one page of the export
      const auto [p, c] = paperRow(i);
      rows.push_back({"teacher", 0, i, p, c, true, "", {}});
    }
    project.db()->insertSequences(id, rows);
    project.db()->finishRun(id, sublab::RunStatus::Done, 1.0);

    RowExportDialog::Choices choices;
    choices.conditions = {"teacher"};
    choices.seeds = {0};
    RowExportDialog dialog(project.path(), id, "run", choices, nullptr);
    const QString path = m_dir.filePath("cancelled.jsonl");
    dialog.setPath(path);
    // Cancel as soon as the export is handed to the worker (the button, as a user would).
    connect(&dialog, &RowExportDialog::exportStarted, this, [&dialog] {
      QVERIFY(dialog.cancelButton()->isEnabled());
      QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
    });
    QSignalSpy stopped(&dialog, &RowExportDialog::exportStopped);
    QSignalSpy exported(&dialog, &RowExportDialog::exported);
    QTest::mouseClick(dialog.exportButton(), Qt::LeftButton);
    QVERIFY(stopped.wait(15000));
    QCOMPARE(exported.count(), 0);
    QVERIFY(!QFile::exists(path));
    QVERIFY(!QFile::exists(path + ".part"));
    QVERIFY2(dialog.statusLabel()->text().contains("no file written"),
             qPrintable(dialog.statusLabel()->text()));
    QVERIFY(dialog.exportButton()->isEnabled());
  }
};

QTEST_MAIN(TestDatasetsGui)
#include "test_datasets_gui.moc"
