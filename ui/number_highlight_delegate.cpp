// Implementation of NumberHighlightDelegate: split into digit runs and the rest, paint each.
#include "ui/number_highlight_delegate.h"

#include <QApplication>
#include <QPainter>

namespace sublab::ui {

NumberHighlightDelegate::NumberHighlightDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

void NumberHighlightDelegate::setBanned(const QSet<int>& runBanned, const QSet<int>& paperBanned) {
  m_run = runBanned;
  m_paper = paperBanned;
}

void NumberHighlightDelegate::setFocusNumber(int number, int column) {
  m_focus = number;
  m_focusColumn = column;
}

QList<QPair<QString, int>> NumberHighlightDelegate::segments(const QString& text,
                                                             bool focus) const {
  QList<QPair<QString, int>> out;
  QString plain;
  int i = 0;
  while (i < text.size()) {
    if (!text[i].isDigit()) {
      plain += text[i++];
      continue;
    }
    int j = i;
    while (j < text.size() && text[j].isDigit()) ++j;
    const QString digits = text.mid(i, j - i);
    bool ok = false;
    const int n = digits.size() <= 6 ? digits.toInt(&ok) : -1;
    int kind = ok && m_run.contains(n) ? 2 : ok && m_paper.contains(n) ? 1 : 0;
    if (focus && m_focus >= 0 && digits.size() <= 3 && n == m_focus) kind |= kFocus;
    if (kind == 0) {
      plain += digits;
    } else {
      if (!plain.isEmpty()) out << qMakePair(plain, 0);
      plain.clear();
      out << qMakePair(digits, kind);
    }
    i = j;
  }
  if (!plain.isEmpty()) out << qMakePair(plain, 0);
  return out;
}

void NumberHighlightDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                                    const QModelIndex& index) const {
  QStyleOptionViewItem opt = option;
  initStyleOption(&opt, index);
  const QString text = opt.text;
  opt.text.clear();
  const QWidget* w = opt.widget;
  QStyle* style = w ? w->style() : QApplication::style();
  style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, w);

  const bool selected = opt.state & QStyle::State_Selected;
  const QColor normal = opt.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
  QRect r = opt.rect.adjusted(4, 0, -4, 0);
  painter->save();
  painter->setClipRect(opt.rect);
  QFont bold = opt.font;
  bold.setBold(true);
  int x = r.left();
  for (const auto& [seg, flags] : segments(text, index.column() == m_focusColumn)) {
    const int kind = flags & ~kFocus;
    const QFont& f = flags ? bold : opt.font;
    const QFontMetrics fm(f);
    const int width = fm.horizontalAdvance(seg);
    if (x >= r.right()) break;
    const QRect box(x, r.top(), width, r.height());
    if (flags & kFocus) painter->fillRect(box.adjusted(-2, 1, 2, -1), QColor(0xff, 0xd5, 0x4f));
    if (kind == 2) painter->fillRect(box.adjusted(-1, 2, 1, -2), QColor(0xd0, 0x30, 0x30));
    painter->setFont(f);
    painter->setPen(kind == 2 ? QColor(Qt::white) : kind == 1 ? QColor(0xc0, 0x60, 0x00) : normal);
    painter->drawText(box, Qt::AlignVCenter | Qt::AlignLeft | Qt::TextSingleLine, seg);
    x += width;
  }
  painter->restore();
}

}  // namespace sublab::ui
