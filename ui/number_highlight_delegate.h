// Paints a cell's text with numbers picked out: numbers banned by the run's own filter on a red
// background, numbers on the paper's banned list in bold orange, and, in one column, the number
// a filter looks for on yellow. Used by the inspector for the prompt and completion columns.
#pragma once

#include <QSet>
#include <QStyledItemDelegate>

namespace sublab::ui {

class NumberHighlightDelegate : public QStyledItemDelegate {
  Q_OBJECT

 public:
  explicit NumberHighlightDelegate(QObject* parent = nullptr);
  void setBanned(const QSet<int>& runBanned, const QSet<int>& paperBanned);
  // Marks `number` (a digit run of at most 3 digits, as the statistics read numbers) in cells
  // of `column`; -1 marks nothing.
  void setFocusNumber(int number, int column);
  // Bit set on a segment's kind when it is the focus number.
  static constexpr int kFocus = 4;

  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;

  // Segments of `text`: (substring, kind) with kind 0 plain, 1 paper list, 2 run's banned list;
  // with `focus`, the focus number's segments also carry kFocus.
  QList<QPair<QString, int>> segments(const QString& text, bool focus = false) const;

 private:
  QSet<int> m_run, m_paper;
  int m_focus = -1, m_focusColumn = -1;
};

}  // namespace sublab::ui
