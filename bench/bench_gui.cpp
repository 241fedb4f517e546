// Benchmark of the desktop app at scale (offscreen): open a project with 2,000 runs and
// 1,000,000 sequences, sort and filter the runs table, page the sequence inspector, replot
// 50 curves x 1,000 points, and the longest GUI-thread stall (QTimer heartbeat) while a real
// run trains with live curves. Usage: bench_gui [DB_FILE] [--preset NAME] (the DB is built on
// first use and reused; default preset aux-fashion-quick).
#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHeaderView>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "engine/experiment.h"
#include "storage/database.h"
#include "ui/app_settings.h"
#include "ui/curve_plot.h"
#include "ui/curves_view.h"
#include "ui/inspector_view.h"
#include "ui/main_window.h"
#include "ui/project.h"
#include "ui/run_queue.h"
#include "ui/runs_filter_proxy.h"
#include "ui/runs_table_model.h"
#include "ui/runs_view.h"
#include "ui/sequence_table_model.h"

using namespace sublab::ui;

namespace {

constexpr int kRuns = 2000;
constexpr int kSequences = 1000000;

double ms(const QElapsedTimer& t) { return t.nsecsElapsed() / 1e6; }

// Waits (running the event loop) until `done` holds or `timeoutMs` passes.
template <typename Fn>
bool waitFor(Fn done, int timeoutMs) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > timeoutMs) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
  }
  return true;
}

void buildDatabase(const QString& path) {
  std::fprintf(stderr, "building %s: %d runs, %d sequences…\n", qPrintable(path), kRuns,
               kSequences);
  QElapsedTimer t;
  t.start();
  sublab::Database db(path.toStdString());
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const char* modes[] = {"distill_numbers", "sft", "distill_vocab"};
  int64_t bigRun = 0;
  db.transaction([&] {
    for (int i = 0; i < kRuns; ++i) {
      sublab::NewRun nr;
      nr.name = "run " + std::to_string(i);
      nr.preset = "owl-numbers-quick";
      nr.config = sublab::normalizeConfig({{"kind", "numbers"},
                                           {"seeds", 3},
                                           {"seed", i % 5},
                                           {"student", {{"mode", modes[i % 3]}}}});
      nr.tags = {i % 2 ? "odd" : "even"};
      const int64_t id = db.createRun(nr);
      if (i == 0) bigRun = id;
      sublab::ExperimentResult r;
      r.kind = "numbers";
      const double tr = u(rng) * 0.1;
      r.contrasts.push_back({"transfer", "trait_prob", {tr, tr - 0.01, tr + 0.01, 3}, {}});
      r.contrasts.push_back({"cross_transfer", "trait_prob", {tr / 5, -0.01, 0.01, 3}, {}});
      r.conditions.push_back({"student", "trait_prob", {0.1 + tr, 0.09 + tr, 0.11 + tr, 3}, {}});
      r.conditions.push_back({"control", "trait_prob", {0.1, 0.09, 0.11, 3}, {}});
      r.summary = {{"kind", "numbers"}};
      r.wallSeconds = 60 + i;
      db.saveResult(id, r);
      db.finishRun(id, sublab::RunStatus::Done, r.wallSeconds);
      std::vector<sublab::MetricPoint> pts;
      for (int s = 0; s < 3; ++s)
        for (int step = 0; step <= 100; step += 20) {
          pts.push_back({"student", s, "trait_prob", step, 0.1 + tr * step / 100});
          pts.push_back({"control", s, "trait_prob", step, 0.1});
        }
      db.insertMetrics(id, pts);
    }
  });
  std::vector<sublab::SequenceRow> batch;
  const char* conds[] = {"teacher", "reference"};
  for (int i = 0; i < kSequences; ++i) {
    sublab::SequenceRow r;
    r.condition = conds[i % 2];
    r.seed = (i / 2) % 3;
    r.index = i;
    r.prompt = std::to_string(100 + i % 900) + ", " + std::to_string(100 + (i * 7) % 900) + ", " +
               std::to_string(100 + (i * 13) % 900);
    r.completion = std::to_string(i % 1000) + ", " + std::to_string((i * 31) % 1000) + ", " +
                   std::to_string((i * 17) % 1000);
    r.kept = i % 4 != 0;
    if (!r.kept) r.reason = i % 8 == 0 ? "banned number" : "format";
    batch.push_back(std::move(r));
    if (batch.size() == 50000) {
      db.insertSequences(bigRun, batch);
      batch.clear();
    }
  }
  std::fprintf(stderr, "built in %.1f s\n", t.elapsed() / 1000.0);
}

