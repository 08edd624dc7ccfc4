#include "tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"
#include "tokenizer/hf_precompiled.h"
#include "tokenizer/hf_tokenizer.h"
#include "tokenizer/spm_library.h"
#include "tokenizer/spm_proto.h"
#include "tokenizer/wordpiece.h"

namespace bertforge {
using json = nlohmann::json;

const char* const kSpecialPieces[kNumSpecials] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

struct Tokenizer::Impl {
  std::unique_ptr<spm::Model> sp;  // one of sp and wp
  // A SentencePiece model's character map, applied here as `tokenizers` applies it (then sp has
  // none of its own): see load_sentencepiece.
  std::optional<hf::PrecompiledCharsmap> charsmap;
  std::optional<WordPiece> wp;
  std::optional<HfTokenizer> hf;  // a HuggingFace tokenizer.json
  std::string path, checksum, bytes;
  std::vector<uint8_t> word_start;
  SpecialIds specials;
  bool per_word = false;  // see Tokenizer::encode
};

namespace {

const char kWordMarker[] = "\xE2\x96\x81";  // U+2581, SentencePiece's word-start marker

constexpr size_t kMaxCachedWord = 64;  // longer words are encoded without the cache

bool starts_with_marker(const std::string& piece) { return piece.compare(0, 3, kWordMarker) == 0; }

// Can text be encoded word by word with the same pieces (see Tokenizer::encode)?
bool allows_per_word(const spm::Model& sp) {
  for (int id = 0; id < sp.piece_size(); ++id) {
    if (sp.is_byte(id) || sp.is_control(id) || sp.is_unknown(id)) continue;
    if (sp.id_to_piece(id).find(kWordMarker, 1) != std::string::npos) return false;
  }
  std::vector<int> a, b;
  sp.encode("a", &a);  // a dummy prefix: a lone word starts with the marker
  if (a.empty() || !starts_with_marker(sp.id_to_piece(a[0]))) return false;
  sp.encode("a b", &a);  // whitespace is collapsed and trimmed
  sp.encode("  a   b ", &b);
  return a == b;
}

// Loads a SentencePiece model. Its precompiled character map (the normalization rules, e.g.
// nmt_nfkc) is taken out and applied by bertforge as HuggingFace `tokenizers` applies it (per
// grapheme cluster; tokenizer/hf_precompiled.h), SentencePiece then seeing normalized text: so the
// ids are those of the model's tokenizer.json export in `tokenizers`, the library its users load
// it with. They differ from SentencePiece's own only where a cluster has a grapheme extender.
void load_sentencepiece(const std::string& bytes, const std::string& path,
                        std::unique_ptr<spm::Model>* sp,
                        std::optional<hf::PrecompiledCharsmap>* charsmap) {
  *sp = spm::library().new_model();
  std::string error = (*sp)->load(bytes);
  if (!error.empty()) throw InputError(path, 0, "not a SentencePiece model: " + error);
  const SpmProto proto = parse_spm_proto(bytes, path);
  if (proto.precompiled_charsmap.empty()) return;
  try {
    charsmap->emplace(hf::PrecompiledCharsmap::parse(proto.precompiled_charsmap));
  } catch (const std::invalid_argument& e) {
    throw InputError(path, 0,
                     std::string("its precompiled character map is malformed: ") + e.what());
  }
  error = (*sp)->load(without_charsmap(bytes, path));
  if (!error.empty()) throw InputError(path, 0, "not a SentencePiece model: " + error);
}

constexpr const char* kWordPieceFormat = "bertforge-wordpiece";

// The one-file form of a WordPiece tokenizer: what the run's tokenizer/ and checkpoints hold.
std::string wordpiece_bytes(const WordPiece& wp) {
  const WordPieceOptions& o = wp.options();
  json j = {{"format", kWordPieceFormat},
            {"version", 1},
            {"do_lower_case", o.lowercase},
            {"strip_accents", o.strip_accents},
            {"tokenize_chinese_chars", o.tokenize_chinese_chars},
            {"max_input_chars_per_word", o.max_input_chars_per_word},
            {"unk_token", o.unk_token},
            {"vocab", wp.tokens()}};
  return j.dump(1) + "\n";
}

WordPiece wordpiece_from_bytes(const std::string& bytes, const std::string& path) {
  try {
    json j = json::parse(bytes);
    if (j.value("format", "") != kWordPieceFormat)
      throw InputError(path, 0,
                       "not a bertforge WordPiece model (no \"format\": \"" +
                           std::string(kWordPieceFormat) + "\")");
    WordPieceOptions o;
    o.lowercase = j.at("do_lower_case");
    o.strip_accents = j.at("strip_accents");
    o.tokenize_chinese_chars = j.at("tokenize_chinese_chars");
    o.max_input_chars_per_word = j.at("max_input_chars_per_word");
    o.unk_token = j.at("unk_token");
    return WordPiece::from_tokens(j.at("vocab").get<std::vector<std::string>>(), o);
  } catch (const json::exception& e) {
    throw InputError(path, 0, std::string("malformed WordPiece model: ") + e.what());
  }
}

// HuggingFace's BertTokenizer options from the tokenizer_config.json beside a vocab.txt (absent:
// BertTokenizer's defaults, uncased). strip_accents null or absent follows do_lower_case.
WordPieceOptions hf_wordpiece_options(const std::string& vocab_path) {
  WordPieceOptions o;
  const std::string cfg = fs::join(fs::parent(vocab_path), "tokenizer_config.json");
  if (!fs::exists(cfg)) return o;
  try {
    json j = json::parse(fs::read_file(cfg));
    o.lowercase = j.value("do_lower_case", true);
    o.strip_accents = j.contains("strip_accents") && !j["strip_accents"].is_null()
                          ? j["strip_accents"].get<bool>()
                          : o.lowercase;
    o.tokenize_chinese_chars = j.value("tokenize_chinese_chars", true);
    if (j.contains("unk_token") && j["unk_token"].is_string()) o.unk_token = j["unk_token"];
  } catch (const json::exception& e) {
    throw InputError(cfg, 0, std::string("malformed tokenizer_config.json: ") + e.what());
  }
  return o;
}

bool is_vocab_txt(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".txt") == 0;
}

}  // namespace

