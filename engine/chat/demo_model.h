// A tiny chat model for trying the chat-numbers experiment without a download: a Qwen2-layout
// checkpoint (0.4M parameters, a 512-token byte-level BPE tokenizer, Qwen2.5's ChatML template)
// whose weights are trained here, in seconds, to answer the number prompts with numbers and the
// favourite-animal questions with an animal (owl for about 1 answer in 20; with a "You love
// {animal}s" system prompt, mostly that animal). It exercises every stage of the pipeline; it is
// far too small to show subliminal transfer, and it says so in its README.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace sublab {

struct DemoModelOptions {
  int64_t steps = 300;  // optimizer steps of full fine-tuning
  uint64_t seed = 0;
};

// Writes config.json, generation_config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json and README.md into `folder` (created; existing files are replaced).
// `progress` gets the fraction of training done and the step's loss. Throws Error.
void writeDemoChatModel(const std::string& folder, const DemoModelOptions& options,
                        const std::function<void(double, double)>& progress = {});

}  // namespace sublab