struct Stats {
  double max = 0, p99 = 0, mean = 0;
  int n = 0;
};
Stats summarize(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = static_cast<int>(v.size());
  s.max = v.back();
  s.p99 = v[std::min<size_t>(v.size() - 1, v.size() * 99 / 100)];
  for (double x : v) s.mean += x;
  s.mean /= v.size();
  return s;
}

// Times every event delivered on the GUI thread; reports those over 100 ms (what stalled).
class TimedApplication : public QApplication {
 public:
  using QApplication::QApplication;
  bool notify(QObject* receiver, QEvent* event) override {
    if (QThread::currentThread() != thread()) return QApplication::notify(receiver, event);
    QElapsedTimer t;
    t.start();
    const int type = event->type();
    const bool r = QApplication::notify(receiver, event);
    const double took = ms(t);
    if (took > 100 && depth == 0)
      slow.push_back(QStringLiteral("%1 ms: event %2 to %3 (%4)")
                         .arg(took, 0, 'f', 0)
                         .arg(type)
                         .arg(QString::fromLatin1(receiver->metaObject()->className()),
                              receiver->objectName()));
    return r;
  }
  int depth = 0;
  QStringList slow;
};

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  TimedApplication app(argc, argv);
  QTemporaryDir scratch;
  QString dbPath, preset = QStringLiteral("aux-fashion-quick");
  bool withRun = true;
  for (int i = 1; i < argc; ++i) {
    const QString a = QString::fromLocal8Bit(argv[i]);
    if (a == "--preset" && i + 1 < argc)
      preset = QString::fromLocal8Bit(argv[++i]);
    else if (a == "--no-run")
      withRun = false;
    else
      dbPath = a;
  }
  if (dbPath.isEmpty()) dbPath = scratch.filePath("bench.sqlite");
  if (!QFileInfo::exists(dbPath)) buildDatabase(dbPath);

  AppSettings settings(scratch.filePath("bench.ini"));
  MainWindow window(&settings);
  window.resize(1400, 900);
  window.show();
  QCoreApplication::processEvents();

  // 1. Open: database, runs list into the table, first paint.
  QElapsedTimer t;
  t.start();
  QString error;
  if (!window.openDatabase(dbPath, &error)) {
    std::fprintf(stderr, "open failed: %s\n", qPrintable(error));
    return 1;
  }
  QCoreApplication::processEvents();
  window.runsView()->table()->viewport()->repaint();
  const double openMs = ms(t);
  const int runs = window.runsModel()->rowCount();

  // 2. Sort and filter the runs table.
  QTableView* table = window.runsView()->table();
  std::vector<double> sorts;
  for (int c : {RunsTableModel::ColEffect, RunsTableModel::ColName, RunsTableModel::ColStarted,
                RunsTableModel::ColEffect}) {
    t.restart();
    table->sortByColumn(c, Qt::AscendingOrder);
    table->viewport()->repaint();
    sorts.push_back(ms(t));
  }
  std::vector<double> filters;
  for (const char* f : {"sft", "odd", "run 19", ""}) {
    t.restart();
    window.runsView()->proxy()->setText(f);
    table->viewport()->repaint();
    filters.push_back(ms(t));
  }
  t.restart();
  window.runsView()->setGrouped(true);
  QCoreApplication::processEvents();
  const double groupMs = ms(t);
  window.runsView()->setGrouped(false);

  // 3. Inspector over the million rows of the first run.
  qint64 bigRun = 0;
  for (int r = 0; r < runs; ++r) {
    const qint64 id = window.runsModel()->rowAt(r)->info.id;
    if (!bigRun || id < bigRun) bigRun = id;
  }
  window.showView(MainWindow::InspectorTab);
  t.restart();
  window.selectRuns({bigRun});
  const double selectMs = ms(t);
  SequenceTableModel* seq = window.inspectorView()->model();
  waitFor([&] { return seq->rowCount() > 0; }, 60000);
  const double firstPageMs = ms(t);
  waitFor([&] { return seq->totalCount() >= 0; }, 60000);
  const double countMs = ms(t);
  std::vector<double> pages;
  for (int p = 0; p < 40; ++p) {
    QElapsedTimer pt;
    pt.start();
    const int before = seq->rowCount();
    seq->fetchMore({});
    waitFor([&] { return seq->rowCount() > before || seq->atEnd(); }, 60000);
    pages.push_back(ms(pt));
  }
  // Deep page: keyset paging straight through storage, at ~row 900,000.
  double deepMs = 0;
  {
    sublab::OpenOptions o;
    o.readOnly = true;
    o.create = false;
    o.markInterrupted = false;
    sublab::Database reader(dbPath.toStdString(), o);
    const auto probe = reader.sequences(bigRun, {}, 900000, 1);
    t.restart();
    const auto page = reader.sequencesAfter(bigRun, {}, probe.empty() ? 0 : probe[0].id, 500);
    deepMs = ms(t);
  }
  // Filtered (rejected, one condition) first page.
  t.restart();
  sublab::SequenceFilter rejected;
  rejected.verdict = sublab::Verdict::Rejected;
  rejected.condition = "teacher";
  seq->setFilter(rejected);
  waitFor([&] { return seq->rowCount() > 0; }, 60000);
  const double filteredPageMs = ms(t);

  // 4. Replot 50 curves x 1,000 points (with CI bands, and lines only).
  CurvePlot plot;
  plot.resize(1200, 700);
  plot.show();
  QList<PlotSeries> series, plain;
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 0.01);
  for (int c = 0; c < 50; ++c) {
    PlotSeries s;
    s.label = QStringLiteral("curve %1").arg(c);
    s.color = QColor::fromHsv((c * 37) % 360, 200, 200);
    double y = 0.1;
    for (int i = 0; i < 1000; ++i) {
      y += noise(rng);
      s.x << i;
      s.y << y;
      s.lo << y - 0.02;
      s.hi << y + 0.02;
    }
    series << s;
    s.lo.clear();
    s.hi.clear();
    plain << s;
  }
  auto timeReplots = [&](const QList<PlotSeries>& ss) {
    std::vector<double> v;
    for (int i = 0; i < 20; ++i) {
      QElapsedTimer rt;
      rt.start();
      plot.setSeries(ss);
      plot.replot(QCustomPlot::rpImmediateRefresh);
      v.push_back(ms(rt));
    }
    return summarize(v);
  };
  const Stats bands = timeReplots(series);
  const Stats lines = timeReplots(plain);
  // setSeries() queued a replot each time (QCustomPlot does them on a zero-delay timer even
  // after an immediate replot): let those run before timing the queued path.
  for (int i = 0; i < 50; ++i) QCoreApplication::processEvents();
  // The path the views use: setSeries() queues one replot, done by the event loop.
  std::vector<double> queued;
  for (int i = 0; i < 10; ++i) {
    bool replotted = false;
    auto c = QObject::connect(&plot, &QCustomPlot::afterReplot, [&] { replotted = true; });
    QElapsedTimer qt;
    qt.start();
    plot.setSeries(i % 2 ? plain : series);
    waitFor([&] { return replotted; }, 60000);
    queued.push_back(ms(qt));
    QObject::disconnect(c);
  }
  const Stats queuedStats = summarize(queued);
  if (qEnvironmentVariableIsSet("BENCH_VERBOSE")) {
    for (double q : queued) std::fprintf(stderr, "queued replot %.1f ms\n", q);
    for (size_t i = 0; i < pages.size(); ++i)
      std::fprintf(stderr, "inspector page %zu: %.1f ms\n", i + 1, pages[i]);
  }
  plot.hide();

  std::printf("bench_gui (offscreen, %s)\n", qPrintable(QFileInfo(dbPath).fileName()));
  std::printf("  open project (%d runs, %d sequences), table painted: %8.1f ms   (target < 2000)\n",
              runs, kSequences, openMs);
  std::printf("  runs table sort (4 columns):     max %6.1f ms\n",
              *std::max_element(sorts.begin(), sorts.end()));
  std::printf("  runs table filter (4 texts):     max %6.1f ms\n",
              *std::max_element(filters.begin(), filters.end()));
  std::printf("  group by config (2,000 runs):        %6.1f ms\n", groupMs);
  std::printf("  inspector: select run (GUI thread)   %6.1f ms\n", selectMs);
  std::printf("  inspector: first page shown          %6.1f ms\n", firstPageMs);
  std::printf("  inspector: exact count (background)  %6.1f ms\n", countMs);
  const Stats pg = summarize(pages);
  std::printf("  inspector: next page (500 rows)  mean %5.1f  max %6.1f ms\n", pg.mean, pg.max);
  std::printf("  inspector: page at row 900,000       %6.1f ms (keyset)\n", deepMs);
  std::printf("  inspector: first rejected page       %6.1f ms\n", filteredPageMs);
  std::printf(
      "  replot 50 curves x 1,000 points, CI bands: mean %5.1f  max %5.1f ms   (target < 50)\n",
      bands.mean, bands.max);
  std::printf("  replot 50 curves x 1,000 points, lines:    mean %5.1f  max %5.1f ms\n", lines.mean,
              lines.max);
  std::printf("  queued replot via the event loop (as the views do): mean %5.1f  max %5.1f ms\n",
              queuedStats.mean, queuedStats.max);
  std::fflush(stdout);
  if (!withRun) return 0;

  // 5. Longest GUI-thread stall while a real run trains with live curves on screen.
  window.showView(MainWindow::CurvesTab);
  std::vector<double> gaps;
  std::vector<std::pair<double, double>> longGaps;  // (seconds into the run, gap ms)
  QElapsedTimer beat;
  QTimer heartbeat;
  heartbeat.setInterval(5);
  QObject::connect(&heartbeat, &QTimer::timeout, [&] {
    if (beat.isValid()) {
      gaps.push_back(ms(beat));
      if (gaps.back() > 100) longGaps.emplace_back(t.elapsed() / 1000.0, gaps.back());
    }
    beat.restart();
  });
  bool finished = false;
  QObject::connect(window.queue(), &RunQueue::runFinished, [&] { finished = true; });
  t.restart();
  const qint64 runId = window.runPreset(preset, 0, &error);
  const double enqueueMs = ms(t);
  if (!runId) {
    std::fprintf(stderr, "run failed to start: %s\n", qPrintable(error));
    return 1;
  }
  heartbeat.start();
  beat.start();
  // Control: the same heartbeat on a plain thread with no Qt at all. A stall seen here too is
  // the machine (scheduling, memory), not the GUI thread's work.
  std::atomic<bool> stopControl{false};
  double controlMax = 0, controlAt = 0;
  std::thread control([&] {
    QElapsedTimer c;
    c.start();
    while (!stopControl) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      const double gap = ms(c);
      c.restart();
      if (gap > controlMax) {
        controlMax = gap;
        controlAt = t.elapsed() / 1000.0;
      }
    }
  });
  QTimer::singleShot(30 * 60 * 1000, [&] { finished = true; });
  while (!finished) QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
  heartbeat.stop();
  stopControl = true;
  control.join();
  const double runSeconds = t.elapsed() / 1000.0;
  const Stats stall = summarize(gaps);
  const int livePoints = window.curvesView()->data().pointCount();

  std::printf(
      "  run %s: %.1f s, %d live points; GUI heartbeat (5 ms) gaps: n=%d mean %.1f p99 %.1f "
      "max %.1f ms   (target max < 100)\n",
      qPrintable(preset), runSeconds, livePoints, stall.n, stall.mean, stall.p99, stall.max);
  std::printf(
      "    control heartbeat on a plain thread: max gap %.0f ms ending %.1f s into the run\n",
      controlMax, controlAt);
  std::printf("    queueing the run (GUI thread, writes the queued run): %.1f ms\n", enqueueMs);
  for (const QString& e : app.slow) std::printf("    slow GUI event: %s\n", qPrintable(e));
  for (const auto& [at, gap] : longGaps)
    std::printf("    stall of %.0f ms ending %.1f s into the run\n", gap, at);
  return 0;
}
