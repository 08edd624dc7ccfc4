#include "tokenizer/tokenizer.h"

#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <regex>
#include <unordered_map>

#include "common/checksum.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/fs.h"
#include "common/logging.h"
#include "data/corpus_reader.h"
#include "tokenizer/spm_library.h"

namespace bertforge {
using json = nlohmann::json;

const char* const kSpecialPieces[kNumSpecials] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

struct Tokenizer::Impl {
  std::unique_ptr<spm::Model> sp;
  std::string path, checksum;
  std::vector<uint8_t> word_start;
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

json file_stamp(const std::string& path) {
  return json{{"path", path}, {"size", fs::file_size(path)}, {"mtime_ns", fs::mtime_ns(path)}};
}

// Feeds the corpus reader's sentences to the SentencePiece trainer. Errors of the reader are kept
// and rethrown after training (exceptions must not cross the library).
class CorpusSentenceSource : public spm::SentenceSource {
 public:
  CorpusSentenceSource(std::vector<std::string> files, CorpusOptions options)
      : reader_(std::move(files), std::move(options)) {}
  bool next(std::string* out) override {
    if (error_) return false;
    try {
      std::string_view s;
      uint64_t doc;
      if (!reader_.next(&s, &doc)) return false;
      out->assign(s.data(), s.size());
      ++count_;
      return true;
    } catch (...) {
      error_ = std::current_exception();
      return false;
    }
  }
  std::string error() const override { return error_ ? "corpus read error" : ""; }
  std::exception_ptr exception() const { return error_; }
  int64_t count() const { return count_; }

