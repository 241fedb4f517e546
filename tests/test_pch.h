// Precompiled header shared by all test executables: torch and Qt Test (QT_NO_KEYWORDS set).
#pragma once
#include <torch/torch.h>

#include <QtTest/QtTest>
