// Chat formatting for Hugging Face chat models, without a Jinja engine: the checkpoint's
// `chat_template` is recognised as one of the formats below and rendered by C++ that gives the
// same text as transformers' apply_chat_template (tested against Jinja renderings of the real
// templates, tests/engine/test_hf_chat_template.cpp).
//
// - ChatML (Qwen2 / Qwen2.5, SmolLM-Instruct): "<|im_start|>ROLE\nCONTENT<|im_end|>\n" per
//   message, "<|im_start|>assistant\n" as the generation prompt, and the template's default system
//   prompt when the conversation has none (Qwen2.5: "You are Qwen, created by Alibaba Cloud. You
//   are a helpful assistant."; Qwen2: "You are a helpful assistant."; SmolLM2 its own).
// - Llama-3: BOS, "<|start_header_id|>ROLE<|end_header_id|>\n\nCONTENT<|eot_id|>" with the content
//   trimmed; Llama 3.1+ always opens with a system block that carries "Cutting Knowledge Date" and
//   "Today Date" (the template's fixed fallback date; transformers would put today's date there
//   when it defines strftime_now, which would make runs differ by the day they ran).
//
// Recognition is by structure, not by exact text, so that small wording or whitespace changes do
// not matter: the template must use the format's marker tokens and message/role/content fields;
// the default system prompt is the literal text the template writes right after
// "<|im_start|>system\n" (an unconditional system header followed by a literal), whatever it says.
// Anything else is refused with a message naming the override (`chat_format`: chatml, llama3 or
// none).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/hf/tokenizer.h"

namespace sublab::hf {

enum class ChatFormat { ChatML, Llama3, None };

struct ChatMessage {
  std::string role;  // system, user or assistant
  std::string content;
};

// A recognised chat template.
struct ChatStyle {
  ChatFormat format = ChatFormat::None;
  std::optional<std::string> defaultSystem;  // ChatML: written when no system message is given
  bool dateHeader = false;                   // Llama 3.1+: the system block with the dates
  std::string knowledgeCutoff = "December 2023";
  std::string dateString = "26 Jul 2024";
  std::string bosToken;  // Llama-3: written first
  // e.g. "ChatML, default system prompt \"You are ...\"" for a model card or a log.
  std::string describe() const;
};

// The format a config value names: "auto" (or "") = recognise, "chatml", "llama3", "none".
// Throws sublab::Error for any other value.
std::optional<ChatFormat> chatFormatOverride(const std::string& value);

// Recognises `jinjaTemplate`; `bosToken` is the tokenizer_config's bos_token. Throws sublab::Error
// (naming the chat_format override) when it is not a supported format.
ChatStyle recogniseChatTemplate(const std::string& jinjaTemplate, const std::string& bosToken);

// The style for a checkpoint folder: its tokenizer_config.json `chat_template` (else a
// chat_template.jinja file, as transformers 5 writes), or the format `override` names ("auto"
// recognises). Forced ChatML has no default system prompt; forced Llama-3 is the 3.0 form; none
// writes each message's content followed by a newline.
ChatStyle chatStyleForFolder(const std::filesystem::path& folder, const std::string& override);

struct ChatText {
  std::string text;
  // Byte ranges of `text` that are the assistant's completions (content plus the end-of-turn
  // marker): what completion-only training puts its loss on.
  std::vector<std::pair<size_t, size_t>> completionSpans;
};

// Renders a conversation; `addGenerationPrompt` ends it with the assistant's header. Throws
// sublab::Error for a role other than system, user or assistant.
ChatText renderChat(const ChatStyle& style, const std::vector<ChatMessage>& messages,
                    bool addGenerationPrompt);

struct ChatTokens {
  std::vector<int> ids;          // the text encoded as transformers does (no extra BOS)
  std::vector<char> completion;  // per id: 1 where the token overlaps a completion span
};

ChatTokens tokenizeChat(const Tokenizer& tokenizer, const ChatText& chat);

}  // namespace sublab::hf