 private:
  CorpusReader reader_;
  int64_t count_ = 0;
  std::exception_ptr error_;
};

// Turns a SentencePiece training failure into a one-line error naming the config key.
[[noreturn]] void training_failed(const std::string& message, const Config& c) {
  std::smatch m;
  static const std::regex too_high(R"(Vocabulary size too high \((\d+)\).*<= (\d+))");
  static const std::regex too_small(
      R"(Vocabulary size is smaller than required_chars\. (\d+) vs (\d+))");
  if (std::regex_search(message, m, too_high)) {
    throw ConfigError("tokenizer.vocab_size",
                      "too large for this corpus (got " + std::to_string(c.tokenizer.vocab_size) +
                          ", the corpus supports at most " + m[2].str() + ")",
                      "set tokenizer.vocab_size <= " + m[2].str() + " or use a bigger corpus");
  }
  if (std::regex_search(message, m, too_small)) {
    throw ConfigError("tokenizer.vocab_size",
                      "too small for this corpus's characters (got " +
                          std::to_string(c.tokenizer.vocab_size) + ", needs at least " +
                          m[2].str() + ")",
                      c.tokenizer.byte_fallback
                          ? "raise tokenizer.vocab_size; tokenizer.byte_fallback alone takes 256 "
                            "pieces (set it to false for a tiny vocabulary)"
                          : "raise tokenizer.vocab_size, or lower tokenizer.character_coverage "
                            "(down to 0.98)");
  }
  throw RuntimeError("tokenizer training failed: " + message);
}

std::string vocab_text(const Tokenizer& tok) {
  std::string out;
  char score[32];
  for (int id = 0; id < tok.vocab_size(); ++id) {
    std::snprintf(score, sizeof score, "%g", tok.score(id));
    out += tok.id_to_piece(id) + "\t" + score + "\n";
  }
  return out;
}

}  // namespace

Tokenizer::Tokenizer() : impl_(std::make_unique<Impl>()) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_bytes(const std::string& bytes, const std::string& path) {
  Tokenizer t;
  Impl& impl = *t.impl_;
  impl.sp = spm::library().new_model();
  const std::string error = impl.sp->load(bytes);
  if (!error.empty()) throw InputError(path, 0, "not a SentencePiece model: " + error);
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

Tokenizer Tokenizer::load(const std::string& model_path) {
  return from_bytes(fs::read_file(model_path), model_path);
}

void Tokenizer::encode_into(std::string_view text, std::vector<int>* ids, WordCache* cache) const {
  if (!impl_->per_word) {
    ids->clear();
    impl_->sp->encode(text, ids);
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
    scratch.clear();
    impl_->sp->encode(word, &scratch);
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
  if (id < 0 || id >= vocab_size()) return kSpecialPieces[kUnkId];
  return impl_->sp->id_to_piece(id);
}

int Tokenizer::piece_to_id(const std::string& piece) const { return impl_->sp->piece_to_id(piece); }
int Tokenizer::vocab_size() const { return impl_->sp->piece_size(); }
float Tokenizer::score(int id) const { return impl_->sp->score(id); }
bool Tokenizer::is_word_start(int id) const {
  return id >= 0 && id < vocab_size() && impl_->word_start[static_cast<size_t>(id)] != 0;
}
const std::vector<uint8_t>& Tokenizer::word_start_table() const { return impl_->word_start; }
const std::string& Tokenizer::checksum() const { return impl_->checksum; }
const std::string& Tokenizer::path() const { return impl_->path; }

std::string tokenizer_dir(const std::string& run_dir) { return fs::join(run_dir, "tokenizer"); }
std::string tokenizer_model_path(const std::string& run_dir) {
  return fs::join(tokenizer_dir(run_dir), "spm.model");
}
std::string tokenizer_info_path(const std::string& run_dir) {
  return fs::join(tokenizer_dir(run_dir), "tokenizer.json");
}

std::string read_tokenizer_checksum(const std::string& run_dir) {
  const std::string info = tokenizer_info_path(run_dir);
  if (!fs::exists(info) || !fs::exists(tokenizer_model_path(run_dir)))
    throw InputError(tokenizer_dir(run_dir), 0, "no complete tokenizer",
                     "run `bertforge tokenizer` first");
  json j;
  try {
    j = json::parse(fs::read_file(info));
  } catch (const json::exception& e) {
    throw InputError(info, 0, std::string("malformed tokenizer info: ") + e.what());
  }
  if (!j.contains("checksum") || !j["checksum"].is_string())
    throw InputError(info, 0, "missing \"checksum\"");
  return j["checksum"].get<std::string>();
}

json tokenizer_stage_inputs(const Config& c) {
  const auto& t = c.tokenizer;
  if (!t.model.empty()) {
    if (!fs::exists(t.model)) throw InputError(t.model, 0, "no such file (from tokenizer.model)");
    return json{{"source", "adopted"}, {"model", file_stamp(t.model)}};
  }
  if (c.data.train_files.empty())
    throw ConfigError("data.train_files", "is empty; the tokenizer trains on the corpus",
                      "set data.train_files or tokenizer.model");
  json files = json::array();
  for (const auto& f : fs::expand_globs(c.data.train_files, "data.train_files"))
    files.push_back(file_stamp(f));
  json inputs = json{{"source", "trained"},
                     {"files", files},
                     {"seed", c.seed},
                     {"tokenizer",
                      {{"type", t.type},
                       {"vocab_size", t.vocab_size},
                       {"max_sentences", t.max_sentences},
                       {"character_coverage", t.character_coverage},
                       {"byte_fallback", t.byte_fallback}}},
                     {"data",
                      {{"format", c.data.format},
                       {"text_field", c.data.text_field},
                       {"invalid_utf8", c.data.invalid_utf8}}}};
  // Only when set: a cased tokenizer trained before the key existed stays up to date.
  if (t.lowercase) inputs["tokenizer"]["lowercase"] = true;
  return inputs;
}

std::string train_tokenizer_model(const Config& c, const std::vector<std::string>& files) {
  const auto& t = c.tokenizer;
  std::unordered_map<std::string, std::string> args = {
      {"model_type", t.type},
      {"vocab_size", std::to_string(t.vocab_size)},
      {"character_coverage", std::to_string(t.character_coverage)},
      {"byte_fallback", t.byte_fallback ? "true" : "false"},
      // NFKC, plus Unicode case folding for an uncased model; kept in the model, so encoding
      // folds too.
      {"normalization_rule_name", t.lowercase ? "nmt_nfkc_cf" : "nmt_nfkc"},
      {"input_sentence_size", std::to_string(t.max_sentences)},
      {"shuffle_input_sentence", "true"},
      {"num_threads", std::to_string(resolve_threads(t.threads))},
      {"pad_id", "0"},
      {"unk_id", "1"},
      {"bos_id", "-1"},
      {"eos_id", "-1"},
      {"pad_piece", kSpecialPieces[kPadId]},
      {"unk_piece", kSpecialPieces[kUnkId]},
      {"control_symbols", "[CLS],[SEP],[MASK]"},
      {"minloglevel", "1"},
  };
  CorpusSentenceSource source(files, CorpusOptions::from(c.data));
  std::string model;
  const std::string error =
      spm::library().train(args, &source, static_cast<unsigned>(c.seed), &model);
  if (source.exception()) std::rethrow_exception(source.exception());
  if (source.count() == 0)
    throw InputError(files.front(), 0, "the corpus is empty (no sentences in data.train_files)");
  if (!error.empty()) training_failed(error, c);
  return model;
}

bool run_tokenizer_stage(const Config& c) {
  const std::string dir = tokenizer_dir(c.run_dir);
  const std::string model_path = tokenizer_model_path(c.run_dir);
  const std::string info_path = tokenizer_info_path(c.run_dir);
  const json inputs = tokenizer_stage_inputs(c);

  // Up to date: the info file matches the inputs and the model matches its checksum.
  if (fs::exists(info_path) && fs::exists(model_path)) {
    try {
      json old = json::parse(fs::read_file(info_path));
      if (old.value("inputs", json()) == inputs &&
          old.value("checksum", std::string()) == sha256_file(model_path)) {
        log::info("tokenizer: up to date, skipping (" + model_path + ")");
        return false;
      }
    } catch (const json::exception&) {
      // Unreadable info: redo the stage.
    }
  }

  std::string model;
  if (!c.tokenizer.model.empty()) {
    log::info("tokenizer: adopting " + c.tokenizer.model);
    model = fs::read_file(c.tokenizer.model);
    Tokenizer::from_bytes(model, c.tokenizer.model);  // checks the specials
  } else {
    std::vector<std::string> files;
    for (const auto& f : inputs["files"]) files.push_back(f["path"].get<std::string>());
    log::info("tokenizer: training " + c.tokenizer.type + " model, vocab_size " +
              std::to_string(c.tokenizer.vocab_size) + ", on " + std::to_string(files.size()) +
              " file(s)");
    model = train_tokenizer_model(c, files);
  }
  const Tokenizer tok = Tokenizer::from_bytes(model, model_path);

  // Publish: the info file is the completeness marker, so it goes first (removed) and last.
  fs::make_dirs(dir);
  fs::remove_all(info_path);
  fs::write_file_atomic(model_path, model);
  fs::write_file_atomic(fs::join(dir, "spm.vocab"), vocab_text(tok));
  json info = {
      {"checksum", tok.checksum()},
      {"source", inputs["source"]},
      {"model", "spm.model"},
      {"vocab_size", tok.vocab_size()},
      {"specials", std::vector<std::string>(kSpecialPieces, kSpecialPieces + kNumSpecials)},
      {"inputs", inputs}};
  fs::write_file_atomic(info_path, info.dump(2) + "\n");
  log::info("tokenizer: wrote " + model_path + " (vocab " + std::to_string(tok.vocab_size()) +
            ", sha256 " + tok.checksum().substr(0, 12) + ")");
  return true;
}

}  // namespace bertforge
