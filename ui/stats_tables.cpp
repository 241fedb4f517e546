// Implementation of the Statistics view's tables and CSV exports.
#include "ui/stats_tables.h"

#include <QHeaderView>
#include <QLocale>
#include <QTableWidget>
#include <tuple>

#include "engine/seqstats/seq_stats.h"
#include "ui/export_util.h"
#include "ui/palette.h"
#include "ui/stats_plots.h"

namespace sublab::ui {

namespace {

// Sorts by the raw value in Qt::UserRole when both cells have one, else by text.
class SortItem : public QTableWidgetItem {
 public:
  using QTableWidgetItem::QTableWidgetItem;
  bool operator<(const QTableWidgetItem& other) const override {
    const QVariant a = data(Qt::UserRole), b = other.data(Qt::UserRole);
    if (a.isValid() && b.isValid()) return a.toDouble() < b.toDouble();
    return QTableWidgetItem::operator<(other);
  }
};

// One table row: (text, raw value) per cell; `number` (or -1) on every cell.
void addRow(QTableWidget* t, const QList<QPair<QString, QVariant>>& cells, int number) {
  const int row = t->rowCount();
  t->insertRow(row);
  for (int c = 0; c < cells.size(); ++c) {
    auto* item = new SortItem(cells[c].first);
    if (cells[c].second.isValid()) {
      item->setData(Qt::UserRole, cells[c].second);
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    item->setData(kStatsNumberRole, number);
    t->setItem(row, c, item);
  }
}

QPair<QString, QVariant> num(double v, int decimals = 4) {
  return {QString::number(v, 'f', decimals), v};
}
QPair<QString, QVariant> integer(qint64 v) { return {QLocale().toString(v), double(v)}; }
QPair<QString, QVariant> pValue(double p) { return {formatP(p), p}; }
QPair<QString, QVariant> text(const QString& s) { return {s, QVariant()}; }

// Clears `t` for filling; done() sorts and sizes it again.
struct Refill {
  explicit Refill(QTableWidget* t) : table(t) {
    table->setSortingEnabled(false);
    table->setRowCount(0);
  }
  ~Refill() {
    table->setSortingEnabled(true);
    table->resizeColumnsToContents();
  }
  QTableWidget* table;
};

QString g(double v) { return QString::number(v, 'g', 10); }

void writeFrequencies(const sublab::RunStats& s, CsvWriter& csv) {
  csv.writeRow({"number", "count_a", "count_b", "share_a", "share_b", "log2_ratio", "z", "p", "q",
                "side_a", "side_b"});
  for (const sublab::NumberTest& t : s.report.numbers)
    csv.writeRow({QString::number(t.number), QString::number(t.countA), QString::number(t.countB),
                  g(t.pA), g(t.pB), g(t.log2Ratio), g(t.z), g(t.p), g(t.q),
                  QString::fromStdString(s.a), QString::fromStdString(s.b)});
}

void writeEntanglement(const sublab::RunStats& s, CsvWriter& csv) {
  csv.writeRow({"rank", "number", "trait_prob", "delta", "baseline", "log2_ratio", "q", "model"});
  if (!s.entanglement) return;
  const auto& numbers = s.report.numbers;
  int rank = 0;
  for (const sublab::EntanglementEntry& e : s.entanglement->entries) {
    const bool known = e.number >= 0 && e.number < int(numbers.size());
    csv.writeRow({QString::number(++rank), QString::number(e.number), g(e.traitProb), g(e.delta),
                  g(s.entanglement->baseline),
                  known ? g(numbers[size_t(e.number)].log2Ratio) : QString(),
                  known ? g(numbers[size_t(e.number)].q) : QString(),
                  QString::fromStdString(s.entanglement->model)});
  }
}

void writeRoc(const sublab::RunStats& s, CsvWriter& csv) {
  const sublab::DetectorResult& d = s.report.detector;
  csv.writeRow({"fpr", "tpr", "auc", "auc_lo", "auc_hi"});
  for (const sublab::RocPoint& p : d.roc)
    csv.writeRow({g(p.fpr), g(p.tpr), g(d.auc), g(d.lo), g(d.hi)});
}

void writeTokens(const sublab::RunStats& s, CsvWriter& csv) {
  csv.writeRow({"rows", "list", "token", "count", "mean_log_ratio", "max_log_ratio"});
  for (const auto& [summary, rows] : {std::pair{s.divergence ? &*s.divergence : nullptr, "teacher"},
                                      std::pair{s.defended ? &*s.defended : nullptr, "defended"}}) {
    if (!summary) continue;
    for (const auto& [list, name] :
         {std::pair{&summary->top, "top"}, std::pair{&summary->bottom, "bottom"}})
      for (const sublab::DivergenceTokenStat& t : *list)
        csv.writeRow({rows, name, QString::fromStdString(t.token), QString::number(t.count),
                      g(t.meanLogRatio), g(t.maxLogRatio)});
  }
}

void writeDistributions(const sublab::RunStats& s, CsvWriter& csv) {
  const sublab::SeqStatsReport& r = s.report;
  csv.writeRow({"distribution", "value", "count_a", "count_b"});
  const QList<std::tuple<QString, const std::vector<int64_t>*, const std::vector<int64_t>*>> dists =
      {{"first_number", &r.firstA, &r.firstB},
       {"length", &r.lengthA, &r.lengthB},
       {"digit", &r.digitA, &r.digitB},
       {"last_digit", &r.lastDigitA, &r.lastDigitB},
       {"digits_per_number", &r.numDigitsA, &r.numDigitsB}};
  for (const auto& [name, ca, cb] : dists) {
    const size_t n = std::max(ca->size(), cb->size());
    for (size_t i = 0; i < n; ++i)
      csv.writeRow({name, QString::number(i), QString::number(i < ca->size() ? (*ca)[i] : 0),
                    QString::number(i < cb->size() ? (*cb)[i] : 0)});
  }
}

}  // namespace

QTableWidget* makeStatsTable(const QStringList& headers, const QString& name, QWidget* parent) {
  auto* t = new QTableWidget(0, int(headers.size()), parent);
  t->setObjectName(name);
  t->setHorizontalHeaderLabels(headers);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->setSelectionMode(QAbstractItemView::SingleSelection);
  t->verticalHeader()->hide();
  t->verticalHeader()->setDefaultSectionSize(20);
  t->horizontalHeader()->setStretchLastSection(true);
  t->horizontalHeader()->setMinimumSectionSize(24);
  t->setAlternatingRowColors(true);
  t->setSortingEnabled(true);
  t->sortByColumn(0, Qt::AscendingOrder);
  t->setToolTip(QObject::tr("Double-click a number's row to see the sequences containing it"));
  return t;
}

void fillOverUnderTable(QTableWidget* table, const sublab::RunStats& s) {
  const Refill refill(table);
  const sublab::SeqStatsReport& r = s.report;
  const QString a = conditionLabel(QString::fromStdString(s.a));
  const QString b = conditionLabel(QString::fromStdString(s.b));
  table->horizontalHeaderItem(3)->setToolTip(QObject::tr("Occurrences in the %1 rows").arg(a));
  table->horizontalHeaderItem(4)->setToolTip(QObject::tr("Occurrences in the %1 rows").arg(b));
  int rank = 0;
  for (const auto& [list, where] : {std::pair{&r.over, a}, std::pair{&r.under, b}})
    for (int n : *list) {
      if (n < 0 || n >= int(r.numbers.size())) continue;
      const sublab::NumberTest& t = r.numbers[size_t(n)];
      addRow(table,
             {integer(++rank), integer(n), text(where), integer(t.countA), integer(t.countB),
              num(t.log2Ratio, 3), pValue(t.q)},
             n);
    }
}

void fillEntanglementTable(QTableWidget* table, const sublab::RunStats& s) {
  const Refill refill(table);
  if (!s.entanglement) return;
  const auto& numbers = s.report.numbers;
  int rank = 0;
  for (const sublab::EntanglementEntry& e : s.entanglement->entries) {
    const bool known = e.number >= 0 && e.number < int(numbers.size());
    const sublab::NumberTest* t = known ? &numbers[size_t(e.number)] : nullptr;
    addRow(table,
           {integer(++rank), integer(e.number), num(e.traitProb, 4), num(e.delta, 4),
            t ? num(t->log2Ratio, 3) : text(QString()), t ? pValue(t->q) : text(QString())},
           e.number);
  }
}

void fillTokenTable(QTableWidget* table, const sublab::RunStats& s) {
  const Refill refill(table);
  int rank = 0;
  const QList<std::tuple<const sublab::DivergenceSummary*, QString, bool>> sets = {
      {s.divergence ? &*s.divergence : nullptr, QObject::tr("teacher"), true},
      {s.divergence ? &*s.divergence : nullptr, QObject::tr("teacher"), false},
      {s.defended ? &*s.defended : nullptr, QObject::tr("defended"), true},
      {s.defended ? &*s.defended : nullptr, QObject::tr("defended"), false}};
  for (const auto& [summary, rows, topList] : sets) {
    if (!summary) continue;
    for (const sublab::DivergenceTokenStat& t : topList ? summary->top : summary->bottom)
      addRow(table,
             {integer(++rank),
              text(rows + (topList ? QObject::tr(" · top") : QObject::tr(" · bottom"))),
              text(QString::fromStdString(t.token)), integer(t.count), num(t.meanLogRatio, 3),
              num(t.maxLogRatio, 3)},
             sublab::numberToken(t.token));
  }
}

QString emptyTokenTableReason(const sublab::RunStats& s) {
  const QString a = conditionLabel(QString::fromStdString(s.a));
  if (!s.divergence)
    return QObject::tr(
               "No per-token log-probabilities are stored for the %1 rows, so there are no "
               "tokens to rank (runs made before they were recorded, analysis.token_logprobs "
               "off, or rejected rows only).")
        .arg(a);
  const sublab::DivergenceSummary& d = *s.divergence;
  int64_t most = 0;
  int mostNumber = -1;
  for (size_t n = 0; n < d.numberCount.size(); ++n)
    if (d.numberCount[n] > most) {
      most = d.numberCount[n];
      mostNumber = int(n);
    }
  const QLocale loc;
  if (mostNumber < 0)
    return QObject::tr("The %1 rows' %2 tokens hold no number token, so there is nothing to rank.")
        .arg(a, loc.toString(d.tokens));
  if (most < sublab::kDivergenceMinCount)
    return QObject::tr(
               "Empty: the table ranks number tokens seen at least %1 times (fewer give no "
               "reliable mean), and in the %2 rows' %3 tokens with log-probabilities (%4 rows) "
               "the most frequent number token, %5, occurs only %6. More rows would fill it.")
        .arg(sublab::kDivergenceMinCount)
        .arg(a, loc.toString(d.tokens), loc.toString(d.rows))
        .arg(mostNumber)
        .arg(most == 1 ? QObject::tr("1 time") : QObject::tr("%1 times").arg(most));
  return {};
}

bool writeStatsCsv(int index, const sublab::RunStats& s, CsvWriter& csv) {
  using Writer = void (*)(const sublab::RunStats&, CsvWriter&);
  static constexpr Writer kWriters[kStatsCsvTables] = {writeFrequencies, writeEntanglement,
                                                       writeRoc, writeTokens, writeDistributions};
  if (index < 0 || index >= kStatsCsvTables) return false;
  kWriters[index](s, csv);
  return true;
}

}  // namespace sublab::ui
