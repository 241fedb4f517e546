// "Is the difference hidden?" in the Statistics view: the detector's four variants (all
// features or numbers only, on the raw rows or length-matched) as a small table of AUC [95% CI]
// and rows per side, under the verdict line the engine words from the numbers-only,
// length-matched variant (the line `sublab stats --variants` prints).
#pragma once

#include <QWidget>

#include "engine/seqstats/hidden_signal.h"

class QLabel;
class QTableWidget;

namespace sublab::ui {

class HiddenSignalPanel : public QWidget {
  Q_OBJECT

 public:
  explicit HiddenSignalPanel(QWidget* parent = nullptr);
  // Shows `h`; nullptr hides the panel's contents behind a short note.
  void setSignal(const sublab::HiddenSignal* h);

  QTableWidget* table() const { return m_table; }
  QLabel* verdictLabel() const { return m_verdict; }

 private:
  QTableWidget* m_table;
  QLabel* m_verdict;
};

}  // namespace sublab::ui
