// The shaded 95% CI bands of a CurvePlot, all of them in one plottable beneath the lines.
//
// Why not QCustomPlot's own fills: Qt's raster engine fills an antialiased polygon slowly (about
// 0.8 ms for a 600-vertex band across a 1,200-px plot) and hands the spans of every larger fill
// to its thread pool, whose wake-ups cost more than the fill on a busy or virtual machine. A band
// is simpler than a polygon: between two edges that share their x. So on a raster device the
// bands are filled here, column by column, into one image drawn once (antialiased: exact
// coverage down each column, 4 samples across it). Other devices (SVG, PDF, a printer) and
// rotated or unevenly scaled painters get the polygons, as vectors.
#pragma once

#include <QColor>
#include <QImage>
#include <QList>
#include <QVector>

#include "ui/qcp.h"

namespace sublab::ui {

struct BandData {
  QVector<double> x, lo, hi;  // plot coordinates, x ascending
  QColor color;               // with its alpha
};

// Blends the band between `top` and `bottom` (pixel rows, fractional; either may be the higher)
// at pixel columns `px` (ascending; straight edges between the vertices) into `image`
// (Format_ARGB32_Premultiplied), source-over. Non-finite vertices leave their segments empty.
// Pixel (c, r) covers [c, c + 1) x [r, r + 1).
void fillBand(QImage& image, const QVector<double>& px, const QVector<double>& top,
              const QVector<double>& bottom, const QColor& color);

class CurveBands : public QCPAbstractPlottable {
  Q_OBJECT

 public:
  CurveBands(QCPAxis* keyAxis, QCPAxis* valueAxis);

  void setBands(const QList<BandData>& bands);
  const QList<BandData>& bands() const { return m_bands; }
  // Whether the last draw() filled the bands itself (true) or drew polygons.
  bool lastDrawWasRaster() const { return m_lastRaster; }

  double selectTest(const QPointF& pos, bool onlySelectable,
                    QVariant* details = nullptr) const override;
  QCPRange getKeyRange(bool& foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth) const override;
  QCPRange getValueRange(bool& foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth,
                         const QCPRange& inKeyRange = QCPRange()) const override;

 protected:
  void draw(QCPPainter* painter) override;
  void drawLegendIcon(QCPPainter* painter, const QRectF& rect) const override;

 private:
  void drawPolygons(QCPPainter* painter) const;
  bool drawRaster(QCPPainter* painter);

  QList<BandData> m_bands;
  QImage m_image;  // reused between draws
  bool m_lastRaster = false;
};

}  // namespace sublab::ui
