// A Hugging Face tokenizer read from a checkpoint's tokenizer.json: byte-level BPE as the
// `tokenizers` library does it for GPT-2, Llama-3, Qwen2 / Qwen2.5 and SmolLM, with the same ids.
//
// Encoding runs the library's pipeline: added and special tokens are split out of the raw text
// first (lstrip / rstrip / single_word honoured), the rest is normalised (none or NFC), pre-
// tokenized (ByteLevel with or without its GPT-2 regex and prefix space; Split with a regex or a
// string and any of the five behaviours, inverted or not; Digits; a Sequence of these), each
// piece is mapped to the byte-level alphabet and merged by BPE rank (with `ignore_merges`: a piece
// that is a whole vocabulary entry stays one token), and the post-processor adds BOS and friends
// (TemplateProcessing; ByteLevel adds nothing to ids). Decoding maps tokens back to bytes
// (ByteLevel decoder) and optionally drops special tokens.
//
// Refused at load, each with one message naming the thing: a file that is not JSON, a model that
// is not BPE (Unigram / WordPiece / WordLevel, i.e. SentencePiece-style tokenizers), byte_fallback,
// dropout, subword prefixes, a normaliser, pre-tokenizer, post-processor or decoder type not listed
// above, a missing vocab, merges naming tokens the vocab lacks.
//
// Input text that is not valid UTF-8 is repaired first: each invalid sequence becomes U+FFFD
// (as Python's errors="replace"), so it is never a crash and never silently dropped.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sublab::hf {

namespace detail {
struct TokenizerModel;  // engine/hf/tokenizer_model.h
}

struct AddedToken {
  int id = -1;
  std::string content;
  bool special = false;
  bool lstrip = false;      // swallows the white space before it
  bool rstrip = false;      // swallows the white space after it
  bool singleWord = false;  // matches only when not inside a word
  bool normalized = false;  // matched on normalised text (treated as raw: NFC leaves these alone)
};

class Tokenizer {
 public:
  // Reads `path` (a tokenizer.json). Throws sublab::Error naming the file and the problem.
  static Tokenizer fromFile(const std::filesystem::path& path);
  // `json` is the file's text; `source` names it in messages.
  static Tokenizer fromJson(std::string_view json, const std::string& source = "tokenizer.json");

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Token ids of `text`; with `addSpecialTokens` the post-processor's template (e.g. Llama-3's
  // BOS) is applied, as `tokenizer(text)` does; chat-formatted text is encoded without it.
  // Safe to call from several threads at once.
  std::vector<int> encode(std::string_view text, bool addSpecialTokens = true) const;
  // The text of `ids` (invalid byte sequences become U+FFFD). Ids the tokenizer does not have
  // (a model's padded vocabulary rows) are dropped, as the library drops them.
  std::string decode(const std::vector<int>& ids, bool skipSpecialTokens = false) const;

  // The raw bytes that token `id` stands for ("" for an id it lacks): the encoded text is the
  // concatenation of its tokens' bytes (after normalisation), which maps tokens back to text.
  std::string tokenBytes(int id) const;
  // `text` as the model sees it before pre-tokenization: UTF-8 repaired, normalised (NFC or not).
  std::string normalize(std::string_view text) const;

  // -1 when `token` (in the byte-level alphabet, or an added token's content) has no id.
  int tokenToId(std::string_view token) const;
  // "" for an id the tokenizer does not have.
  std::string idToToken(int id) const;
  // Model vocabulary plus added tokens (the largest id + 1).
  int vocabSize() const;
  const std::vector<AddedToken>& addedTokens() const;
  bool isSpecial(int id) const;

 private:
  explicit Tokenizer(std::unique_ptr<detail::TokenizerModel> model);
  std::unique_ptr<detail::TokenizerModel> m_model;
};

}  // namespace sublab::hf
