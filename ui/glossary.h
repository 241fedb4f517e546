// Help › Glossary (F1): the terms the app shows — the experiments' conditions, transfer,
// same-init and cross-init, trait probability and trait_prob_raw, and every statistic of the
// Statistics view — each explained as the engine computes it. A non-modal dialog with a filter
// box; the entries are data (glossaryEntries) so a test can check that each term is there.
#pragma once

#include <QDialog>
#include <QList>
#include <QString>

class QLineEdit;
class QTextBrowser;

namespace sublab::ui {

struct GlossaryEntry {
  QString term;   // "Transfer"
  QString also;   // other names it appears under ("transfer_aux, cross_transfer"), may be empty
  QString text;   // rich text
  QString group;  // "Experiments", "Metrics", "Statistics"
};

const QList<GlossaryEntry>& glossaryEntries();

class GlossaryDialog : public QDialog {
  Q_OBJECT

 public:
  explicit GlossaryDialog(QWidget* parent = nullptr);

  QTextBrowser* browser() const { return m_browser; }
  QLineEdit* filterEdit() const { return m_filter; }
  // Shows only the entries whose term, other names or text contain `text` (all when empty).
  void setFilter(const QString& text);

 private:
  QLineEdit* m_filter;
  QTextBrowser* m_browser;
};

}  // namespace sublab::ui
