// CI bands: the band filler covers exactly the band's area (full rows at full strength, the
// rows an edge crosses by their covered fraction, nothing outside), and a CurvePlot's bands
// filled by it look like the same bands drawn as polygons by Qt (the path SVG/PDF export takes).
#include <QPicture>
#include <QtTest/QtTest>
#include <cmath>

#include "ui/curve_bands.h"
#include "ui/curve_plot.h"

using namespace sublab::ui;

namespace {

QImage blank(int w, int h) {
  QImage image(w, h, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::transparent);
  return image;
}

double alphaSum(const QImage& image) {
  double sum = 0;
  for (int r = 0; r < image.height(); ++r)
    for (int c = 0; c < image.width(); ++c) sum += qAlpha(image.pixel(c, r));
  return sum / 255.0;
}

// A plot of two overlapping banded series and one plain line, sized and laid out.
void fillPlot(CurvePlot& plot) {
  QList<PlotSeries> series;
  for (int c = 0; c < 2; ++c) {
    PlotSeries s;
    s.label = QStringLiteral("series %1").arg(c);
    s.color = c ? QColor(200, 60, 40) : QColor(40, 90, 200);
    for (int i = 0; i <= 400; ++i) {
      const double y = 0.3 + 0.2 * std::sin(i / (30.0 + 10 * c)) + 0.05 * c;
      s.x << i;
      s.y << y;
      s.lo << y - 0.04 - 0.03 * std::abs(std::cos(i / 17.0));
      s.hi << y + 0.05;
    }
    series << s;
  }
  plot.setSeries(series);
  plot.resize(900, 500);
  plot.replot(QCustomPlot::rpImmediateRefresh);
}

CurveBands* bandsOf(CurvePlot& plot) {
  for (int i = 0; i < plot.plottableCount(); ++i)
    if (auto* b = qobject_cast<CurveBands*>(plot.plottable(i))) return b;
  return nullptr;
}

}  // namespace