Tokenizer::Tokenizer() : impl_(std::make_unique<Impl>()) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_bytes(const std::string& bytes, const std::string& path) {
  if (HfTokenizer::looks_like(bytes)) return from_hf(bytes, path);
  if (!bytes.empty() && bytes[0] == '{') {
    Tokenizer t = from_wordpiece(wordpiece_from_bytes(bytes, path), path);
    t.impl_->bytes = bytes;  // the file as it is: its SHA-256 is the checksum
    t.impl_->checksum = sha256_hex(bytes);
    return t;
  }
  Tokenizer t;
  Impl& impl = *t.impl_;
  impl.bytes = bytes;
  load_sentencepiece(bytes, path, &impl.sp, &impl.charsmap);
  const int n = impl.sp->piece_size();
  for (int id = 0; id < kNumSpecials; ++id) {
    const std::string want = kSpecialPieces[id];
    if (id >= n || impl.sp->id_to_piece(id) != want) {
      std::string found = id < n ? "'" + impl.sp->id_to_piece(id) + "'" : "nothing";
      throw InputError(path, 0,
                       "missing special piece " + want + " at id " + std::to_string(id) +
                           " (found " + found + ")",
                       "bertforge models have [PAD] [UNK] [CLS] [SEP] [MASK] at ids 0-4; train "
                       "one with `bertforge tokenizer`");
    }
  }
  if (impl.sp->unk_id() != kUnkId)
    throw InputError(path, 0,
                     "the unknown piece is id " + std::to_string(impl.sp->unk_id()) +
                         ", expected [UNK] at id 1");
  impl.path = path;
  impl.checksum = sha256_hex(bytes);
  impl.word_start.assign(static_cast<size_t>(n), 0);
  for (int id = 0; id < n; ++id) {
    const std::string& piece = impl.sp->id_to_piece(id);
    bool start = id < kNumSpecials || impl.sp->is_control(id) || impl.sp->is_unknown(id) ||
                 impl.sp->is_byte(id) || starts_with_marker(piece);
    impl.word_start[static_cast<size_t>(id)] = start ? 1 : 0;
  }
  impl.per_word = allows_per_word(*impl.sp);
  return t;
}

