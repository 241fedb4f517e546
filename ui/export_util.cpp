// Implementation of chart and CSV exports (see export_util.h).
#include "ui/export_util.h"

#include <QAbstractItemModel>
#include <QFileInfo>
#include <QImage>
#include <QImageWriter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSvgGenerator>
#include <cmath>

#include "ui/qcp.h"

namespace sublab::ui {

QString chartFileFilter() {
  return QObject::tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)");
}

QString csvFileFilter() { return QObject::tr("CSV table (*.csv)"); }

namespace {

// A title line above the whole chart (plot and legend) for as long as it lives (exports only):
// the plot layout's elements move into a nested grid under the title and move back after.
class TitleRow {
 public:
  TitleRow(QCustomPlot* plot, const QString& text) : m_plot(plot) {
    if (text.isEmpty()) return;
    QCPLayoutGrid* top = plot->plotLayout();
    m_colStretch = top->columnStretchFactors();
    m_rowStretch = top->rowStretchFactors();
    m_colSpacing = top->columnSpacing();
    m_rowSpacing = top->rowSpacing();
    m_rows = top->rowCount();
    m_cols = top->columnCount();
    for (int r = 0; r < m_rows; ++r)
      for (int c = 0; c < m_cols; ++c)
        if (QCPLayoutElement* e = top->element(r, c)) m_moved << Moved{r, c, e};
    for (const Moved& m : m_moved) top->take(m.element);
    top->simplify();
    m_inner = new QCPLayoutGrid;
    QFont f = plot->font();
    f.setPointSizeF(std::max(9.0, f.pointSizeF() + 1));
    f.setBold(true);
    m_title = new QCPTextElement(plot, text, f);
    top->addElement(0, 0, m_title);
    top->addElement(1, 0, m_inner);
    top->setRowSpacing(0);
    for (const Moved& m : m_moved) m_inner->addElement(m.row, m.col, m.element);
    m_inner->setColumnStretchFactors(m_colStretch);
    m_inner->setRowStretchFactors(m_rowStretch);
    m_inner->setColumnSpacing(m_colSpacing);
    m_inner->setRowSpacing(m_rowSpacing);
  }
  ~TitleRow() {
    if (!m_title) return;
    QCPLayoutGrid* top = m_plot->plotLayout();
    for (const Moved& m : m_moved) m_inner->take(m.element);
    top->take(m_title);
    top->take(m_inner);
    delete m_title;
    delete m_inner;
    top->simplify();
    for (const Moved& m : m_moved) top->addElement(m.row, m.col, m.element);
    if (top->columnCount() == m_colStretch.size()) top->setColumnStretchFactors(m_colStretch);
    if (top->rowCount() == m_rowStretch.size()) top->setRowStretchFactors(m_rowStretch);
    top->setColumnSpacing(m_colSpacing);
    top->setRowSpacing(m_rowSpacing);
  }
  TitleRow(const TitleRow&) = delete;
  TitleRow& operator=(const TitleRow&) = delete;

 private:
  struct Moved {
    int row, col;
    QCPLayoutElement* element;
  };
  QCustomPlot* m_plot;
  QCPTextElement* m_title = nullptr;
  QCPLayoutGrid* m_inner = nullptr;
  QList<Moved> m_moved;
  QList<double> m_colStretch, m_rowStretch;
  int m_colSpacing = 0, m_rowSpacing = 0;
  int m_rows = 0, m_cols = 0;
};

}  // namespace

QString safeFileName(const QString& name) {
  QString out = name;
  out.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]+")), QStringLiteral("-"));
  while (out.startsWith(QLatin1Char('-'))) out.remove(0, 1);
  while (out.endsWith(QLatin1Char('-'))) out.chop(1);
  return out.isEmpty() ? QStringLiteral("chart") : out.toLower();
}

bool exportPlot(QCustomPlot* plot, const QString& path, QString* error, int width, int height) {
  ChartExport options;
  options.width = width;
  options.height = height;
  return exportPlot(plot, path, error, options);
}

