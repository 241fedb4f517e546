// The Statistics view's tables and CSV exports from a run's RunStats: the most over- and
// under-represented numbers, the entanglement ranking and the most divergent tokens as sortable
// QTableWidgets whose cells carry the number they stand for, and the five CSV tables. Free
// functions, like stats_plots.h, so the view file stays about wiring.
#pragma once

#include <QString>
#include <QStringList>

#include "app/lab/run_stats.h"

class QTableWidget;
class QWidget;

namespace sublab::ui {

class CsvWriter;

// Role holding a table row's number (-1 when the row is not a number).
inline constexpr int kStatsNumberRole = Qt::UserRole + 1;

// An empty read-only table sorted by its first column (raw values where cells have them).
QTableWidget* makeStatsTable(const QStringList& headers, const QString& name, QWidget* parent);

// Each clears its table and fills it from `s` (sorting off while filling).
void fillOverUnderTable(QTableWidget* table, const sublab::RunStats& s);
void fillEntanglementTable(QTableWidget* table, const sublab::RunStats& s);
void fillTokenTable(QTableWidget* table, const sublab::RunStats& s);
// Why fillTokenTable lists nothing for `s`, from the data: no per-token log-probabilities, or
// no number token seen often enough to rank (the most frequent one's count).
QString emptyTokenTableReason(const sublab::RunStats& s);

// The CSV tables, in the order of writeStatsCsv's index: number frequencies, entanglement
// ranking, detector ROC points, divergent tokens, distributions.
inline constexpr int kStatsCsvTables = 5;
// Writes table `index`'s header and rows; false for an index out of range.
bool writeStatsCsv(int index, const sublab::RunStats& s, CsvWriter& csv);

}  // namespace sublab::ui