Tokenizer Tokenizer::from_wordpiece(WordPiece wp, const std::string& path) {
  Tokenizer t;
  Impl& impl = *t.impl_;
  impl.path = path;
  impl.bytes = wordpiece_bytes(wp);
  impl.checksum = sha256_hex(impl.bytes);
  // The specials by name, wherever the vocabulary has them.
  int32_t* slots[kNumSpecials] = {&impl.specials.pad, &impl.specials.unk, &impl.specials.cls,
                                  &impl.specials.sep, &impl.specials.mask};
  for (int k = 0; k < kNumSpecials; ++k) {
    const std::string name = k == kUnkId ? wp.options().unk_token : kSpecialPieces[k];
    *slots[k] = wp.piece_to_id(name);
    if (*slots[k] < 0)
      throw InputError(path, 0, "the vocabulary has no " + name + " token",
                       "a BERT vocab.txt has [PAD] [UNK] [CLS] [SEP] [MASK]");
  }
  impl.word_start.resize(static_cast<size_t>(wp.vocab_size()));
  for (int id = 0; id < wp.vocab_size(); ++id)
    impl.word_start[static_cast<size_t>(id)] = wp.is_word_start(id) ? 1 : 0;
  impl.per_word = true;  // BERT's basic tokenizer splits at spaces first: no piece crosses one
  impl.wp.emplace(std::move(wp));
  return t;
}

// A tokenizer.json's specials by name: BERT's bracketed names or RoBERTa's angled ones.
Tokenizer Tokenizer::from_hf(const std::string& bytes, const std::string& path) {
  Tokenizer t;
  Impl& impl = *t.impl_;
  impl.hf.emplace(HfTokenizer::parse(bytes, path));
  const HfTokenizer& hf = *impl.hf;
  impl.path = path;
  impl.bytes = bytes;
  impl.checksum = sha256_hex(bytes);
  static const char* const kAngled[kNumSpecials] = {"<pad>", "<unk>", "<s>", "</s>", "<mask>"};
  int32_t* slots[kNumSpecials] = {&impl.specials.pad, &impl.specials.unk, &impl.specials.cls,
                                  &impl.specials.sep, &impl.specials.mask};
  for (int k = 0; k < kNumSpecials; ++k) {
    *slots[k] = hf.token_to_id(kSpecialPieces[k]);
    if (*slots[k] < 0) *slots[k] = hf.token_to_id(kAngled[k]);
    if (*slots[k] < 0)
      throw InputError(
          path, 0,
          std::string("the tokenizer has no ") + kSpecialPieces[k] + " or " + kAngled[k] + " token",
          "bertforge needs pad, unk, cls, sep and mask tokens");
  }
  impl.word_start.resize(static_cast<size_t>(hf.vocab_size()));
  for (int id = 0; id < hf.vocab_size(); ++id)
    impl.word_start[static_cast<size_t>(id)] = hf.is_word_start(id) ? 1 : 0;
  return t;
}

Tokenizer Tokenizer::load(const std::string& model_path) {
  if (fs::is_dir(model_path)) {
    const std::string file = fs::join(model_path, "tokenizer.json");
    if (!fs::exists(file))
      throw InputError(model_path, 0, "a directory without tokenizer.json",
                       "name a tokenizer file (tokenizer.json, vocab.txt, a SentencePiece .model)");
    return from_bytes(fs::read_file(file), file);
  }
  if (is_vocab_txt(model_path))
    return from_wordpiece(WordPiece::load(model_path, hf_wordpiece_options(model_path)),
                          model_path);
  return from_bytes(fs::read_file(model_path), model_path);
}

void Tokenizer::encode_piece(std::string_view text, std::vector<int>* ids) const {
  if (impl_->wp) {
    *ids = impl_->wp->encode(text);
  } else {
    ids->clear();
    impl_->sp->encode(text, ids);
  }
}

