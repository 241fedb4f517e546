// The views take what they say about a kind from the engine's description (engine/kinds.h):
// for every kind, the curves, compare and results views' axis labels and default metric, the
// runs table's headline figures and tooltips, the kind filter and the experiment dialog's kinds
// and repetition count. A run of a kind this build does not know still displays, generically.
#include <QCheckBox>
#include <QComboBox>
#include <QSpinBox>
#include <QtTest/QtTest>

#include "engine/chat/demo_model.h"
#include "engine/kinds.h"
#include "tests/minimal_config.h"
#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/aux_view.h"
#include "ui/compare_view.h"
#include "ui/config_form.h"
#include "ui/curve_plot.h"
#include "ui/curves_view.h"
#include "ui/experiment_dialog.h"
#include "ui/palette.h"
#include "ui/project.h"
#include "ui/run_kind.h"
#include "ui/runs_table_model.h"
#include "ui/runs_view.h"
#include "ui/stats_view.h"

using namespace sublab::ui;

namespace {

// The value stored for the i-th condition or contrast: small, so that a metric not shown on its
// full scale zooms in on the bars.
double storedValue(size_t i) { return 0.02 * double(i + 1); }

// A finished run of `kind`: curves of its headline metric for two conditions and two seeds,
// and a summary row for every condition and contrast (storedValue of its position).
qint64 addRun(sublab::Database& db, const std::string& kind, const nlohmann::json& config,
              const std::string& metric, const std::vector<std::string>& conditions,
              const std::vector<std::string>& contrasts) {
  sublab::NewRun nr;
  nr.name = kind + "-run";
  nr.config = config;
  nr.status = sublab::RunStatus::Running;
  const int64_t id = db.createRun(nr);
  std::vector<sublab::MetricPoint> pts;
  for (size_t c = 0; c < conditions.size() && c < 2; ++c)
    for (int seed = 0; seed < 2; ++seed)
      for (int step = 0; step <= 2; ++step)
        pts.push_back({conditions[c], seed, metric, step, storedValue(c) + 0.001 * seed});
  db.insertMetrics(id, pts);
  sublab::ExperimentResult r;
  r.kind = kind;
  for (size_t i = 0; i < conditions.size(); ++i) {
    const double v = storedValue(i);
    r.conditions.push_back(uitest::summary(conditions[i], metric, v, v - 0.005, v + 0.005));
  }
  for (size_t i = 0; i < contrasts.size(); ++i) {
    const double v = storedValue(i);
    r.contrasts.push_back(uitest::summary(contrasts[i], metric, v, v - 0.005, v + 0.005));
  }
  r.summary = {{"kind", kind}};
  db.saveResult(id, r);
  db.finishRun(id, sublab::RunStatus::Done, 1.0);
  return id;
}

// The value addRun stored for `name` (a condition or a contrast), formatted as the table shows.
QString storedFigure(const std::vector<std::string>& names, const std::string& name) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return {};
  const double v = storedValue(size_t(it - names.begin()));
  Figure f;
  f.mean = v;
  f.lo = v - 0.005;
  f.hi = v + 0.005;
  f.valid = true;
  return formatFigure(f);
}

}  // namespace

