// The demo chat model's tokenizer files (resources/demo-chat-model), compiled in by CMake.
#pragma once

namespace sublab::demo_assets {
extern const char* const kTokenizerJson;
extern const char* const kTokenizerConfigJson;
}  // namespace sublab::demo_assets