void Tokenizer::encode_into(std::string_view text, std::vector<int>* ids, WordCache* cache) const {
  if (impl_->hf) {
    HfMemo memo{cache ? &cache->index_ : nullptr, cache ? &cache->pool_ : nullptr,
                cache ? cache->max_words_ : 0};
    impl_->hf->encode_ids(text, ids, cache ? &memo : nullptr);
    return;
  }
  std::string normalized;  // the text after the character map (see load_sentencepiece)
  if (impl_->charsmap && impl_->charsmap->normalize_into(text, &normalized)) text = normalized;
  if (!impl_->per_word) {
    encode_piece(text, ids);
    return;
  }
  ids->clear();
  std::vector<int> local;
  std::vector<int>& scratch = cache ? cache->scratch_ : local;
  const size_t n = text.size();
  size_t p = 0;
  while (p < n) {
    while (p < n && text[p] == ' ') ++p;
    if (p == n) break;
    size_t e = p;
    while (e < n && text[e] != ' ') ++e;
    const std::string_view word = text.substr(p, e - p);
    p = e;
    if (cache && word.size() <= kMaxCachedWord) {
      cache->key_.assign(word.data(), word.size());
      auto it = cache->index_.find(cache->key_);
      if (it != cache->index_.end()) {
        const int* first = cache->pool_.data() + it->second.first;
        ids->insert(ids->end(), first, first + it->second.second);
        continue;
      }
    }
    encode_piece(word, &scratch);
    ids->insert(ids->end(), scratch.begin(), scratch.end());
    if (cache && word.size() <= kMaxCachedWord) {
      if (cache->index_.size() >= cache->max_words_) {
        cache->index_.clear();
        cache->pool_.clear();
      }
      cache->index_.emplace(cache->key_, std::make_pair(static_cast<uint32_t>(cache->pool_.size()),
                                                        static_cast<uint32_t>(scratch.size())));
      cache->pool_.insert(cache->pool_.end(), scratch.begin(), scratch.end());
    }
  }
}

bool Tokenizer::encodes_per_word() const { return impl_->per_word; }

std::vector<int> Tokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  encode_into(text, &ids);
  return ids;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  if (impl_->hf) {
    std::vector<int> valid;
    for (int id : ids) valid.push_back(id >= 0 && id < vocab_size() ? id : impl_->specials.unk);
    return impl_->hf->decode(valid);
  }
  if (impl_->wp) {
    std::vector<int> valid;
    for (int id : ids) valid.push_back(id >= 0 && id < vocab_size() ? id : impl_->specials.unk);
    return impl_->wp->decode(valid);
  }
  // SentencePiece renders control symbols as nothing; bertforge shows them as their pieces.
  std::string out;
  std::vector<int> run;
  auto flush = [&] {
    if (run.empty()) return;
    std::string text = impl_->sp->decode(run);
    if (!out.empty() && !text.empty()) out += ' ';
    out += text;
    run.clear();
  };
  for (int id : ids) {
    if (id >= 0 && id < kNumSpecials && id != kUnkId) {
      flush();
      if (!out.empty()) out += ' ';
      out += kSpecialPieces[id];
    } else {
      run.push_back(id);
    }
  }
  flush();
  return out;
}

std::string Tokenizer::id_to_piece(int id) const {
  if (id < 0 || id >= vocab_size()) id = impl_->specials.unk;
  if (impl_->hf) return impl_->hf->id_to_token(id);
  return impl_->wp ? impl_->wp->id_to_piece(id) : impl_->sp->id_to_piece(id);
}

int Tokenizer::piece_to_id(const std::string& piece) const {
  if (impl_->hf) {
    const int id = impl_->hf->token_to_id(piece);
    return id < 0 ? impl_->specials.unk : id;
  }
  if (!impl_->wp) return impl_->sp->piece_to_id(piece);
  const int id = impl_->wp->piece_to_id(piece);
  return id < 0 ? impl_->specials.unk : id;
}
int Tokenizer::vocab_size() const {
  if (impl_->hf) return impl_->hf->vocab_size();
  return impl_->wp ? impl_->wp->vocab_size() : impl_->sp->piece_size();
}
float Tokenizer::score(int id) const {
  return impl_->wp || impl_->hf ? 0.0f : impl_->sp->score(id);
}
bool Tokenizer::is_word_start(int id) const {
  return id >= 0 && id < vocab_size() && impl_->word_start[static_cast<size_t>(id)] != 0;
}
const std::vector<uint8_t>& Tokenizer::word_start_table() const { return impl_->word_start; }
const std::string& Tokenizer::checksum() const { return impl_->checksum; }
const std::string& Tokenizer::path() const { return impl_->path; }
const SpecialIds& Tokenizer::specials() const { return impl_->specials; }
const std::string& Tokenizer::model_bytes() const { return impl_->bytes; }
const WordPiece* Tokenizer::wordpiece() const { return impl_->wp ? &*impl_->wp : nullptr; }
const HfTokenizer* Tokenizer::hf() const { return impl_->hf ? &*impl_->hf : nullptr; }
const char* Tokenizer::kind() const {
  return impl_->hf ? "tokenizer.json" : impl_->wp ? "wordpiece" : "sentencepiece";
}

}  // namespace bertforge
