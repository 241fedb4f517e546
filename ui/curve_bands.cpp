// Implementation of CurveBands and its band filler. The filler works in two passes per band:
// the edges are sampled at 4 points across every pixel column (a walk over the segments), then
// each column's rows are blended: rows inside all four samples at full strength, the few rows
// an edge crosses at their exact covered fraction.
#include "ui/curve_bands.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace sublab::ui {

namespace {

constexpr int kSamples = 4;  // across each pixel column

// x * a / 255 on the four 8-bit channels of x at once (a in 0..255), rounded.
inline quint32 byteMul(quint32 x, quint32 a) {
  quint32 rb = (x & 0xff00ffu) * a;
  rb = ((rb + ((rb >> 8) & 0xff00ffu) + 0x800080u) >> 8) & 0xff00ffu;
  quint32 ag = ((x >> 8) & 0xff00ffu) * a;
  ag = (ag + ((ag >> 8) & 0xff00ffu) + 0x800080u) & 0xff00ff00u;
  return ag | rb;
}

// Premultiplied source over destination.
inline void blendOver(quint32* dst, quint32 src) { *dst = src + byteMul(*dst, 255 - (src >> 24)); }

bool finite(double v) { return std::isfinite(v); }

// Widens `range` (empty while !found) by v when v is finite and in the sign domain.
void widen(QCPRange& range, bool& found, double v, QCP::SignDomain domain) {
  if (!finite(v) || (domain == QCP::sdPositive && v <= 0) || (domain == QCP::sdNegative && v >= 0))
    return;
  if (!found) {
    range = QCPRange(v, v);
    found = true;
  } else {
    range.expand(v);
  }
}

}  // namespace

void fillBand(QImage& image, const QVector<double>& px, const QVector<double>& top,
              const QVector<double>& bottom, const QColor& color) {
  const int n = static_cast<int>(std::min({px.size(), top.size(), bottom.size()}));
  if (n < 2 || image.isNull() || color.alpha() == 0) return;
  Q_ASSERT(image.format() == QImage::Format_ARGB32_Premultiplied);
  const int width = image.width(), height = image.height();
  // Sample j sits at x = (j + 0.5) / kSamples; those within [px first, px last] and the image.
  double first = std::numeric_limits<double>::infinity(), last = -first;
  for (int k = 0; k < n; ++k)
    if (finite(px[k])) {
      first = std::min(first, px[k]);
      last = std::max(last, px[k]);
    }
  if (!(last > first)) return;
  const double j0d = std::max(0.0, std::ceil(first * kSamples - 0.5));
  const double j1d = std::min(double(width) * kSamples, std::floor(last * kSamples - 0.5) + 1);
  if (!(j1d > j0d)) return;
  const qint64 j0 = static_cast<qint64>(j0d), j1 = static_cast<qint64>(j1d);

  // Pass 1: both edges at every sample (NaN where no finite segment covers it).
  thread_local std::vector<float> tops, bottoms;
  tops.assign(static_cast<size_t>(j1 - j0), std::nanf(""));
  bottoms.assign(tops.size(), std::nanf(""));
  for (int k = 0; k + 1 < n; ++k) {
    const double xa = px[k], xb = px[k + 1];
    if (!(xb > xa) || !finite(xa) || !finite(xb)) continue;
    if (!finite(top[k]) || !finite(top[k + 1]) || !finite(bottom[k]) || !finite(bottom[k + 1]))
      continue;
    const double slopeTop = (top[k + 1] - top[k]) / (xb - xa);
    const double slopeBottom = (bottom[k + 1] - bottom[k]) / (xb - xa);
    const qint64 ja = std::max<qint64>(j0, static_cast<qint64>(std::ceil(xa * kSamples - 0.5)));
    const qint64 jb =
        std::min<qint64>(j1, static_cast<qint64>(std::floor(xb * kSamples - 0.5)) + 1);
    for (qint64 j = ja; j < jb; ++j) {
      const double x = (j + 0.5) / kSamples;
      tops[j - j0] = static_cast<float>(top[k] + slopeTop * (x - xa));
      bottoms[j - j0] = static_cast<float>(bottom[k] + slopeBottom * (x - xa));
    }
  }

  // Pass 2: blend column by column.
  const quint32 full = qPremultiply(color.rgba());
  uchar* bits = image.bits();
  const qsizetype stride = image.bytesPerLine();
  const auto pixel = [&](int row, qint64 column) {
    return reinterpret_cast<quint32*>(bits + row * stride) + column;
  };
  const float h = static_cast<float>(height);
  for (qint64 c = j0 / kSamples; c * kSamples < j1; ++c) {
    float t[kSamples], b[kSamples];
    int count = 0;
    float topMin = h, topMax = 0, bottomMin = h, bottomMax = 0;
    for (int s = 0; s < kSamples; ++s) {
      const qint64 j = c * kSamples + s;
      if (j < j0 || j >= j1) continue;
      float a = tops[j - j0], z = bottoms[j - j0];
      if (std::isnan(a) || std::isnan(z)) continue;
      if (a > z) std::swap(a, z);
      a = std::clamp(a, 0.f, h);
      z = std::clamp(z, 0.f, h);
      t[count] = a;
      b[count] = z;
      ++count;
      topMin = std::min(topMin, a);
      topMax = std::max(topMax, a);
      bottomMin = std::min(bottomMin, z);
      bottomMax = std::max(bottomMax, z);
    }
    if (count == 0) continue;
    const int r0 = static_cast<int>(std::floor(topMin));
    const int r1 = std::min(height, static_cast<int>(std::ceil(bottomMax)));
    // Rows every sample covers completely.
    int f0 = r1, f1 = r1;
    if (count == kSamples) {
      f0 = static_cast<int>(std::ceil(topMax));
      f1 = static_cast<int>(std::floor(bottomMin));
      if (f1 <= f0) f0 = f1 = r1;
    }
    const auto edgeRow = [&](int r) {
      float covered = 0;
      for (int s = 0; s < count; ++s)
        covered += std::max(0.f, std::min(b[s], r + 1.f) - std::max(t[s], float(r)));
      const int alpha = static_cast<int>(covered * (255.f / kSamples) + 0.5f);
      if (alpha > 0) blendOver(pixel(r, c), byteMul(full, static_cast<quint32>(alpha)));
    };
    for (int r = r0; r < std::min(f0, r1); ++r) edgeRow(r);
    for (int r = f0; r < f1; ++r) blendOver(pixel(r, c), full);
    for (int r = std::max(f1, r0); r < r1; ++r) edgeRow(r);
  }
}

