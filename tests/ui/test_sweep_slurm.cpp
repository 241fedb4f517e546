// Slurm in the GUI, against a fake `sbatch` and `scontrol` on the PATH (shell scripts that record
// their arguments and answer from files; the real cluster is tests/slurm/test_slurm_sweep.sh):
// the Sweep dialog offers "Submit to Slurm" only where sbatch is found, with every option, and
// refuses a bad one with the CLI's message; the submission writes the lab's files, records the
// sweep with its manifest and calls sbatch for the array and a dependent merge job; the Sweeps
// tab shows each point's task, Slurm state, exit code, run and failure's message, merges the
// shards there are ("Merge results") and resubmits only the point that failed.

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <fstream>

#include "app/lab/slurm_jobs.h"
#include "app/lab/sweep.h"
#include "tests/ui/ui_test_util.h"
#include "ui/project.h"
#include "ui/sweep_dialog.h"
#include "ui/sweep_slurm_panel.h"
#include "ui/sweep_view.h"

using namespace sublab::ui;

namespace {

void writeScript(const QString& path, const QString& text) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  f.write(text.toUtf8());
  f.close();
  QVERIFY(
      f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner));
}

QString readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

}  // namespace

class TestSweepSlurm : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  QString m_bin, m_log, m_oldPath;

  // owl-numbers-tiny shrunk further: seconds for the one point run for real below.
  static nlohmann::json tinyNumbers() {
    nlohmann::json c = sublab::findPreset("owl-numbers-tiny")->config;
    c.merge_patch({{"reference", {{"corpus_rows", 1000}, {"steps", 40}}},
                   {"teacher", {{"rows", 32}}},
                   {"generation", {{"prompts", 48}}}});
    return sublab::normalizeConfig(c);
  }

  QStringList sbatchCalls() const {
    return readAll(m_log).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  }

  // The task's state as the fake scontrol reports it.
  void setTask(const QString& job, const QString& state, const QString& exit) {
    writeScript(m_bin + "/state-" + job,
                QStringLiteral("JobId=9 ArrayJobId=1001 ArrayTaskId=0 JobName=x\n   JobState=%1 "
                               "Reason=None Dependency=(null)\n   ExitCode=%2 RunTime=00:00:01\n")
                    .arg(state, exit));
  }

  static void shot(QWidget* w, const char* name) {
    const QString dir = QString::fromLocal8Bit(qgetenv("SUBLAB_TEST_SHOTS"));
    if (dir.isEmpty()) return;
    w->resize(1100, 760);
    w->show();
    QTest::qWait(100);
    w->grab().save(dir + QLatin1Char('/') + QLatin1String(name) + ".png");
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_bin = m_dir.filePath("bin");
    QVERIFY(QDir().mkpath(m_bin));
    m_log = m_dir.filePath("sbatch.log");
    // sbatch: one line per call ("folder|arguments"), job ids 1001, 1002, ...
    writeScript(m_bin + "/sbatch", QStringLiteral(R"(#!/bin/sh
echo "$PWD|$*" >> '%1'
n=$(cat '%2/counter' 2>/dev/null || echo 1000); n=$((n + 1)); echo $n > '%2/counter'
echo "$n"
)")
                                       .arg(m_log, m_bin));
    // scontrol show job ID: the file state-ID, else "Invalid job id" and exit 1.
    writeScript(m_bin + "/scontrol", QStringLiteral(R"(#!/bin/sh
[ "$1 $2" = "show job" ] && [ -f '%1/state-'"$3" ] && { cat '%1/state-'"$3"; exit 0; }
echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1
)")
                                         .arg(m_bin));
    m_oldPath = QString::fromLocal8Bit(qgetenv("PATH"));
    qputenv("PATH", (m_bin + ":" + m_oldPath).toLocal8Bit());
    // The tasks would run this CLI; here nothing runs them.
    qputenv("SUBLAB_CLI", "/bin/true");
  }

  void cleanupTestCase() { qputenv("PATH", m_oldPath.toLocal8Bit()); }

  void noSlurmWithoutSbatch() {
    const QByteArray keep = qgetenv("PATH");
    qputenv("PATH", m_dir.filePath("nothing-here").toLocal8Bit());
    SweepDialog d(tinyNumbers(), 1);
    QVERIFY(d.slurmButton() == nullptr);
    QVERIFY(d.slurmBox() == nullptr);
    qputenv("PATH", keep);
  }

  void submitsFromTheDialogAndShowsStates() {
    Project project;
    QString error;
    QVERIFY2(project.open(m_dir.filePath("project.sqlite"), &error), qPrintable(error));

    SweepDialog d(tinyNumbers(), 1);
    QVERIFY(d.slurmButton());
    d.nameEdit()->setText(QStringLiteral("slurm gui"));
    d.axis(0).key->setCurrentIndex(d.axis(0).key->findText(QStringLiteral("filter.max_kept")));
    QVERIFY(d.axis(0).key->currentText() == QStringLiteral("filter.max_kept"));
    d.axis(0).values->setText(QStringLiteral("24, 40"));
    d.revalidate();
    QVERIFY2(d.isValid(), qPrintable(d.validationMessage()));
    nlohmann::json plan;
    sublab::SlurmOptions options;
    QString dir;
    int requests = 0;
    connect(&d, &SweepDialog::slurmRequested, this,
            [&](const nlohmann::json& p, const sublab::SlurmOptions& o, const QString& folder) {
              ++requests;
              plan = p;
              options = o;
              dir = folder;
            });
    // A bad option: the CLI's message, nothing requested.
    d.slurmEdit("gres")->setText(QStringLiteral("gpu 1"));
    QTest::mouseClick(d.slurmButton(), Qt::LeftButton);
    QCOMPARE(requests, 0);
    QVERIFY2(d.messageLabel()->text().contains("--gres \"gpu 1\""),
             qPrintable(d.messageLabel()->text()));

    d.slurmEdit("partition")->setText(QStringLiteral("debug"));
    d.slurmEdit("time")->setText(QStringLiteral("00:10:00"));
    d.slurmEdit("gres")->setText(QStringLiteral("gpu:1"));
    d.slurmEdit("mem")->setText(QStringLiteral("4G"));
    d.slurmEdit("args")->setText(QStringLiteral("--account=lab  --qos=low"));
    d.slurmEdit("dir")->setText(m_dir.filePath("slurm files"));
    d.slurmCpus()->setValue(2);
    d.slurmMaxParallel()->setValue(1);
    d.slurmDevice()->setCurrentText(QStringLiteral("cuda"));
    shot(&d, "sweep_dialog_slurm");
    QTest::mouseClick(d.slurmButton(), Qt::LeftButton);
    QCOMPARE(requests, 1);
    QCOMPARE(options.sbatchArgs, (std::vector<std::string>{"--account=lab", "--qos=low"}));

    QString where;
    const qint64 id = submitSweepToSlurm(project.db(), plan, options, dir, &where, &error);
    QVERIFY2(id > 0, qPrintable(error));
    const QString folder = m_dir.filePath("slurm files");
    const QString script = folder + "/sweep-array.sbatch";
    QVERIFY2(where.contains(script) && where.contains("1001") && where.contains("1002"),
             qPrintable(where));
    // sbatch ran in the folder: the array, then the merge job after it.
    QCOMPARE(sbatchCalls(), (QStringList{folder + "|--parsable sweep-array.sbatch",
                                         folder + "|--parsable --dependency=afterany:1001 "
                                                  "sweep-merge.sbatch"}));
    const QString text = readAll(script);
    for (const char* line :
         {"#SBATCH --array=0-1%1\n", "#SBATCH --partition=debug\n", "#SBATCH --time=00:10:00\n",
          "#SBATCH --cpus-per-task=2\n", "#SBATCH --gres=gpu:1\n", "#SBATCH --mem=4G\n",
          "#SBATCH --account=lab\n", "#SBATCH --qos=low\n", "SUBLAB='/bin/true'\n",
          "--device cuda\n"})
      QVERIFY2(text.contains(QLatin1String(line)), line);
    QVERIFY(readAll(folder + "/sweep-merge.sbatch").contains("#SBATCH --account=lab\n"));
    // The project knows the sweep, its points and where its manifest is.
    QCOMPARE(QString::fromStdString(project.db()->sweepManifest(id)), folder + "/manifest.json");
    QCOMPARE(project.db()->sweepPoints(id).size(), size_t(2));

    // Point 0 runs for real into its shard (as its task would); point 1's task failed before
    // its run could start, and said why in its log.
    const sublab::SweepPlan loaded = sublab::loadSweepPlan((folder + "/plan.json").toStdString());
    {
      sublab::Database shard(sublab::shardPath(folder.toStdString(), 0));
      sublab::SweepOptions so;
      so.onlyPoint = 0;
      so.runtime.threads = 1;
      QCOMPARE(sublab::toString(sublab::runSweep(shard, loaded, so).points[0].status),
               std::string("done"));
    }
    {
      std::ofstream(folder.toStdString() + "/logs/point-1.out")
          << "sublab: sweep point 1\nsublab: error: cannot open the cache folder\n";
    }
    setTask("1001_0", "COMPLETED", "0:0");
    setTask("1001_1", "FAILED", "2:0");

    SweepView view(&project);
    QVERIFY(view.showSweep(id));
    SweepSlurmPanel* panel = view.slurmPanel();
    QVERIFY(!panel->isHidden());
    QVERIFY2(panel->filesLabel()->text().contains(script), qPrintable(panel->filesLabel()->text()));
    QTableWidget* t = panel->table();
    QCOMPARE(t->rowCount(), 2);
    auto row = [t](int r) {
      QStringList cells;
      for (int c = 0; c < t->columnCount(); ++c)
        cells << (t->item(r, c) ? t->item(r, c)->text() : "");
      return cells;
    };
    QCOMPARE(row(0), (QStringList{"1", "1001_0", "COMPLETED", "0:0", "done", ""}));
    QCOMPARE(row(1), (QStringList{"2", "1001_1", "FAILED", "2:0", "none yet",
                                  "sublab: error: cannot open the cache folder"}));
    QVERIFY(panel->resubmitButton()->isEnabled());
    QCOMPARE(view.points().at(0).runId, qint64(0));  // not merged yet

    QTest::mouseClick(panel->mergeButton(), Qt::LeftButton);
    QVERIFY2(panel->messageLabel()->text().contains("1 run(s) added"),
             qPrintable(panel->messageLabel()->text()));
    QVERIFY(view.points().at(0).runId > 0);
    QCOMPARE(sublab::toString(view.points().at(0).status), std::string("done"));
    QTest::mouseClick(panel->mergeButton(), Qt::LeftButton);  // again: nothing new
    QVERIFY2(panel->messageLabel()->text().contains("0 run(s) added"),
             qPrintable(panel->messageLabel()->text()));
    shot(&view, "sweeps_slurm");

    QTest::mouseClick(panel->resubmitButton(), Qt::LeftButton);
    QVERIFY2(panel->messageLabel()->text().contains("Resubmitted point(s) 2 as job array 1003"),
             qPrintable(panel->messageLabel()->text()));
    const QStringList calls = sbatchCalls();
    QCOMPARE(calls.size(), 4);
    QCOMPARE(calls[2], folder + "|--parsable --array=1 sweep-array.sbatch");
    QCOMPARE(calls[3], folder + "|--parsable --dependency=afterany:1003 sweep-merge.sbatch");
    // The resubmitted task is asked for under its new job.
    setTask("1003_1", "PENDING", "0:0");
    panel->refresh();
    QCOMPARE(row(1).mid(1, 3), (QStringList{"1003_1", "PENDING", "0:0"}));
    QVERIFY(!panel->resubmitButton()->isEnabled());
  }
};

QTEST_MAIN(TestSweepSlurm)
#include "test_sweep_slurm.moc"
