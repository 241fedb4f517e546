// Exports write valid files: a chart as PNG (PNG signature, decodable), PDF (%PDF header) and
// SVG (XML with an <svg> root); tables and series as CSV with a header and one line per row,
// quoting fields that need it; the inspector's export streams every matching row.
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QStandardItemModel>
#include <QSvgRenderer>
#include <QXmlStreamReader>
#include <QtTest/QtTest>

#include "tests/ui/ui_test_util.h"
#include "ui/app_settings.h"
#include "ui/aux_view.h"
#include "ui/curve_plot.h"
#include "ui/curves_view.h"
#include "ui/export_util.h"
#include "ui/exportable.h"
#include "ui/inspector_view.h"
#include "ui/project.h"

using namespace sublab::ui;

class TestExports : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;

  static QByteArray head(const QString& path, int n) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.read(n);
  }
  static QStringList lines(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return {};
    return QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
  }

  static CurvePlot* makePlot(QWidget* parent) {
    auto* plot = new CurvePlot(parent);
    PlotSeries s;
    s.label = "student";
    s.color = Qt::red;
    for (int i = 0; i < 20; ++i) {
      s.x << i;
      s.y << 0.1 + 0.01 * i;
      s.lo << 0.09 + 0.01 * i;
      s.hi << 0.11 + 0.01 * i;
    }
    plot->setSeries({s});
    return plot;
  }

 private Q_SLOTS:
  void chartFormats() {
    QWidget host;
    CurvePlot* plot = makePlot(&host);
    plot->resize(640, 400);
    QString error;
    const QString png = m_dir.filePath("c.png"), pdf = m_dir.filePath("c.pdf"),
                  svg = m_dir.filePath("c.svg");
    QVERIFY2(exportPlot(plot, png, &error), qPrintable(error));
    QVERIFY2(exportPlot(plot, pdf, &error), qPrintable(error));
    QVERIFY2(exportPlot(plot, svg, &error), qPrintable(error));
    QCOMPARE(head(png, 8), QByteArray("\x89PNG\r\n\x1a\n", 8));
    QImage image(png);
    QCOMPARE(image.size(), QSize(640, 400));
    // The red mean line is in the picture.
    bool red = false;
    for (int y = 0; y < image.height() && !red; ++y)
      for (int x = 0; x < image.width() && !red; ++x) {
        const QColor c = image.pixelColor(x, y);
        red = c.red() > 200 && c.green() < 60 && c.blue() < 60;
      }
    QVERIFY(red);
    QCOMPARE(head(pdf, 5), QByteArray("%PDF-"));
    QFile f(svg);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&f);
    bool root = false;
    while (!xml.atEnd()) {
      xml.readNext();
      if (xml.isStartElement() && !root) {
        QCOMPARE(xml.name().toString(), QString("svg"));
        root = true;
      }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(root);
    QVERIFY(!exportPlot(plot, m_dir.filePath("c.bmp"), &error));
    QVERIFY(error.contains(".png"));
  }

  // Bug: PNGs were written uncompressed (about 3 bytes a pixel) and SVG titles were the widget's
  // internal name ("curvesPlot"). Charts exported from a view are compressed and titled with
  // the run's name and the chart's.
  void viewChartsAreCompressedAndTitled() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("t.sqlite"), &error));
    const qint64 run = uitest::addNumbersRun(*project.db(), "owl test", 0.1);
    AppSettings settings(m_dir.filePath("t.ini"));
    CurvesView curves(&project, &settings);
    curves.resize(900, 500);
    curves.show();
    QVERIFY(QTest::qWaitForWindowExposed(&curves));
    curves.setRun(run);
    const auto charts = curves.exportCharts();
    QVERIFY(!charts.isEmpty());
    QCustomPlot* plot = charts.first().second;
    const QString png = m_dir.filePath("view.png"), svg = m_dir.filePath("view.svg");
    QVERIFY2(exportPlot(plot, png, &error), qPrintable(error));
    const QImage image(png);
    QVERIFY(!image.isNull());
    const qint64 raw = qint64(image.width()) * image.height();
    QVERIFY2(QFileInfo(png).size() < raw / 2,
             qPrintable(QString("%1 bytes for %2 pixels").arg(QFileInfo(png).size()).arg(raw)));
    QVERIFY2(exportPlot(plot, svg, &error), qPrintable(error));
    QFile f(svg);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&f);
    QString title;
    while (!xml.atEnd()) {
      xml.readNext();
      if (xml.isStartElement() && xml.name() == QLatin1String("title")) {
        title = xml.readElementText();
        break;
      }
    }
    QVERIFY2(title.contains("owl test"), qPrintable(title));
    QVERIFY2(!title.contains("curvesPlot"), qPrintable(title));
  }

  // Bug: in SVG exports the legend labels sat off their line samples (the text was sized for
  // another resolution than the boxes laid out around it). Rendered back, each label is
  // centred on its sample as on screen.
  void svgLegendLabelsSitOnTheirSamples() {
    QWidget host;
    CurvePlot* plot = makePlot(&host);
    plot->resize(640, 400);
    plot->replot();
    const QString svg = m_dir.filePath("legend.svg");
    QString error;
    QVERIFY2(exportPlot(plot, svg, &error, 640, 400), qPrintable(error));
    QSvgRenderer renderer(svg);
    QVERIFY(renderer.isValid());
    QImage fromSvg(640, 400, QImage::Format_ARGB32);
    fromSvg.fill(Qt::white);
    {
      QPainter p(&fromSvg);
      renderer.render(&p, QRectF(0, 0, 640, 400));
    }
    const QImage onScreen = plot->toPixmap(640, 400, 1.0).toImage();
    const QRect legend = plot->legend->outerRect().adjusted(1, 1, -1, -1);
    // Mean row of the red sample line and of the dark label text inside the legend.
    const auto rows = [&](const QImage& img, double* red, double* text) {
      double rs = 0, rn = 0, ts = 0, tn = 0;
      for (int y = legend.top(); y <= legend.bottom(); ++y)
        for (int x = legend.left(); x <= legend.right(); ++x) {
          const QColor c = img.pixelColor(x, y);
          if (c.red() > 200 && c.green() < 80 && c.blue() < 80) {
            rs += y;
            ++rn;
          } else if (qGray(c.rgb()) < 110) {
            ts += y;
            ++tn;
          }
        }
      *red = rn ? rs / rn : -1;
      *text = tn ? ts / tn : -1;
    };
    double screenRed, screenText, svgRed, svgText;
    rows(onScreen, &screenRed, &screenText);
    rows(fromSvg, &svgRed, &svgText);
    QVERIFY(screenRed > 0 && screenText > 0 && svgRed > 0 && svgText > 0);
    const double screenOffset = screenText - screenRed, svgOffset = svgText - svgRed;
    QVERIFY2(std::abs(svgOffset - screenOffset) <= 1.5,
             qPrintable(QString("label centre %1 px from its sample in the SVG, %2 px on screen")
                            .arg(svgOffset)
                            .arg(screenOffset)));
  }

  // Figures for papers: every chart of a view at once into a folder, at a chosen size and
  // resolution, each titled with its run and chart name; the dialog's choices become the
  // export options and are remembered.
  void allChartsAsFigures() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("fig.sqlite"), &error));
    sublab::NewRun nr;
    nr.name = "fig run";
    nr.config = uitest::tinyAuxConfig();
    nr.status = sublab::RunStatus::Running;
    const qint64 id = project.db()->createRun(nr);
    std::vector<sublab::MetricPoint> pts;
    for (int m = 0; m < 2; ++m)
      for (int e = 0; e <= 2; ++e) pts.push_back({"student_aux", m, "accuracy", e, 0.2 * e + m});
    project.db()->insertMetrics(id, pts);
    sublab::ExperimentResult r;
    r.kind = "aux";
    r.conditions = {uitest::summary("student_aux", "accuracy", 0.5, 0.3, 0.7)};
    r.summary = {{"kind", "aux"}};
    project.db()->saveResult(id, r);
    project.db()->finishRun(id, sublab::RunStatus::Done, 1.0);
    AppSettings settings(m_dir.filePath("fig.ini"));
    AuxView view(&project, &settings);
    view.resize(1000, 500);
    view.setRun(id);
    QCOMPARE(view.exportCharts().size(), 2);

    FigureDialog dialog(nullptr, &settings, QString(), true);
    dialog.widthBox()->setValue(3.5);
    dialog.heightBox()->setValue(2.5);
    dialog.dpiBox()->setValue(300);
    dialog.formatBox()->setCurrentIndex(dialog.formatBox()->findData("png"));
    dialog.accept();
    const ChartExport o = dialog.options();
    QCOMPARE(o.width, 336);  // 3.5 in at 96 logical pixels to the inch
    QCOMPARE(o.height, 240);
    QCOMPARE(o.dpi, 300.0);
    QVERIFY(o.title.isEmpty());  // each chart its own title

    QTemporaryDir out;
    QStringList written;
    QVERIFY2(exportAllCharts(&view, out.path(), dialog.suffix(), o, &written, &error),
             qPrintable(error));
    QCOMPARE(written.size(), 2);
    QVERIFY(written[0] != written[1]);
    if (const QByteArray dir = qgetenv("SUBLAB_SHOTS"); !dir.isEmpty())
      for (const QString& path : written) {
        QFile::remove(QString::fromLocal8Bit(dir) + "/figure-" + QFileInfo(path).fileName());
        QFile::copy(path, QString::fromLocal8Bit(dir) + "/figure-" + QFileInfo(path).fileName());
        ChartExport screen = o;
        screen.dpi = 96;
        screen.title = "at 96 dpi";
        exportPlot(view.epochPlot(), QString::fromLocal8Bit(dir) + "/figure-96dpi.png", &error,
                   screen);
      }
    for (const QString& path : written) {
      QVERIFY2(QFileInfo(path).fileName().startsWith(QString("run-%1-fig-run-").arg(id)),
               qPrintable(path));
      const QImage img(path);
      QCOMPARE(img.size(), QSize(1050, 750));  // 3.5 x 2.5 in at 300 dpi
      QCOMPARE(qRound(img.dotsPerMeterX() * 0.0254), 300);
    }
    // The title line was only there for the export: each chart's layout is as before.
    QCOMPARE(view.epochPlot()->plotLayout()->rowCount(), 1);
    QCOMPARE(view.epochPlot()->plotLayout()->columnCount(), 2);
    QCOMPARE(view.epochPlot()->plotLayout()->element(0, 0), view.epochPlot()->axisRect());
    QCOMPARE(view.barPlot()->plotLayout()->rowCount(), 2);
    QVERIFY(qobject_cast<QCPTextElement*>(view.barPlot()->plotLayout()->element(0, 0)));
    QCOMPARE(view.barPlot()->plotLayout()->element(1, 0), view.barPlot()->axisRect());
    // SVG: titled with the chart's name.
    QVERIFY(exportAllCharts(&view, out.path(), "svg", o, &written, &error));
    QFile f(written.last());
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString svg = QString::fromUtf8(f.readAll());
    QVERIFY2(svg.contains(QString("<title>Run #%1 fig run").arg(id)), qPrintable(svg.left(400)));
    // The choices are remembered for the next figure.
    FigureDialog again(nullptr, &settings, "x", false);
    QCOMPARE(again.widthBox()->value(), 3.5);
    QCOMPARE(again.dpiBox()->value(), 300);
    QVERIFY(!exportAllCharts(&view, m_dir.filePath("no-such-folder"), "png", o, &written, &error));
    QVERIFY(error.contains("does not exist"));
  }

  void hiddenPlotExports() {
    // A chart in a tab never shown still exports at the requested size.
    QWidget host;
    CurvePlot* plot = makePlot(&host);
    QString error;
    QVERIFY2(exportPlot(plot, m_dir.filePath("h.png"), &error, 500, 300), qPrintable(error));
    QCOMPARE(QImage(m_dir.filePath("h.png")).size(), QSize(500, 300));
  }

  void tableCsv() {
    QStandardItemModel m(0, 3);
    m.setHorizontalHeaderLabels({"name", "value", "note"});
    m.appendRow({new QStandardItem("a"), new QStandardItem("1.5"), new QStandardItem("plain")});
    m.appendRow({new QStandardItem("b"), new QStandardItem("2"),
                 new QStandardItem("has, comma and \"quote\"")});
    const QString path = m_dir.filePath("t.csv");
    QString error;
    QVERIFY2(exportModelCsv(&m, path, &error), qPrintable(error));
    const QStringList l = lines(path);
    QCOMPARE(l.size(), 3);
    QCOMPARE(l[0], QString("name,value,note"));
    QCOMPARE(l[1], QString("a,1.5,plain"));
    QCOMPARE(l[2], QString("b,2,\"has, comma and \"\"quote\"\"\""));
    QVERIFY(!exportModelCsv(&m, "/proc/no/such/dir/x.csv", &error));
    QVERIFY(!error.isEmpty());
  }

  void seriesAndInspectorCsv() {
    Project project;
    QString error;
    QVERIFY(project.open(m_dir.filePath("e.sqlite"), &error));
    const qint64 run = uitest::addNumbersRun(*project.db(), "e", 0.1);
    std::vector<sublab::SequenceRow> rows;
    for (int i = 0; i < 1234; ++i)
      rows.push_back({"teacher", 0, i, "1, 2, 3", "4, 5", i % 3 != 0, i % 3 ? "" : "format", {}});
    project.db()->insertSequences(run, rows);
    AppSettings settings(m_dir.filePath("s.ini"));

    CurvesView curves(&project, &settings);
    curves.setRun(run);
    const QString series = m_dir.filePath("series.csv");
    QVERIFY2(curves.exportTable(0, series, &error), qPrintable(error));
    const QStringList s = lines(series);
    QCOMPARE(s[0], QString("run,metric,condition,step,mean,ci95_lo,ci95_hi,n,seed,value"));
    // 2 conditions x 5 steps aggregated + 2 x 3 seeds x 5 steps raw.
    QCOMPARE(s.size(), 1 + 10 + 30);

    InspectorView inspector(&project, &settings);
    inspector.setRun(run);
    QSignalSpy done(&inspector, &InspectorView::exportFinished);
    const QString seqs = m_dir.filePath("seqs.csv");
    QVERIFY(inspector.exportTable(0, seqs, &error));
    QVERIFY(done.wait(20000));
    QCOMPARE(done.first().at(1).toLongLong(), qint64(1234));
    QVERIFY(done.first().at(2).toString().isEmpty());
    const QStringList q = lines(seqs);
    QCOMPARE(q.size(), 1 + 1234);
    QVERIFY(q[0].startsWith("run,id,condition,seed,index,prompt,completion,kept,reason"));
    QVERIFY(q[1].endsWith(",0,format"));
    QVERIFY(q[1].contains("\"1, 2, 3\""));
  }
};

QTEST_MAIN(TestExports)
#include "test_exports.moc"
