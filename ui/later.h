// Delivery of a background result through the receiver's event loop, always after the call that
// started the work has returned.
//
// Qt 6.4's QFuture::then(context, f) calls f at once, inside then(), when the work has already
// finished by then (its invokeMethod uses an automatic connection). A view would then emit its
// "done" signal before its caller could wait for it: a race that a loaded machine loses.
#pragma once

#include <QFuture>
#include <QMetaObject>
#include <QObject>
#include <utility>

namespace sublab::ui {

// Calls done(result) on receiver's thread from its event loop; never if receiver is gone first.
template <typename T, typename Done>
void deliverLater(QFuture<T> future, QObject* receiver, Done done) {
  future.then(receiver, [receiver, done = std::move(done)](T result) mutable {
    QMetaObject::invokeMethod(
        receiver, [done, result = std::move(result)]() mutable { done(std::move(result)); },
        Qt::QueuedConnection);
  });
}

}  // namespace sublab::ui
