// A student trained on another run's kept rows (student.data_run): the lab reads exactly the
// kept rows of the named run and condition from the project and the engine trains the
// "student_data" condition on them (on a tiny SFT numbers run: the same rows as the run's own
// student, so the same trait probabilities, seed by seed), with data_transfer beside transfer;
// bad run ids, a run that stores no rows, a run still queued, an empty condition and the run
// itself each fail with a message naming the knob; the knobs are opt-in and validated.
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <algorithm>
#include <cmath>
#include <memory>

#include "app/lab/run_lifecycle.h"
#include "app/lab/student_data.h"
#include "engine/experiment.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using sublab::test::expectError;
using json = nlohmann::json;

namespace {

// owl-numbers-tiny with one seed, sampled-token students and only the student and its control.
json tinySft() {
  json c = findPreset("owl-numbers-tiny")->config;
  c["seeds"] = 1;
  c["reference"] = {{"corpus_rows", 1000}, {"steps", 40}, {"lr", 0.01}};
  c["student"]["mode"] = "sft";
  c["conditions"] = {{"cross_init", false}, {"shuffled_within", false}, {"shuffled_across", false}};
  c["analysis"] = {{"token_logprobs", false}, {"entanglement", false}};
  return c;
}

int64_t storeRun(Database& db, const json& config, RunStatus status = RunStatus::Running) {
  NewRun draft;
  draft.name = "student data";
  draft.config = config;
  draft.threads = 1;
  draft.status = status;
  return db.createRun(prepareRun(draft));
}

int64_t keptRows(Database& db, int64_t run, const std::string& condition) {
  SequenceFilter f;
  f.condition = condition;
  f.verdict = Verdict::Kept;
  return db.countSequences(run, f);
}

json withData(json config, int64_t run, const std::string& condition = {}) {
  config["student"]["data_run"] = run;
  if (!condition.empty()) config["student"]["data_condition"] = condition;
  return config;
}

}  // namespace

