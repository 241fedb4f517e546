// Reading a tokenizer.json into detail::TokenizerModel; everything not supported is refused here,
// by name, so that encoding never meets a surprise.
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/core/common.h"
#include "engine/hf/tokenizer_model.h"

namespace sublab::hf {

using detail::PreTokenizerStep;
using detail::SplitBehavior;
using detail::TokenizerModel;
using nlohmann::json;

namespace {

// GPT-2's split pattern, which the ByteLevel pre-tokenizer uses when use_regex is true.
const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

[[noreturn]] void refuse(const std::string& source, const std::string& what) {
  throw Error(source + ": " + what);
}

std::shared_ptr<Regex> compile(const std::string& pattern, bool literal,
                               const std::string& source) {
  try {
    return std::make_shared<Regex>(pattern, literal);
  } catch (const Error& e) {
    refuse(source, e.what());
  }
}

std::string typeOf(const json& j) {
  return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>()
                                                                      : std::string("(no type)");
}

bool flag(const json& j, const char* key, bool fallback = false) {
  return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
}

void readVocab(TokenizerModel& m, const json& model, const std::string& source) {
  if (!model.contains("vocab") || !model["vocab"].is_object() || model["vocab"].empty())
    refuse(source, "the BPE model has no vocab (model.vocab must map tokens to ids)");
  for (const auto& [token, id] : model["vocab"].items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > (1 << 24))
      refuse(source, "vocab entry \"" + token + "\" has no valid id");
    const int i = id.get<int>();
    m.vocab[token] = i;
    if (i >= int(m.tokens.size())) m.tokens.resize(i + 1);
    m.tokens[i] = token;
  }
}

int vocabId(const TokenizerModel& m, const std::string& token, size_t rank,
            const std::string& source) {
  const auto it = m.vocab.find(token);
  if (it == m.vocab.end())
    refuse(source, "merge " + std::to_string(rank) + " names \"" + token +
                       "\", which is not in the vocab (a damaged or mismatched tokenizer.json)");
  return it->second;
}

void readMerges(TokenizerModel& m, const json& model, const std::string& source) {
  if (!model.contains("merges") || !model["merges"].is_array())
    refuse(source, "the BPE model has no merges list");
  const json& merges = model["merges"];
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const json& e = merges[rank];
    std::string a, b;
    // Two formats: "a b" (older files) and ["a", "b"] (tokenizers >= 0.20, allows spaces).
    if (e.is_string()) {
      const std::string s = e.get<std::string>();
      const auto space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
        refuse(source, "merge " + std::to_string(rank) + " \"" + s + "\" is not two tokens");
      a = s.substr(0, space);
      b = s.substr(space + 1);
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      a = e[0].get<std::string>();
      b = e[1].get<std::string>();
    } else {
      refuse(source, "merge " + std::to_string(rank) + " is neither \"a b\" nor [a, b]");
    }
    const int left = vocabId(m, a, rank, source), right = vocabId(m, b, rank, source);
    const int merged = vocabId(m, a + b, rank, source);
    m.merges.emplace(TokenizerModel::pairKey(left, right), std::make_pair(int(rank), merged));
  }
}

void readModel(TokenizerModel& m, const json& model, const std::string& source) {
  if (!model.is_object()) refuse(source, "no model section");
  const std::string type = typeOf(model);
  if (type != "BPE")
    refuse(source, "the tokenizer model is " + type +
                       "; only byte-level BPE (GPT-2, Llama-3, Qwen2, SmolLM) is supported, not "
                       "SentencePiece-style Unigram / WordPiece / WordLevel models");
  if (flag(model, "byte_fallback")) refuse(source, "BPE byte_fallback is not supported");
  if (model.contains("dropout") && !model["dropout"].is_null() && model["dropout"] != 0.0)
    refuse(source, "BPE dropout is not supported (a training-time option)");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (model.contains(key) && !model[key].is_null() && model[key] != "")
      refuse(source, std::string("BPE ") + key + " is not supported");
  readVocab(m, model, source);
  readMerges(m, model, source);
  m.ignoreMerges = flag(model, "ignore_merges");
  m.fuseUnk = flag(model, "fuse_unk");
  if (model.contains("unk_token") && model["unk_token"].is_string())
    m.unkId = vocabId(m, model["unk_token"].get<std::string>(), 0, source);
}

