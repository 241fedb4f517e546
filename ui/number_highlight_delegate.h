// Paints a cell's text with numbers picked out: numbers banned by the run's own filter on a red
// background, numbers on the paper's banned list in bold orange. Used by the inspector for the
// prompt and completion columns.
#pragma once

#include <QSet>
#include <QStyledItemDelegate>

namespace sublab::ui {

class NumberHighlightDelegate : public QStyledItemDelegate {
  Q_OBJECT

 public:
  explicit NumberHighlightDelegate(QObject* parent = nullptr);
  void setBanned(const QSet<int>& runBanned, const QSet<int>& paperBanned);

  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;

  // Segments of `text`: (substring, kind) with kind 0 plain, 1 paper list, 2 run's banned list.
  QList<QPair<QString, int>> segments(const QString& text) const;

 private:
  QSet<int> m_run, m_paper;
};

}  // namespace sublab::ui