class TestStudentData : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::unique_ptr<Database> m_db;
  int64_t m_source = 0;  // a finished tiny run whose rows the others train on

  RunOutcome execute(int64_t run) {
    ExecuteOptions o;
    o.runtime.threads = 1;
    o.runtime.cacheDir = m_dir.filePath("cache").toStdString();
    return executeRun(*m_db, run, o);
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_db = std::make_unique<Database>(m_dir.filePath("project.sqlite").toStdString());
    m_source = storeRun(*m_db, tinySft());
    const RunOutcome out = execute(m_source);
    QVERIFY2(out.status == RunStatus::Done, out.message.c_str());
  }

  void knobsAreOptIn() {
    const json plain = normalizeConfig(tinySft());
    QVERIFY(!plain["student"].contains("data_run"));
    QVERIFY(!plain["student"].contains("data_condition"));
    const json set = normalizeConfig(withData(tinySft(), 5, "reference"));
    QCOMPARE(set["student"]["data_run"].get<int64_t>(), int64_t(5));
    QCOMPARE(set["student"]["data_condition"].get<std::string>(), std::string("reference"));
    // The lab asks for nothing when the config names no run.
    QCOMPARE(resolveStudentData(*m_db, plain).runId, int64_t(0));
    // Found by role in every kind that has them, whatever the path.
    int roles = 0;
    for (const auto& kind : experimentKinds())
      for (const ConfigField& f : configSchema(kind))
        if (f.role == ConfigRole::StudentDataRun) {
          QCOMPARE(f.path, std::string("student.data_run"));
          QVERIFY(f.optIn);
          ++roles;
        }
    QVERIFY(roles >= 2);  // numbers and chat-numbers
  }

  void validationSaysWhatToDo() {
    json soft = withData(tinySft(), 1);
    soft["student"]["mode"] = "distill_numbers";
    expectError([&] { normalizeConfig(soft); }, {"config.student.data_run", "student.mode", "sft"});
    json orphan = tinySft();
    orphan["student"]["data_condition"] = "teacher";
    expectError([&] { normalizeConfig(orphan); }, {"config.student.data_condition", "data_run"});
    // Run through the engine alone (no project), the rows were never read: said so.
    RunObserver quiet;
    expectError([&] { runExperiment(withData(tinySft(), 3), RuntimeOptions{}, quiet, nullptr); },
                {"config.student.data_run", "run 3", "not handed"});
  }

  void trainsOnExactlyTheKeptTeacherRows() {
    const StudentData read =
        resolveStudentData(*m_db, normalizeConfig(withData(tinySft(), m_source)));
    QCOMPARE(read.runId, m_source);
    QCOMPARE(read.condition, std::string("teacher"));  // the default
    QCOMPARE(int64_t(read.rows.size()), keptRows(*m_db, m_source, "teacher"));
    for (const SequenceRow& r : read.rows) QVERIFY(r.kept && r.condition == "teacher");

    const int64_t run = storeRun(*m_db, withData(tinySft(), m_source));
    const RunOutcome out = execute(run);
    QVERIFY2(out.status == RunStatus::Done, out.message.c_str());
    const json& s = out.result.summary;
    const json& perSeed = s["student_data"]["per_seed"][0];
    QCOMPARE(s["student_data"]["run"].get<int64_t>(), m_source);
    QCOMPARE(s["student_data"]["condition"].get<std::string>(), std::string("teacher"));
    // Every kept row the source trained on, none left out; stored as the condition's rows.
    const json sourceFilter = m_db->run(m_source).summary["filter"]["by_source"]["teacher"];
    QCOMPARE(perSeed["rows"].get<int64_t>(), sourceFilter["kept"].get<int64_t>());
    QCOMPARE(perSeed["unreadable"].get<int64_t>(), int64_t(0));
    QCOMPARE(keptRows(*m_db, run, "student_data"), perSeed["rows"].get<int64_t>());
    // The same config and seed generated the same teacher rows, so student_data trains on the
    // student's rows, read back from their text. The toy model re-reads a few texts as other
    // tokens than it sampled (two spaces between numbers become one separator), so the two are
    // close, not identical: within 0.02 of trait probability here.
    const auto student = s["conditions"]["student"]["per_seed"].get<std::vector<double>>();
    const auto data = s["conditions"]["student_data"]["per_seed"].get<std::vector<double>>();
    QCOMPARE(data.size(), student.size());
    for (size_t i = 0; i < data.size(); ++i)
      QVERIFY2(std::abs(data[i] - student[i]) < 0.02,
               qPrintable(QString("student_data %1, student %2").arg(data[i]).arg(student[i])));
    QVERIFY(s["data_transfer"]["per_seed"].size() == s["transfer"]["per_seed"].size());
    // Deterministic: the same run again gives the same student_data, to the last digit.
    const RunOutcome again = execute(storeRun(*m_db, withData(tinySft(), m_source)));
    QCOMPARE(
        again.result.summary["conditions"]["student_data"]["per_seed"].get<std::vector<double>>(),
        data);
    // The kind's description names the condition and the contrast (colours, results).
    const KindDescription& kind = kindOf(tinySft());
    QVERIFY(std::count(kind.conditions.begin(), kind.conditions.end(), "student_data") == 1);
    bool contrast = false;
    for (const ContrastSpec& c : kind.contrasts)
      contrast |= c.name == "data_transfer" && c.a == "student_data" && c.b == "control";
    QVERIFY(contrast);
  }

  void anotherConditionsRows() {
    const StudentData read =
        resolveStudentData(*m_db, normalizeConfig(withData(tinySft(), m_source, "reference")));
    QCOMPARE(read.condition, std::string("reference"));
    QCOMPARE(int64_t(read.rows.size()), keptRows(*m_db, m_source, "reference"));
    QVERIFY(read.rows.size() > 0);
  }

  void badRunsFailTheRunWithTheKnob() {
    auto failsWith = [&](const json& config, const QStringList& words) {
      const int64_t run = storeRun(*m_db, config);
      const RunOutcome out = execute(run);
      QCOMPARE(toString(out.status), toString(RunStatus::Failed));
      for (const QString& w : words)
        QVERIFY2(QString::fromStdString(out.message).contains(w), out.message.c_str());
      QCOMPARE(toString(m_db->run(run).status), toString(RunStatus::Failed));
      QCOMPARE(keptRows(*m_db, run, "student_data"), int64_t(0));
    };
    failsWith(withData(tinySft(), 999), {"config.student.data_run", "no run 999"});
    failsWith(withData(tinySft(), m_source, "defended"),
              {"config.student.data_condition", "no kept \"defended\" rows",
               "\"reference\", \"teacher\""});
    const int64_t aux = storeRun(*m_db, {{"kind", "aux"}});
    failsWith(withData(tinySft(), aux), {"config.student.data_run", "stores no rows"});
    const int64_t queued = storeRun(*m_db, tinySft(), RunStatus::Queued);
    failsWith(withData(tinySft(), queued), {"config.student.data_run", "is queued"});
    const int64_t running = storeRun(*m_db, tinySft());
    failsWith(withData(tinySft(), running), {"config.student.data_run", "is running"});
    // The run itself: its id is the next one handed out.
    const int64_t next = storeRun(*m_db, tinySft());
    expectError([&] { resolveStudentData(*m_db, withData(tinySft(), next), next); },
                {"config.student.data_run", "this run itself"});
    // The source is untouched by all of it.
    QCOMPARE(toString(m_db->run(m_source).status), toString(RunStatus::Done));
  }
};

QTEST_GUILESS_MAIN(TestStudentData)
#include "test_student_data.moc"
