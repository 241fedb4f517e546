// Exports: any chart as PNG, PDF or SVG (format from the file suffix), any table model or
// series as CSV. Writes go through QSaveFile so a failed export never leaves half a file.
#pragma once

#include <QString>
#include <QStringList>
#include <QTextStream>
#include <functional>

class QAbstractItemModel;
class QCustomPlot;
class QSaveFile;

namespace sublab::ui {

// The file-dialog filter strings used by every "Export chart/table" action.
QString chartFileFilter();
QString csvFileFilter();

// How a chart is written. Sizes are logical pixels (96 to the inch, the screen's scale): fonts
// and lines keep their size relative to the figure whatever the resolution.
struct ChartExport {
  int width = 0, height = 0;  // 0: the chart's size on screen (at least 400 × 300)
  // PNG only: pixels per inch of the image (0: 96, one pixel per logical pixel); the file
  // records it, so a 3.5 in wide figure at 300 dpi is 1050 pixels wide and prints 3.5 in wide.
  double dpi = 0;
  // The document title (SVG, PDF) and, with drawTitle, a title line above the chart. Empty:
  // the plot's window title (views set it to run and chart name), else "Subliminal Lab chart".
  QString title;
  bool drawTitle = false;
};

// Saves the plot (suffix: .png, .pdf or .svg). Returns false and sets *error (what went wrong
// and what to do) on failure. PNGs are compressed losslessly.
bool exportPlot(QCustomPlot* plot, const QString& path, QString* error, const ChartExport& options);
// The same at the plot's current size (or width × height when given).
bool exportPlot(QCustomPlot* plot, const QString& path, QString* error, int width = 0,
                int height = 0);

// A file name (no suffix) from a chart or table name: lower case, runs of anything but
// letters, digits, '_', '.' and '-' become one '-'.
QString safeFileName(const QString& name);

// One CSV field, quoted when it holds a separator, a quote or a line break.
QString csvField(const QString& value);

// Streams rows into a CSV file: header first, then any number of rows, then commit().
class CsvWriter {
 public:
  explicit CsvWriter(const QString& path);
  ~CsvWriter();
  bool open(QString* error);
  void writeRow(const QStringList& fields);
  bool commit(QString* error);

 private:
  QSaveFile* m_file;
  QTextStream m_out;
};

// Writes every row and visible column of `model` (display text; `rawRole`, when non-zero, is
// preferred for cells that have it, so numbers keep full precision). Fetches lazily loaded rows
// first when `fetchAll` is set.
bool exportModelCsv(QAbstractItemModel* model, const QString& path, QString* error, int rawRole = 0,
                    bool fetchAll = true);

}  // namespace sublab::ui
