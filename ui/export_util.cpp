// Implementation of chart and CSV exports (see export_util.h).
#include "ui/export_util.h"

#include <QAbstractItemModel>
#include <QFileInfo>
#include <QSaveFile>
#include <QSvgGenerator>

#include "ui/qcp.h"

namespace sublab::ui {

QString chartFileFilter() {
  return QObject::tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)");
}

QString csvFileFilter() { return QObject::tr("CSV table (*.csv)"); }

bool exportPlot(QCustomPlot* plot, const QString& path, QString* error, int width, int height) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  const int w = width > 0 ? width : std::max(plot->width(), 400);
  const int h = height > 0 ? height : std::max(plot->height(), 300);
  bool ok = false;
  if (suffix == "png") {
    ok = plot->savePng(path, w, h, 1.0, 95);
  } else if (suffix == "pdf") {
    ok = plot->savePdf(path, w, h, QCP::epAllowCosmetic, "Subliminal Lab", plot->objectName());
  } else if (suffix == "svg") {
    QSvgGenerator gen;
    gen.setFileName(path);
    gen.setSize(QSize(w, h));
    gen.setViewBox(QRect(0, 0, w, h));
    gen.setTitle(plot->objectName().isEmpty() ? QStringLiteral("Subliminal Lab chart")
                                              : plot->objectName());
    gen.setDescription(QStringLiteral("Exported from Subliminal Lab"));
    QCPPainter painter;
    ok = painter.begin(&gen);
    if (ok) {
      plot->toPainter(&painter, w, h);
      ok = painter.end();
    }
    ok = ok && QFileInfo(path).size() > 0;
  } else {
    if (error)
      *error = QObject::tr("Unknown chart format \"%1\": save as .png, .pdf or .svg.").arg(suffix);
    return false;
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