bool exportPlot(QCustomPlot* plot, const QString& path, QString* error,
                const ChartExport& options) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != "png" && suffix != "pdf" && suffix != "svg") {
    if (error)
      *error = QObject::tr("Unknown chart format \"%1\": save as .png, .pdf or .svg.").arg(suffix);
    return false;
  }
  const int w = options.width > 0 ? options.width : std::max(plot->width(), 400);
  const int h = options.height > 0 ? options.height : std::max(plot->height(), 300);
  QString title = options.title;
  if (title.isEmpty()) title = plot->windowTitle();
  if (title.isEmpty()) title = QObject::tr("Subliminal Lab chart");
  const TitleRow titleRow(plot, options.drawTitle ? title : QString());
  bool ok = false;
  if (suffix == "png") {
    const double dpi = options.dpi > 0 ? options.dpi : 96.0;
    // Drawn at the logical size on an image with a device pixel ratio, as on a high-density
    // screen: text and lines scale together (QCustomPlot's own scaled savePng drew text larger
    // than the layout made room for, clipping legend labels).
    const double scale = dpi / 96.0;
    QImage image(static_cast<int>(std::lround(w * scale)), static_cast<int>(std::lround(h * scale)),
                 QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(Qt::white);
    QCPPainter painter(&image);
    ok = painter.isActive();
    if (ok) {
      if (scale > 1.0) painter.setMode(QCPPainter::pmNonCosmetic);
      plot->toPainter(&painter, w, h);
      painter.end();
      image.setDevicePixelRatio(1.0);
      const int dpm = static_cast<int>(std::lround(dpi / 0.0254));
      image.setDotsPerMeterX(dpm);
      image.setDotsPerMeterY(dpm);
      QImageWriter writer(path, "png");
      // quality -1: zlib's default compression (lossless; a chart is mostly flat colour). The
      // old quality of 95 meant almost no compression: megabytes where kilobytes will do.
      ok = writer.write(image);
    }
  } else if (suffix == "pdf") {
    ok = plot->savePdf(path, w, h, QCP::epAllowCosmetic, QStringLiteral("Subliminal Lab"), title);
  } else {
    QSvgGenerator gen;
    gen.setFileName(path);
    gen.setSize(QSize(w, h));
    gen.setViewBox(QRect(0, 0, w, h));
    // The chart is laid out with the screen's font metrics (96 dpi logical); the generator's
    // default 72 dpi wrote text sized for another scale than its boxes, so legend labels sat
    // off their samples. 96 user units to the inch is also what SVG viewers assume.
    gen.setResolution(96);
    gen.setTitle(title);
    gen.setDescription(QStringLiteral("Exported from Subliminal Lab"));
    QCPPainter painter;
    ok = painter.begin(&gen);
    if (ok) {
      plot->toPainter(&painter, w, h);
      ok = painter.end();
    }
    ok = ok && QFileInfo(path).size() > 0;
  }
  if (!ok && error)
    *error =
        QObject::tr("Could not write %1: check that the folder exists and is writable.").arg(path);
  return ok;
}

QString csvField(const QString& value) {
  if (!value.contains(QLatin1Char(',')) && !value.contains(QLatin1Char('"')) &&
      !value.contains(QLatin1Char('\n')) && !value.contains(QLatin1Char('\r')))
    return value;
  QString v = value;
  v.replace(QLatin1String("\""), QLatin1String("\"\""));
  return QLatin1Char('"') + v + QLatin1Char('"');
}

CsvWriter::CsvWriter(const QString& path) : m_file(new QSaveFile(path)) {}

CsvWriter::~CsvWriter() { delete m_file; }

bool CsvWriter::open(QString* error) {
  if (!m_file->open(QIODevice::WriteOnly | QIODevice::Text)) {
    if (error)
      *error = QObject::tr("Could not write %1 (%2): choose a writable folder.")
                   .arg(m_file->fileName(), m_file->errorString());
    return false;
  }
  m_out.setDevice(m_file);
  return true;
}

void CsvWriter::writeRow(const QStringList& fields) {
  for (int i = 0; i < fields.size(); ++i) {
    if (i) m_out << ',';
    m_out << csvField(fields[i]);
  }
  m_out << '\n';
}

bool CsvWriter::commit(QString* error) {
  m_out.flush();
  if (!m_file->commit()) {
    if (error)
      *error = QObject::tr("Could not finish writing %1 (%2).")
                   .arg(m_file->fileName(), m_file->errorString());
    return false;
  }
  return true;
}

bool exportModelCsv(QAbstractItemModel* model, const QString& path, QString* error, int rawRole,
                    bool fetchAll) {
  if (fetchAll)
    while (model->canFetchMore({})) model->fetchMore({});
  CsvWriter csv(path);
  if (!csv.open(error)) return false;
  const int cols = model->columnCount();
  QStringList header;
  for (int c = 0; c < cols; ++c)
    header << model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString();
  csv.writeRow(header);
  const int rows = model->rowCount();
  QStringList fields;
  for (int r = 0; r < rows; ++r) {
    fields.clear();
    for (int c = 0; c < cols; ++c) {
      const QModelIndex idx = model->index(r, c);
      QVariant v;
      if (rawRole) v = model->data(idx, rawRole);
      // Raw values that are numbers keep full precision; everything else uses the display text.
      if (!v.isValid() || v.typeId() == QMetaType::QDateTime || v.typeId() == QMetaType::QString)
        v = model->data(idx, Qt::DisplayRole);
      fields << v.toString();
    }
    csv.writeRow(fields);
  }
  return csv.commit(error);
}

}  // namespace sublab::ui