class TestCurveBands : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void horizontalBandCoversItsRows() {
    QImage image = blank(60, 40);
    fillBand(image, {2, 50}, {10.25, 10.25}, {20.75, 20.75}, QColor(255, 0, 0));
    for (int c : {2, 25, 49}) {
      QCOMPARE(qAlpha(image.pixel(c, 9)), 0);
      QCOMPARE(qAlpha(image.pixel(c, 10)), 191);  // 0.75 of the row
      for (int r = 11; r < 20; ++r) QCOMPARE(image.pixel(c, r), qRgba(255, 0, 0, 255));
      QCOMPARE(qAlpha(image.pixel(c, 20)), 191);
      QCOMPARE(qRed(image.pixel(c, 20)), 191);  // premultiplied
      QCOMPARE(qAlpha(image.pixel(c, 21)), 0);
    }
    for (int r = 0; r < 40; ++r) {
      QCOMPARE(qAlpha(image.pixel(1, r)), 0);   // left of the first vertex
      QCOMPARE(qAlpha(image.pixel(50, r)), 0);  // right of the last
    }
    QCOMPARE(alphaSum(image), 48 * (9 + 2 * 191 / 255.0));  // 0.75 rounds to 191 of 255
  }

  void slopedBandHasItsArea() {
    // Edges y = 5 + 0.3 x and y = 12 + 0.3 x over x in [0, 40]: area 7 * 40.
    QImage image = blank(50, 40);
    fillBand(image, {0, 20, 40}, {5, 11, 17}, {12, 18, 24}, QColor(0, 0, 0));
    QVERIFY2(std::abs(alphaSum(image) - 280) < 0.5, qPrintable(QString::number(alphaSum(image))));
    // Edges swapped (the lower value above): the same band.
    QImage swapped = blank(50, 40);
    fillBand(swapped, {0, 20, 40}, {12, 18, 24}, {5, 11, 17}, QColor(0, 0, 0));
    QCOMPARE(swapped, image);
  }

  void translucentBandsBlendOver() {
    // Two half-transparent layers: 1 - (1 - 0.5)^2 of full alpha, as source-over gives.
    QImage image = blank(20, 20);
    const QColor half(0, 0, 255, 128);
    fillBand(image, {0, 20}, {0, 0}, {20, 20}, half);
    fillBand(image, {0, 20}, {0, 0}, {20, 20}, half);
    QVERIFY(std::abs(qAlpha(image.pixel(10, 10)) - 192) <= 1);
    QVERIFY(std::abs(qBlue(image.pixel(10, 10)) - 192) <= 1);
  }

  void clipsAndSkipsWhatItCannotDraw() {
    // Vertices far outside the image (a zoomed-in view) are clipped, not wrapped.
    QImage image = blank(30, 30);
    fillBand(image, {-1e7, 1e7}, {-1e9, -1e9}, {15, 15}, QColor(0, 0, 0));
    QCOMPARE(alphaSum(image), 30.0 * 15);
    // A non-finite vertex leaves its two segments empty; the rest is drawn.
    QImage gap = blank(30, 30);
    fillBand(gap, {0, 10, 20, 30}, {5, std::nan(""), 5, 5}, {10, 10, 10, 10}, QColor(0, 0, 0));
    QCOMPARE(alphaSum(gap), 10.0 * 5);
    QCOMPARE(qAlpha(gap.pixel(5, 7)), 0);
    QCOMPARE(qAlpha(gap.pixel(25, 7)), 255);
    // Fewer than two vertices, or a transparent colour: nothing.
    QImage none = blank(10, 10);
    fillBand(none, {3}, {1}, {5}, QColor(0, 0, 0));
    fillBand(none, {0, 10}, {1, 1}, {5, 5}, QColor(0, 0, 0, 0));
    QCOMPARE(alphaSum(none), 0.0);
  }

  void plotBandsLookLikeQtPolygons() {
    CurvePlot plot;
    fillPlot(plot);
    CurveBands* bands = bandsOf(plot);
    QVERIFY(bands);
    QCOMPARE(bands->bands().size(), 2);
    QCOMPARE(plot.plottable(0), bands);  // beneath every line

    // On pixels: the bands are filled by fillBand.
    QImage raster(plot.size(), QImage::Format_ARGB32_Premultiplied);
    raster.fill(Qt::white);
    {
      QCPPainter painter(&raster);
      plot.toPainter(&painter, plot.width(), plot.height());
    }
    QVERIFY(bands->lastDrawWasRaster());

    // Through a vector device (as SVG and PDF export): Qt's polygons, rasterized by Qt.
    QPicture picture;
    {
      QCPPainter painter(&picture);
      plot.toPainter(&painter, plot.width(), plot.height());
    }
    QVERIFY(!bands->lastDrawWasRaster());
    QImage vector(plot.size(), QImage::Format_ARGB32_Premultiplied);
    vector.fill(Qt::white);
    {
      QPainter painter(&vector);
      picture.play(&painter);
    }

    if (const QByteArray dir = qgetenv("SUBLAB_SHOTS"); !dir.isEmpty()) {  // to look at
      raster.save(QString::fromLocal8Bit(dir) + "/bands-raster.png");
      vector.save(QString::fromLocal8Bit(dir) + "/bands-vector.png");
    }

    // Inside the axis rect (the text outside may be laid out differently by a picture).
    const QRect inside = plot.axisRect()->rect().adjusted(2, 2, -2, -2);
    double sum = 0;
    int worst = 0, tinted = 0;
    for (int r = inside.top(); r <= inside.bottom(); ++r)
      for (int c = inside.left(); c <= inside.right(); ++c) {
        const QRgb a = raster.pixel(c, r), b = vector.pixel(c, r);
        const int d = std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)),
                                std::abs(qBlue(a) - qBlue(b))});
        sum += d;
        worst = std::max(worst, d);
        if (a != qRgb(255, 255, 255)) ++tinted;
      }
    const double mean = sum / (inside.width() * inside.height());
    const QString what = QStringLiteral("mean %1, worst %2").arg(mean).arg(worst);
    qInfo("fillBand vs Qt polygons inside the axis rect: %s", qPrintable(what));
    QVERIFY2(mean < 0.25, qPrintable(what));
    QVERIFY2(worst <= 24, qPrintable(what));  // an edge pixel's coverage, never a whole band
    QVERIFY2(tinted > inside.width() * inside.height() / 20, "the bands were not drawn");

    // Mid-band, away from the line: tinted by the band, the same on both paths within a step.
    const int x = int(plot.xAxis->coordToPixel(200));
    const double y0 = 0.3 + 0.2 * std::sin(200 / 30.0);
    const int y = int(plot.yAxis->coordToPixel(y0 + 0.035));
    QVERIFY(raster.pixel(x, y) != qRgb(255, 255, 255));
    QVERIFY(std::abs(qBlue(raster.pixel(x, y)) - qBlue(vector.pixel(x, y))) <= 2);
  }

  void hiddenSeriesHaveNoBand() {
    CurvePlot plot;
    fillPlot(plot);
    CurveBands* bands = bandsOf(plot);
    QVERIFY(bands);
    bool found = false;
    const QCPRange y = bands->getValueRange(found);
    QVERIFY(found);
    QVERIFY(y.lower < 0.3 - 0.2 - 0.04 + 1e-9);
    // Hiding a series from the legend rebuilds the plot without its band.
    auto* item = plot.legend->itemWithPlottable(plot.graph(plot.graphCount() - 1));
    QVERIFY(item);
    QTest::mouseClick(&plot, Qt::LeftButton, Qt::NoModifier, item->rect().center());
    QTRY_COMPARE(bandsOf(plot) ? bandsOf(plot)->bands().size() : -1, 1);
  }
};

QTEST_MAIN(TestCurveBands)
#include "test_curve_bands.moc"
