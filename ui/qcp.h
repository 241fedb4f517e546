// The one place that includes QCustomPlot. Our Qt code is compiled with QT_NO_KEYWORDS, but
// qcustomplot.h still uses `signals:`, `slots` and `foreach`; map them for this include only.
#pragma once

#ifndef QCUSTOMPLOT_USE_LIBRARY
#define QCUSTOMPLOT_USE_LIBRARY
#endif

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef foreach