void readNormalizer(TokenizerModel& m, const json& n, const std::string& source) {
  if (n.is_null()) return;
  const std::string type = typeOf(n);
  if (type == "NFC") {
    m.nfc = true;
  } else if (type == "Sequence" && n.contains("normalizers") && n["normalizers"].is_array()) {
    for (const json& inner : n["normalizers"]) readNormalizer(m, inner, source);
  } else {
    refuse(source, "normalizer " + type + " is not supported (only none and NFC)");
  }
}

SplitBehavior behaviorOf(const json& step, const std::string& source) {
  const std::string b = step.value("behavior", std::string("Isolated"));
  if (b == "Removed") return SplitBehavior::Removed;
  if (b == "Isolated") return SplitBehavior::Isolated;
  if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (b == "Contiguous") return SplitBehavior::Contiguous;
  refuse(source, "Split behavior " + b + " is not known");
}

void readPreTokenizer(TokenizerModel& m, const json& p, const std::string& source) {
  if (p.is_null()) return;
  const std::string type = typeOf(p);
  PreTokenizerStep step;
  if (type == "Sequence" && p.contains("pretokenizers") && p["pretokenizers"].is_array()) {
    for (const json& inner : p["pretokenizers"]) readPreTokenizer(m, inner, source);
    return;
  } else if (type == "ByteLevel") {
    step.kind = PreTokenizerStep::Kind::ByteLevel;
    step.addPrefixSpace = flag(p, "add_prefix_space");
    if (flag(p, "use_regex", true)) step.regex = compile(kGpt2Pattern, false, source);
  } else if (type == "Split") {
    const json& pattern = p.value("pattern", json());
    if (pattern.contains("Regex") && pattern["Regex"].is_string())
      step.regex = compile(pattern["Regex"].get<std::string>(), false, source);
    else if (pattern.contains("String") && pattern["String"].is_string())
      step.regex = compile(pattern["String"].get<std::string>(), true, source);
    else
      refuse(source, "a Split pre-tokenizer has no Regex or String pattern");
    step.behavior = behaviorOf(p, source);
    step.invert = flag(p, "invert");
  } else if (type == "Digits") {
    // Digits = Split on numeric characters: each alone, or runs of them.
    step.regex = compile(flag(p, "individual_digits") ? "\\p{N}" : "\\p{N}+", false, source);
  } else {
    refuse(source, "pre-tokenizer " + type +
                       " is not supported (ByteLevel, Split, Digits and Sequence are)");
  }
  m.preTokenizer.push_back(std::move(step));
}

void readAddedTokens(TokenizerModel& m, const json& added, const std::string& source) {
  if (added.is_null()) return;
  if (!added.is_array()) refuse(source, "added_tokens is not a list");
  for (const json& a : added) {
    AddedToken t;
    if (!a.contains("id") || !a["id"].is_number_integer() || !a.contains("content") ||
        !a["content"].is_string() || a["content"].get<std::string>().empty())
      refuse(source, "an added token lacks its id or content");
    t.id = a["id"].get<int>();
    t.content = a["content"].get<std::string>();
    t.special = flag(a, "special");
    t.lstrip = flag(a, "lstrip");
    t.rstrip = flag(a, "rstrip");
    t.singleWord = flag(a, "single_word");
    t.normalized = flag(a, "normalized");
    if (t.id < 0 || t.id > (1 << 24)) refuse(source, "added token " + t.content + " has a bad id");
    if (t.id >= int(m.tokens.size())) m.tokens.resize(t.id + 1);
    m.tokens[t.id] = t.content;
    m.addedByContent[t.content] = t.id;
    m.addedByFirstByte[static_cast<unsigned char>(t.content[0])].push_back(int(m.added.size()));
    m.added.push_back(t);
  }
  m.special.assign(m.tokens.size(), 0);
  for (const auto& t : m.added) m.special[t.id] = t.special;
}

