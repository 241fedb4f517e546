// Benchmark of the Sweeps tab (offscreen): a sweep of 200 points × 5 seeds stored with known
// figures (a 40 × 5 grid: 5 lines with 95% CI bars, the cross-init contrast alongside), then per
// round: build the SweepView on the project and show the sweep (read the points, fill the table,
// draw), then replot and grab the widget, as the tab does when it is opened. Prints the median
// and the spread of the rounds (target: median < 100 ms).
// Usage: bench_sweep_view [--points N] [--rounds R]
#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/experiment.h"
#include "storage/database.h"
#include "ui/project.h"
#include "ui/qcp.h"
#include "ui/sweep_view.h"

using namespace sublab::ui;

namespace {

double ms(const QElapsedTimer& t) { return t.nsecsElapsed() / 1e6; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

sublab::ConditionSummary figure(const char* name, double mean, int seeds) {
  sublab::ConditionSummary c{name, "trait_prob", {mean, mean - 0.02, mean + 0.02, seeds}, {}};
  for (int s = 0; s < seeds; ++s) c.perSeed.push_back(mean + 0.01 * (s - seeds / 2));
  return c;
}

// A log-spaced knob (x) × a second knob with 5 values: one finished run of 5 seeds per point.
qint64 storeSweep(sublab::Database& db, int points) {
  const int lines = 5, perLine = std::max(1, points / lines);
  const nlohmann::json plan = {
      {"name", "bench sweep"},
      {"axes",
       {{{"key", "teacher.rows"}, {"log", {{"from", 10}, {"to", 100000}, {"count", perLine}}}},
        {{"key", "filter.max_kept"}, {"values", {100, 200, 300, 400, 500}}}}}};
  const sublab::SweepInfo sweep = db.findOrCreateSweep("bench sweep", plan, "bench-sweep-view");
  const nlohmann::json config = sublab::normalizeConfig({{"kind", "numbers"}, {"seeds", 5}});
  db.transaction([&] {
    int index = 0;
    for (int i = 0; i < perLine; ++i)
      for (int l = 0; l < lines; ++l) {
        const double rows = 10 * std::pow(10.0, 4.0 * i / std::max(1, perLine - 1));
        sublab::NewRun nr;
        nr.name = "point " + std::to_string(index);
        nr.config = config;
        nr.status = sublab::RunStatus::Running;
        const int64_t run = db.createRun(nr);
        sublab::ExperimentResult r;
        r.kind = "numbers";
        const double t = 0.02 * l + 0.05 * std::log10(rows);
        r.conditions = {figure("student", 0.1 + t, 5), figure("control", 0.1, 5)};
        r.contrasts = {figure("transfer", t, 5), figure("cross_transfer", t / 4, 5)};
        r.summary = {{"kind", "numbers"}};
        db.saveResult(run, r);
        db.finishRun(run, sublab::RunStatus::Done, 1.0);
        db.setSweepPoint(sweep.id, index++,
                         {{"teacher.rows", std::lround(rows)}, {"filter.max_kept", 100 * (l + 1)}},
                         run);
      }
  });
  return sweep.id;
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  int points = 200, rounds = 9;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--points")
      points = std::atoi(argv[i + 1]);
    else if (a == "--rounds")
      rounds = std::atoi(argv[i + 1]);
  }
  QTemporaryDir dir;
  Project project;
  QString error;
  if (!project.open(dir.filePath("sweep.sqlite"), &error)) {
    std::fprintf(stderr, "bench_sweep_view: %s\n", qPrintable(error));
    return 1;
  }
  const qint64 sweepId = storeSweep(*project.db(), points);

  std::vector<double> build, draw, total, constructed, shown;
  int shownPoints = 0, errorBars = 0;
  for (int r = 0; r < rounds; ++r) {
    QElapsedTimer t;
    t.start();
    SweepView view(&project);
    view.resize(1100, 700);
    constructed.push_back(ms(t));
    view.show();
    shown.push_back(ms(t) - constructed.back());
    if (!view.showSweep(sweepId)) {
      std::fprintf(stderr, "bench_sweep_view: the sweep was not found\n");
      return 1;
    }
    const double built = ms(t);
    QElapsedTimer d;
    d.start();
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    const QPixmap pixels = view.grab();
    draw.push_back(ms(d));
    build.push_back(built);
    total.push_back(ms(t));
    shownPoints = view.points().size();
    errorBars = 0;
    for (int i = 0; i < view.plot()->plottableCount(); ++i)
      if (auto* e = qobject_cast<QCPErrorBars*>(view.plot()->plottable(i)))
        errorBars += e->dataCount();
    if (pixels.isNull()) return 1;
    if (r == 0 && qEnvironmentVariableIsSet("SUBLAB_BENCH_SHOT"))
      pixels.save(qEnvironmentVariable("SUBLAB_BENCH_SHOT"));
  }
  {  // Where the time goes: reading the points' runs alone.
    QElapsedTimer t;
    t.start();
    int found = 0;
    for (const auto& p : project.db()->sweepPoints(sweepId))
      if (project.db()->findRun(p.runId)) ++found;
    std::printf("  reading %d points' runs (findRun each): %.1f ms\n", found, ms(t));
    SweepView view(&project);
    view.resize(1100, 700);
    view.show();
    t.restart();
    view.refresh();
    std::printf("  refresh (read + table + draw): %.1f ms\n", ms(t));
  }
  std::printf(
      "bench_sweep_view: %d points x 5 seeds (%d CI bars), %d rounds, 1100x700 offscreen\n"
      "  build + show the sweep: median %6.1f ms  (min %.1f, max %.1f; of which constructing "
      "the view, which reads and draws the newest sweep, %.1f, showing it %.1f)\n"
      "  replot + grab:          median %6.1f ms  (min %.1f, max %.1f)\n"
      "  total:                  median %6.1f ms  (target < 100)\n",
      shownPoints, errorBars, rounds, median(build), *std::min_element(build.begin(), build.end()),
      *std::max_element(build.begin(), build.end()), median(constructed), median(shown),
      median(draw), *std::min_element(draw.begin(), draw.end()),
      *std::max_element(draw.begin(), draw.end()), median(total));
  return 0;
}
