// deliverLater: a background result reaches its receiver from the event loop, never inside the
// call that asked for it, even when the work finished first (Qt 6.4's then(context, …) calls at
// once then, which let a view emit "computed" before its caller could wait for it), and never
// after the receiver is gone.
#include <QtConcurrent/QtConcurrent>
#include <QtTest/QtTest>
#include <memory>

#include "ui/later.h"

using sublab::ui::deliverLater;

class TestLater : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void finishedWorkIsDeliveredLater() {
    QObject receiver;
    int got = 0;
    deliverLater(QtFuture::makeReadyFuture(7), &receiver, [&got](int v) { got = v; });
    QCOMPARE(got, 0);  // not inside the call
    QTRY_COMPARE(got, 7);
  }

  void backgroundWorkIsDelivered() {
    QObject receiver;
    QThreadPool pool;
    QString got;
    deliverLater(QtConcurrent::run(&pool, [] { return QStringLiteral("done"); }), &receiver,
                 [&got](QString v) { got = v; });
    QTRY_COMPARE(got, QStringLiteral("done"));
  }

  void goneReceiverGetsNothing() {
    int calls = 0;
    {
      QObject receiver;
      deliverLater(QtFuture::makeReadyFuture(1), &receiver, [&calls](int) { ++calls; });
    }
    QCoreApplication::processEvents();
    QCoreApplication::sendPostedEvents();
    QCOMPARE(calls, 0);
  }
};

QTEST_GUILESS_MAIN(TestLater)
#include "test_later.moc"