CurveBands::CurveBands(QCPAxis* keyAxis, QCPAxis* valueAxis)
    : QCPAbstractPlottable(keyAxis, valueAxis) {
  setPen(Qt::NoPen);
  setSelectable(QCP::stNone);
}

void CurveBands::setBands(const QList<BandData>& bands) { m_bands = bands; }

double CurveBands::selectTest(const QPointF&, bool, QVariant*) const { return -1; }

QCPRange CurveBands::getKeyRange(bool& foundRange, QCP::SignDomain inSignDomain) const {
  QCPRange range;
  foundRange = false;
  for (const BandData& band : m_bands)
    for (double x : band.x) widen(range, foundRange, x, inSignDomain);
  return range;
}

QCPRange CurveBands::getValueRange(bool& foundRange, QCP::SignDomain inSignDomain,
                                   const QCPRange& inKeyRange) const {
  const bool restrictKeys = inKeyRange != QCPRange();
  QCPRange range;
  foundRange = false;
  for (const BandData& band : m_bands)
    for (int k = 0; k < band.x.size() && k < band.lo.size() && k < band.hi.size(); ++k) {
      if (restrictKeys && !inKeyRange.contains(band.x[k])) continue;
      widen(range, foundRange, band.lo[k], inSignDomain);
      widen(range, foundRange, band.hi[k], inSignDomain);
    }
  return range;
}

void CurveBands::draw(QCPPainter* painter) {
  if (m_bands.isEmpty() || !keyAxis() || !valueAxis()) return;
  m_lastRaster = drawRaster(painter);
  if (!m_lastRaster) drawPolygons(painter);
}

bool CurveBands::drawRaster(QCPPainter* painter) {
  // Only onto pixels, with the key axis across, through an unrotated, evenly scaled painter.
  if (!painter->paintEngine() || painter->paintEngine()->type() != QPaintEngine::Raster)
    return false;
  if (keyAxis()->orientation() != Qt::Horizontal) return false;
  const QTransform device = painter->deviceTransform();
  if (device.type() > QTransform::TxScale || device.m11() <= 0 ||
      !qFuzzyCompare(device.m11(), device.m22()))
    return false;
  const double scale = device.m11();
  const QRectF clip =
      QRectF(clipRect())
          .intersected(painter->clipBoundingRect().isEmpty() ? QRectF(clipRect())
                                                             : painter->clipBoundingRect());
  if (clip.isEmpty()) return true;
  // The image covers the clip rectangle in device pixels.
  const QRect target = device.mapRect(clip).toAlignedRect();
  if (target.isEmpty()) return true;
  if (m_image.size() != target.size())
    m_image = QImage(target.size(), QImage::Format_ARGB32_Premultiplied);
  m_image.fill(Qt::transparent);
  QVector<double> px, top, bottom;
  for (const BandData& band : m_bands) {
    const int n = static_cast<int>(std::min({band.x.size(), band.lo.size(), band.hi.size()}));
    px.resize(n);
    top.resize(n);
    bottom.resize(n);
    for (int k = 0; k < n; ++k) {
      const QPointF a = device.map(
          QPointF(keyAxis()->coordToPixel(band.x[k]), valueAxis()->coordToPixel(band.hi[k])));
      const QPointF z = device.map(
          QPointF(keyAxis()->coordToPixel(band.x[k]), valueAxis()->coordToPixel(band.lo[k])));
      px[k] = a.x() - target.left();
      top[k] = a.y() - target.top();
      bottom[k] = z.y() - target.top();
    }
    fillBand(m_image, px, top, bottom, band.color);
  }
  m_image.setDevicePixelRatio(scale);
  // Drawn in logical coordinates: the painter maps the image back onto `target`.
  const QTransform inverse = device.inverted();
  painter->drawImage(inverse.map(QPointF(target.topLeft())), m_image);
  return true;
}

void CurveBands::drawPolygons(QCPPainter* painter) const {
  applyFillAntialiasingHint(painter);
  painter->setPen(Qt::NoPen);
  for (const BandData& band : m_bands) {
    const int n = static_cast<int>(std::min({band.x.size(), band.lo.size(), band.hi.size()}));
    if (n < 2) continue;
    // Upper edge forward, lower edge back: one closed polygon.
    QPolygonF polygon;
    polygon.reserve(2 * n);
    for (int k = 0; k < n; ++k)
      polygon << QPointF(keyAxis()->coordToPixel(band.x[k]), valueAxis()->coordToPixel(band.hi[k]));
    for (int k = n - 1; k >= 0; --k)
      polygon << QPointF(keyAxis()->coordToPixel(band.x[k]), valueAxis()->coordToPixel(band.lo[k]));
    painter->setBrush(band.color);
    painter->drawPolygon(polygon);
  }
}

void CurveBands::drawLegendIcon(QCPPainter*, const QRectF&) const {}

}  // namespace sublab::ui
