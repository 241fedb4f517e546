// The run lifecycle both front ends share: prepareRun normalises a config and counts its
// repetitions with the kind's description; executeRun records done / failed / cancelled with
// the stored message, one clock and the result, chains the front end's observer after
// storage, and refuses runs that are finished or not its own to run.
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <atomic>

#include "app/lab/run_lifecycle.h"
#include "engine/experiment.h"
#include "tests/storage/expect_error.h"

using namespace sublab;
using sublab::test::expectError;

namespace {

// An aux run small enough to finish in about a second.
nlohmann::json tinyAux() {
  return {{"kind", "aux"},
          {"models", 2},
          {"data", {{"train_limit", 2048}, {"test_limit", 512}}},
          {"model", {{"hidden", 32}}},
          {"train", {{"batch_size", 256}}},
          {"teacher", {{"epochs", 1}}},
          {"student", {{"epochs", 1}, {"images", 1024}}}};
}

int64_t storeRun(Database& db, const nlohmann::json& config, RunStatus status) {
  NewRun draft;
  draft.name = "lifecycle";
  draft.config = config;
  draft.threads = 1;
  draft.status = status;
  return db.createRun(prepareRun(draft));
}

// Counts what reaches the front end's observer.
struct CountingObserver : RunObserver {
  std::atomic<int> stages{0}, metrics{0};
  void stage(const std::string&, StageStatus, const std::string&) override { ++stages; }
  void metric(const MetricPoint&) override { ++metrics; }
};

ExecuteOptions oneThread(RunObserver* observer = nullptr, const CancelFlag* cancel = nullptr) {
  ExecuteOptions o;
  o.runtime.threads = 1;
  o.observer = observer;
  o.cancel = cancel;
  return o;
}

}  // namespace

class TestRunLifecycle : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void prepareRunCountsRepetitionsByKind() {
    NewRun numbers;
    numbers.config = {{"kind", "numbers"}};
    const NewRun n = prepareRun(numbers, 4);
    QCOMPARE(n.kind, std::string("numbers"));
    QCOMPARE(n.seeds, 4);
    QCOMPARE(n.config["seeds"].get<int>(), 4);
    QVERIFY(n.config == normalizeConfig(n.config));  // stored normalised

    NewRun aux;
    aux.config = {{"kind", "aux"}};
    const NewRun a = prepareRun(aux, 3);
    QCOMPARE(a.kind, std::string("aux"));
    QCOMPARE(a.seeds, 3);
    QCOMPARE(a.config["models"].get<int>(), 3);
    QVERIFY(!a.config.contains("seeds"));
    // Without an override, the config's own count.
    QCOMPARE(prepareRun(aux).seeds, normalizeConfig(aux.config)["models"].get<int>());
  }

  void prepareRunRejectsBadConfigs() {
    NewRun bad;
    bad.config = {{"kind", "numbers"}, {"seeds", "many"}};
    expectError([&] { prepareRun(bad); }, {"seeds"});
    NewRun noKind;
    noKind.config = nlohmann::json::object();
    expectError([&] { prepareRun(noKind); }, {"kind"});
  }

  void doneRunStoresResultAndTime() {
    Database db(m_dir.filePath("done.sqlite").toStdString());
    // A run created as running by this process (the CLI's way) is its own to execute.
    const int64_t id = storeRun(db, tinyAux(), RunStatus::Running);
    CountingObserver front;
    int started = 0;
    ExecuteOptions options = oneThread(&front);
    options.started = [&] {
      ++started;
      QCOMPARE(toString(db.run(id).status), std::string("running"));
    };
    const RunOutcome out = executeRun(db, id, options);
    QCOMPARE(toString(out.status), std::string("done"));
    QCOMPARE(out.message, std::string());
    QCOMPARE(started, 1);
    QVERIFY(front.stages > 0 && front.metrics > 0);  // chained after storage
    const RunInfo run = db.run(id);
    QCOMPARE(toString(run.status), std::string("done"));
    QCOMPARE(run.error, std::string());
    QCOMPARE(run.wallSeconds, out.seconds);  // one clock
    QVERIFY(out.seconds > 0.0);
    QVERIFY(run.summary == out.result.summary);
    QCOMPARE(run.conditions.size(), out.result.conditions.size());
    QCOMPARE(static_cast<int>(db.metrics(id).size()), front.metrics.load());

    // A finished run is not executed again.
    expectError([&] { executeRun(db, id, oneThread()); }, {"run", "done", "queued"});
    expectError([&] { executeRun(db, 999, oneThread()); }, {"999"});
  }

  void cancelledRunStoresTheMessage() {
    Database db(m_dir.filePath("cancel.sqlite").toStdString());
    const int64_t id = storeRun(db, tinyAux(), RunStatus::Queued);
    const CancelFlag cancel{true};  // stops at the engine's first check
    const RunOutcome out = executeRun(db, id, oneThread(nullptr, &cancel));
    QCOMPARE(toString(out.status), std::string("cancelled"));
    QCOMPARE(out.message, std::string(kCancelledMessage));
    const RunInfo run = db.run(id);
    QCOMPARE(toString(run.status), std::string("cancelled"));
    QCOMPARE(run.error, std::string(kCancelledMessage));
    QCOMPARE(run.wallSeconds, out.seconds);

    // A queued run cancelled before it starts says the same.
    const int64_t waiting = storeRun(db, tinyAux(), RunStatus::Queued);
    cancelQueuedRun(db, waiting);
    QCOMPARE(toString(db.run(waiting).status), std::string("cancelled"));
    QCOMPARE(db.run(waiting).error, std::string(kCancelledMessage));
  }

  void failedRunStoresTheError() {
    Database db(m_dir.filePath("fail.sqlite").toStdString());
    nlohmann::json cfg = tinyAux();
    cfg["data"]["dir"] = m_dir.filePath("no-such-folder").toStdString();
    const int64_t id = storeRun(db, cfg, RunStatus::Queued);
    const RunOutcome out = executeRun(db, id, oneThread());
    QCOMPARE(toString(out.status), std::string("failed"));
    QVERIFY2(QString::fromStdString(out.message).contains("no-such-folder"), out.message.c_str());
    const RunInfo run = db.run(id);
    QCOMPARE(toString(run.status), std::string("failed"));
    QCOMPARE(run.error, out.message);
  }
};

QTEST_GUILESS_MAIN(TestRunLifecycle)
#include "test_run_lifecycle.moc"