class TestKindDescriptions : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::string m_modelFolder;  // a demo checkpoint for kinds that need a model folder
  Project m_project;
  std::map<std::string, qint64> m_runs;  // kind name -> run
  qint64 m_unknown = 0;

 private Q_SLOTS:
  void initTestCase() {
    QString error;
    QVERIFY2(m_project.open(m_dir.filePath("kinds.sqlite"), &error), qPrintable(error));
    QVERIFY(sublab::kindDescriptions().size() >= 2);
    m_modelFolder = m_dir.filePath("demo-model").toStdString();
    sublab::writeDemoChatModel(m_modelFolder, {0, 0});
    for (const sublab::KindDescription& d : sublab::kindDescriptions()) {
      std::vector<std::string> contrasts;
      for (const sublab::ContrastSpec& c : d.contrasts) contrasts.push_back(c.name);
      m_runs[d.name] = addRun(*m_project.db(), d.name,
                              sublab::normalizeConfig(sublabtest::minimalConfig(d.name)), d.metric,
                              d.conditions, contrasts);
    }
    // A kind from a newer version: its config is not one this build can read.
    m_unknown = addRun(*m_project.db(), "future", {{"kind", "future"}, {"seed", 0}}, "score",
                       {"alpha", "beta"}, {"gap"});
  }

  void curvesAndCompareUseTheDescription() {
    for (const sublab::KindDescription& d : sublab::kindDescriptions()) {
      const QString step = QString::fromStdString(d.stepLabel);
      const QString label = QString::fromStdString(d.metricLabel);
      QVERIFY(!step.isEmpty() && !label.isEmpty());
      CurvesView curves(&m_project, nullptr);
      curves.setRun(m_runs[d.name]);
      QCOMPARE(curves.metric(), QString::fromStdString(d.metric));
      QCOMPARE(curves.plot()->xAxis->label(), step);
      QCOMPARE(curves.plot()->yAxis->label(), label);
      // addRun stores curves of the first two conditions (a kind may have only one).
      QCOMPARE(curves.plot()->series().size(), int(std::min<size_t>(2, d.conditions.size())));
      QCOMPARE(curves.plot()->series().first().label,
               conditionLabel(QString::fromStdString(d.conditions.front())));
      auto* members = curves.findChild<QCheckBox*>("showSeeds");
      QVERIFY(members);
      // A kind without repetitions (an imported dataset) says seeds, as for an unknown kind.
      QCOMPARE(members->text(),
               "Show " + QString::fromStdString(d.repetitionKey.empty() ? std::string("seeds")
                                                                        : d.repetitionKey));

      // Compare of runs of one kind: that kind's labels (the y label: its headline metric).
      CompareView compare(&m_project, nullptr);
      compare.setRuns({m_runs[d.name]});
      QCOMPARE(compare.plot()->xAxis->label(), step);
      QCOMPARE(compare.plot()->yAxis->label(), label);
    }
  }

  void resultsViewUsesTheDescription() {
    for (const sublab::KindDescription& d : sublab::kindDescriptions()) {
      AuxView view(&m_project, nullptr);
      view.setRun(m_runs[d.name]);
      QCOMPARE(view.epochPlot()->xAxis->label(), QString::fromStdString(d.stepLabel));
      QCOMPARE(view.epochPlot()->yAxis->label(), QString::fromStdString(d.metricLabel));
      QVERIFY2(view.barPlot()->yAxis->label().startsWith(QString::fromStdString(d.metricLabel)),
               qPrintable(view.barPlot()->yAxis->label()));
      // One bar per condition (contrasts are not bars), in the description's order.
      QCOMPARE(view.bars().size(), int(d.conditions.size()));
      for (int i = 0; i < view.bars().size(); ++i)
        QCOMPARE(view.bars()[i].condition, QString::fromStdString(d.conditions[size_t(i)]));
      const double yMax = view.barPlot()->yAxis->range().upper;
      QVERIFY2(d.metricFullScale ? yMax >= 1.0 : yMax < 1.0, qPrintable(QString::number(yMax)));
    }
  }

  void runsTableUsesTheDescription() {
    RunsTableModel model(&m_project);
    model.reload();
    const QString effectHeader =
        model.headerData(RunsTableModel::ColEffect, Qt::Horizontal, Qt::ToolTipRole).toString();
    const QString crossHeader =
        model.headerData(RunsTableModel::ColCross, Qt::Horizontal, Qt::ToolTipRole).toString();
    for (const sublab::KindDescription& d : sublab::kindDescriptions()) {
      const int row = model.rowOfRun(m_runs[d.name]);
      QVERIFY(row >= 0);
      const QModelIndex effect = model.index(row, RunsTableModel::ColEffect);
      const QModelIndex cross = model.index(row, RunsTableModel::ColCross);
      QCOMPARE(effect.data(Qt::ToolTipRole).toString(),
               QString::fromStdString(d.effect.description));
      QCOMPARE(cross.data(Qt::ToolTipRole).toString(), QString::fromStdString(d.cross.description));
      std::vector<std::string> contrasts;
      for (const sublab::ContrastSpec& c : d.contrasts) contrasts.push_back(c.name);
      const auto& names = [&](const sublab::FigureRef& f) -> const std::vector<std::string>& {
        return f.contrast ? contrasts : d.conditions;
      };
      // A figure the kind does not have (an imported dataset trains nothing) reads "—".
      const auto shown = [&](const sublab::FigureRef& f) {
        return f.name.empty() ? QString("\u2014") : storedFigure(names(f), f.name);
      };
      QCOMPARE(effect.data().toString(), shown(d.effect));
      QCOMPARE(cross.data().toString(), shown(d.cross));
      QVERIFY(!effect.data().toString().isEmpty());
      QVERIFY(effectHeader.contains(QString::fromStdString(d.name + ": " + d.effect.description)));
      QVERIFY(crossHeader.contains(QString::fromStdString(d.name + ": " + d.cross.description)));
    }

    RunsView view(&m_project, &model);
    auto* filter = view.findChild<QComboBox*>("kindFilter");
    QVERIFY(filter);
    QStringList kinds;
    for (int i = 1; i < filter->count(); ++i) kinds << filter->itemData(i).toString();
    QStringList expected;
    for (const sublab::KindDescription& d : sublab::kindDescriptions())
      expected << QString::fromStdString(d.name);
    QCOMPARE(kinds, expected);
  }

  void experimentDialogUsesTheDescription() {
    AppSettings settings(m_dir.filePath("dialog.ini"));
    ExperimentDialog dialog(&settings);
    const auto& all = sublab::kindDescriptions();
    QCOMPARE(dialog.kindBox()->count(), int(all.size()));
    for (int i = 0; i < int(all.size()); ++i) {
      const sublab::KindDescription& d = all[size_t(i)];
      QCOMPARE(dialog.kindBox()->itemText(i), QString::fromStdString(d.title));
      QCOMPARE(dialog.kindBox()->itemData(i).toString(), QString::fromStdString(d.name));
      // The spin box above the form sets the kind's repetition count.
      dialog.setKind(QString::fromStdString(d.name));
      // A kind that reads a model folder has no default for it: give the form a real one (the
      // form checks it live), the engine's untrained demo checkpoint.
      dialog.form()->setValues(sublabtest::minimalConfig(d.name, m_modelFolder));
      if (d.repetitionKey.empty()) {  // nothing to repeat: no spin box
        QVERIFY(!dialog.seedsBox()->isVisibleTo(&dialog));
        QCOMPARE(dialog.spec().config.value("kind", std::string()), d.name);
        continue;
      }
      QVERIFY(dialog.seedsBox()->isVisibleTo(&dialog));
      dialog.seedsBox()->setValue(2);
      const nlohmann::json config = dialog.spec().config;
      QCOMPARE(config.value("kind", std::string()), d.name);
      QCOMPARE(config.value(d.repetitionKey, 0), 2);
    }
  }

  void unknownKindDisplaysGenerically() {
    const sublab::KindDescription generic = describeKind(std::string("future"));
    QCOMPARE(generic.title, std::string("future"));
    QVERIFY(generic.effect.name.empty());

    CurvesView curves(&m_project, nullptr);
    curves.setRun(m_unknown);
    QCOMPARE(curves.metric(), QString("score"));
    QCOMPARE(curves.plot()->xAxis->label(), QString("step"));
    QCOMPARE(curves.plot()->yAxis->label(), QString("score"));
    QCOMPARE(curves.plot()->series().size(), 2);

    RunsTableModel model(&m_project);
    model.reload();
    const int row = model.rowOfRun(m_unknown);
    QVERIFY(row >= 0);
    QCOMPARE(model.index(row, RunsTableModel::ColKind).data().toString(), QString("future"));
    QVERIFY(model.index(row, RunsTableModel::ColEffect).data().toString().isEmpty());
    QVERIFY(model.index(row, RunsTableModel::ColEffect).data(Qt::ToolTipRole).toString().isEmpty());

    AuxView results(&m_project, nullptr);
    results.setRun(m_unknown);
    QCOMPARE(results.bars().size(), 2);  // its conditions' first metric
    QCOMPARE(results.epochPlot()->xAxis->label(), QString("step"));

    StatsView stats(&m_project, nullptr);
    QSignalSpy computed(&stats, &StatsView::computed);
    stats.setRun(m_unknown);
    QVERIFY(computed.wait(15000));
    QVERIFY(!stats.stats());
    QVERIFY2(stats.message().contains("no generated sequences"), qPrintable(stats.message()));
  }

  void noSequencesMessageComesFromTheDescription() {
    for (const sublab::KindDescription& d : sublab::kindDescriptions()) {
      if (d.hasSequences) continue;
      StatsView stats(&m_project, nullptr);
      QSignalSpy computed(&stats, &StatsView::computed);
      stats.setRun(m_runs[d.name]);
      QVERIFY(computed.wait(15000));
      QVERIFY(!stats.stats());
      QCOMPARE(stats.message(), QStringLiteral("Run #%1 is %2")
                                    .arg(m_runs[d.name])
                                    .arg(QString::fromStdString(d.noSequencesReason)));
    }
  }
};

QTEST_MAIN(TestKindDescriptions)
#include "test_kind_descriptions.moc"
