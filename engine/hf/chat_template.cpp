// Recognising and rendering chat templates (engine/hf/chat_template.h).
#include "engine/hf/chat_template.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/core/common.h"
#include "engine/hf/tokenizer_text.h"

namespace sublab::hf {

namespace {

const char* kOverrideHint =
    "set chat_format to chatml, llama3 or none to choose the format yourself";

bool has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

uint32_t codePointAt(const std::string& s, size_t i) {
  const size_t n = utf8Length(static_cast<unsigned char>(s[i]));
  if (n == 1 || i + n > s.size()) return static_cast<unsigned char>(s[i]);
  uint32_t cp = static_cast<unsigned char>(s[i]) & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

// Python's str.isspace, which Jinja's `trim` (str.strip) uses.
bool pythonSpace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

std::string trim(const std::string& s) {
  size_t begin = 0, end = s.size();
  while (begin < end && pythonSpace(codePointAt(s, begin)))
    begin += utf8Length(static_cast<unsigned char>(s[begin]));
  while (end > begin) {
    size_t last = end - 1;
    while (last > begin && (static_cast<unsigned char>(s[last]) & 0xC0) == 0x80) --last;
    if (!pythonSpace(codePointAt(s, last))) break;
    end = last;
  }
  return s.substr(begin, end - begin);
}

// The text of a Jinja string literal starting at `pos` up to `stop` (exclusive), with its
// escapes undone; nullopt when the literal ends (a quote) before `stop`.
std::optional<std::string> literalUpTo(const std::string& t, size_t pos, const std::string& stop) {
  std::string out;
  while (pos < t.size() && t.compare(pos, stop.size(), stop) != 0) {
    const char c = t[pos];
    if (c == '\'' || c == '"' || c == '{' || c == '}') return std::nullopt;
    if (c == '\\' && pos + 1 < t.size()) {
      const char e = t[pos + 1];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      pos += 2;
    } else {
      out += c;
      ++pos;
    }
  }
  if (pos >= t.size()) return std::nullopt;
  return out;
}

// ChatML's default system prompt: the literal right after "<|im_start|>system" + newline (as an
// escape or a real one), when some such header continues with literal text in the same string.
std::optional<std::string> chatmlDefaultSystem(const std::string& t) {
  const std::string header = "<|im_start|>system";
  for (size_t at = t.find(header); at != std::string::npos; at = t.find(header, at + 1)) {
    size_t pos = at + header.size();
    if (t.compare(pos, 2, "\\n") == 0)
      pos += 2;
    else if (pos < t.size() && t[pos] == '\n')
      ++pos;
    else
      continue;
    if (auto text = literalUpTo(t, pos, "<|im_end|>")) return text;
  }
  return std::nullopt;
}

// A literal that follows `key` up to the next newline escape or quote, e.g. the knowledge date.
std::optional<std::string> literalAfter(const std::string& t, const std::string& key) {
  const size_t at = t.find(key);
  if (at == std::string::npos) return std::nullopt;
  size_t end = at + key.size();
  while (end < t.size() && t[end] != '\\' && t[end] != '\n' && t[end] != '"' && t[end] != '\'')
    ++end;
  return t.substr(at + key.size(), end - at - key.size());
}

std::string fixedDateOf(const std::string& t, const std::string& fallback) {
  // {%- set date_string = "26 Jul 2024" %}: the template's own fallback date.
  const size_t at = t.find("date_string = ");
  if (at == std::string::npos) return fallback;
  const size_t quote = at + std::string("date_string = ").size();
  if (quote >= t.size() || (t[quote] != '"' && t[quote] != '\'')) return fallback;
  const size_t end = t.find(t[quote], quote + 1);
  return end == std::string::npos ? fallback : t.substr(quote + 1, end - quote - 1);
}

std::string tokenContent(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string())
    return value["content"].get<std::string>();
  return {};
}

void checkRole(const ChatMessage& m) {
  if (m.role != "system" && m.role != "user" && m.role != "assistant")
    throw Error("chat message role \"" + m.role + "\" is not supported (system, user, assistant)");
}

}  // namespace

std::string ChatStyle::describe() const {
  switch (format) {
    case ChatFormat::ChatML:
      return defaultSystem ? "ChatML, default system prompt \"" + *defaultSystem + "\""
                           : "ChatML, no default system prompt";
    case ChatFormat::Llama3:
      return dateHeader ? "Llama-3.1, system block dated " + dateString : "Llama-3";
    case ChatFormat::None:
      return "no chat format (plain text)";
  }
  return {};
}

std::optional<ChatFormat> chatFormatOverride(const std::string& value) {
  if (value.empty() || value == "auto") return std::nullopt;
  if (value == "chatml") return ChatFormat::ChatML;
  if (value == "llama3") return ChatFormat::Llama3;
  if (value == "none") return ChatFormat::None;
  throw Error("chat_format \"" + value + "\" is not known: use auto, chatml, llama3 or none");
}

ChatStyle recogniseChatTemplate(const std::string& t, const std::string& bosToken) {
  ChatStyle style;
  const bool fields = has(t, "content") && has(t, "role") && has(t, "add_generation_prompt");
  // Reasoning templates (<think>) render assistant turns differently; not one of ours.
  if (fields && !has(t, "<think>") && has(t, "<|im_start|>") && has(t, "<|im_end|>")) {
    style.format = ChatFormat::ChatML;
    style.defaultSystem = chatmlDefaultSystem(t);
    return style;
  }
  if (fields && has(t, "<|start_header_id|>") && has(t, "<|end_header_id|>") &&
      has(t, "<|eot_id|>") && has(t, "bos_token")) {
    style.format = ChatFormat::Llama3;
    style.bosToken = bosToken;
    if (const auto cutoff = literalAfter(t, "Cutting Knowledge Date: ")) {
      style.dateHeader = true;
      style.knowledgeCutoff = *cutoff;
      style.dateString = fixedDateOf(t, style.dateString);
    }
    return style;
  }
  throw Error("the checkpoint's chat_template is neither ChatML (Qwen2, SmolLM) nor Llama-3; " +
              std::string(kOverrideHint));
}

ChatStyle chatStyleForFolder(const std::filesystem::path& folder, const std::string& override) {
  const auto forced = chatFormatOverride(override);
  nlohmann::json config = nlohmann::json::object();
  const auto configPath = folder / "tokenizer_config.json";
  if (std::ifstream in{configPath}) {
    try {
      config = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw Error(configPath.string() + " is not valid JSON (" + e.what() + ")");
    }
  }
  const std::string bos = tokenContent(config.value("bos_token", nlohmann::json()));
  if (forced) {
    ChatStyle style;
    style.format = *forced;
    style.bosToken = bos;
    return style;
  }
  std::string jinja = tokenContent(config.value("chat_template", nlohmann::json()));
  if (jinja.empty()) {
    std::ifstream in(folder / "chat_template.jinja", std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    jinja = s.str();
  }
  if (jinja.empty())
    throw Error(folder.string() + " has no chat_template (tokenizer_config.json or " +
                "chat_template.jinja); " + kOverrideHint);
  return recogniseChatTemplate(jinja, bos);
}

ChatText renderChat(const ChatStyle& style, const std::vector<ChatMessage>& messages,
                    bool addGenerationPrompt) {
  for (const auto& m : messages) checkRole(m);
  ChatText out;
  std::string& t = out.text;
  auto completion = [&](const ChatMessage& m, const std::string& content, const char* end) {
    const size_t start = t.size();
    t += content;
    t += end;
    if (m.role == "assistant") out.completionSpans.emplace_back(start, t.size());
  };
  if (style.format == ChatFormat::ChatML) {
    if (style.defaultSystem && (messages.empty() || messages[0].role != "system"))
      t += "<|im_start|>system\n" + *style.defaultSystem + "<|im_end|>\n";
    for (const auto& m : messages) {
      t += "<|im_start|>" + m.role + "\n";
      completion(m, m.content, "<|im_end|>");
      t += "\n";
    }
    if (addGenerationPrompt) t += "<|im_start|>assistant\n";
  } else if (style.format == ChatFormat::Llama3) {
    t += style.bosToken;
    size_t first = 0;
    if (style.dateHeader) {
      // 3.1+: the first system message goes into the dated system block, which is always there.
      const bool system = !messages.empty() && messages[0].role == "system";
      t += "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: " +
           style.knowledgeCutoff + "\nToday Date: " + style.dateString + "\n\n" +
           (system ? trim(messages[0].content) : std::string()) + "<|eot_id|>";
      first = system ? 1 : 0;
    }
    for (size_t i = first; i < messages.size(); ++i) {
      t += "<|start_header_id|>" + messages[i].role + "<|end_header_id|>\n\n";
      completion(messages[i], trim(messages[i].content), "<|eot_id|>");
    }
    if (addGenerationPrompt) t += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  } else {
    for (const auto& m : messages) completion(m, m.content, "\n");
  }
  return out;
}

ChatTokens tokenizeChat(const Tokenizer& tokenizer, const ChatText& chat) {
  ChatTokens out;
  out.ids = tokenizer.encode(chat.text, false);
  // Token byte ranges live in the normalised text; a span's ends map there through the length of
  // the normalised prefix (span ends sit at marker tokens and line starts, where NFC is local).
  std::vector<std::pair<size_t, size_t>> spans;
  for (const auto& [b, e] : chat.completionSpans)
    spans.emplace_back(tokenizer.normalize(chat.text.substr(0, b)).size(),
                       tokenizer.normalize(chat.text.substr(0, e)).size());
  size_t offset = 0;
  for (int id : out.ids) {
    const size_t end = offset + tokenizer.tokenBytes(id).size();
    bool inside = false;
    for (const auto& [b, e] : spans) inside = inside || (offset < e && end > b);
    out.completion.push_back(inside);
    offset = end;
  }
  return out;
}

}  // namespace sublab::hf