int specialTokenId(const json& specials, const std::string& name, const std::string& source) {
  if (!specials.contains(name) || !specials[name].contains("ids") ||
      specials[name]["ids"].size() != 1)
    refuse(source, "the post-processor's template names " + name + " without one id");
  return specials[name]["ids"][0].get<int>();
}

void readPostProcessor(TokenizerModel& m, const json& p, const std::string& source) {
  if (p.is_null()) return;
  const std::string type = typeOf(p);
  if (type == "ByteLevel") return;  // only trims offsets; ids unchanged
  if (type == "Sequence" && p.contains("processors") && p["processors"].is_array()) {
    for (const json& inner : p["processors"]) readPostProcessor(m, inner, source);
    return;
  }
  if (type != "TemplateProcessing")
    refuse(source, "post-processor " + type +
                       " is not supported (ByteLevel, TemplateProcessing and Sequence are)");
  const json specials = p.value("special_tokens", json::object());
  bool seenText = false;
  for (const json& piece : p.value("single", json::array())) {
    if (piece.contains("Sequence")) {
      if (piece["Sequence"].value("id", "") != "A")
        refuse(source, "the single-text template uses sequence B");
      seenText = true;
    } else if (piece.contains("SpecialToken")) {
      const int id = specialTokenId(specials, piece["SpecialToken"].value("id", ""), source);
      (seenText ? m.templateAfter : m.templateBefore).push_back(id);
    }
  }
}

void readDecoder(TokenizerModel& m, const json& d, const std::string& source) {
  if (d.is_null()) return;
  const std::string type = typeOf(d);
  if (type == "ByteLevel") {
    m.byteLevelDecoder = true;
  } else if (type == "Sequence" && d.contains("decoders") && d["decoders"].is_array()) {
    for (const json& inner : d["decoders"]) readDecoder(m, inner, source);
  } else {
    refuse(source, "decoder " + type + " is not supported (only ByteLevel)");
  }
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<TokenizerModel> model) : m_model(std::move(model)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::fromFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot be read (missing or not permitted)");
  std::stringstream text;
  text << in.rdbuf();
  return fromJson(text.str(), path.string());
}

Tokenizer Tokenizer::fromJson(std::string_view text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    refuse(source, std::string("is not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) refuse(source, "is not a tokenizer.json (no JSON object)");
  auto m = std::make_unique<TokenizerModel>();
  try {
    readModel(*m, j.value("model", json()), source);
    readNormalizer(*m, j.value("normalizer", json()), source);
    readPreTokenizer(*m, j.value("pre_tokenizer", json()), source);
    readAddedTokens(*m, j.value("added_tokens", json()), source);
    readPostProcessor(*m, j.value("post_processor", json()), source);
    readDecoder(*m, j.value("decoder", json()), source);
  } catch (const json::exception& e) {
    refuse(source, std::string("has an unexpected layout (") + e.what() + ")");
  }
  const bool byteLevel = std::any_of(m->preTokenizer.begin(), m->preTokenizer.end(), [](auto& s) {
    return s.kind == PreTokenizerStep::Kind::ByteLevel;
  });
  if (!byteLevel || !m->byteLevelDecoder)
    refuse(source,
           "is not a byte-level BPE tokenizer (needs a ByteLevel pre-tokenizer and decoder)");
  if (m->special.size() < m->tokens.size()) m->special.resize(m->tokens.size(), 0);
  return Tokenizer(std::move(m));
}

}  // namespace sublab::hf
