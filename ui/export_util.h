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

// Saves the plot at its current size (or width × height when given). Returns false and sets
// *error (what went wrong and what to do) on failure. Suffix: .png, .pdf or .svg.
bool exportPlot(QCustomPlot* plot, const QString& path, QString* error, int width = 0,
                int height = 0);

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
