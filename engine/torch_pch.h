// Precompiled header for engine translation units that use libtorch (keeps cold builds short).
#pragma once
#include <torch/torch.h>
