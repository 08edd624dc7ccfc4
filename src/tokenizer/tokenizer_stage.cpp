// The tokenizer stage: trains a SentencePiece model or adopts a tokenizer into
// <run_dir>/tokenizer/.
#include "tokenizer/tokenizer_stage.h"

#include <spdlog/fmt/fmt.h>

#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <regex>
#include <unordered_map>
#include <utility>

#include "config/config.h"
#include "console/logging.h"
#include "corpus/corpus_reader.h"
#include "corpus/corpus_sources.h"
#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"
#include "run/staged_dir.h"
#include "tokenizer/spm_library.h"
#include "tokenizer/spm_proto.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_growth.h"
#include "tokenizer/wordpiece.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

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
[[noreturn]] void training_failed(const std::string& message, const TokenizerJob& c) {
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

json tokenizer_stage_inputs(const TokenizerJob& c) {
  const auto& t = c.tokenizer;
  if (!t.model.empty()) {
    if (!fs::exists(t.model)) throw InputError(t.model, 0, "no such file (from tokenizer.model)");
    const std::string dir_json = fs::join(t.model, "tokenizer.json");
    if (fs::is_dir(t.model) && !fs::exists(dir_json))
      throw InputError(t.model, 0, "a directory without tokenizer.json (from tokenizer.model)");
    json inputs = {{"source", "adopted"},
                   {"model", file_stamp(fs::is_dir(t.model) ? dir_json : t.model)}};
    if (!t.add_tokens.empty()) inputs["add_tokens"] = read_add_tokens(t.add_tokens);
    const std::string hf_config = fs::join(fs::parent(t.model), "tokenizer_config.json");
    if (t.model.size() > 4 && t.model.substr(t.model.size() - 4) == ".txt" && fs::exists(hf_config))
      inputs["tokenizer_config"] = file_stamp(hf_config);
    return inputs;
  }
  if (c.data.train_files.empty() && c.data.sources.empty())
    throw ConfigError("data.train_files", "is empty; the tokenizer trains on the corpus",
                      "set data.train_files (or data.sources) or tokenizer.model");
  json files = json::array();
  for (const auto& f : corpus_train_files(c.data)) files.push_back(file_stamp(f));
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

std::string train_tokenizer_model(const TokenizerJob& c, const std::vector<std::string>& files) {
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
  // Unigram scores on a coarse grid: the tokenizer.json export then ties where SentencePiece does.
  if (t.type == "unigram") return round_spm_scores(std::move(model), "the trained model");
  return model;
}

namespace {

// Writes the tokenizer into <run_dir>/tokenizer/, staged: the directory is replaced only once
// whole, so a failure (a full disk) leaves the previous tokenizer as it was. The info file is the
// completeness marker. The model file is named by its kind; a human-readable vocabulary sits
// beside it.
void publish_tokenizer(const TokenizerJob& c, const Tokenizer& tok, const json& inputs) {
  const std::string dir = tokenizer_dir(c.run_dir);
  const bool wordpiece = tok.wordpiece() != nullptr;
  const std::string path =
      tok.hf() ? tokenizer_hf_path(c.run_dir) : tokenizer_file_path(c.run_dir, wordpiece);
  const std::string info_name = fs::filename(tokenizer_info_path(c.run_dir));
  StagedDir::tidy(dir, info_name);
  StagedDir staged(dir);
  std::string vocab;
  for (int id = 0; id < tok.vocab_size(); ++id) vocab += tok.id_to_piece(id) + "\n";
  const SpecialIds& sp = tok.specials();
  json info = {
      {"checksum", tok.checksum()},
      {"source", inputs["source"]},
      {"kind", tok.kind()},
      {"model", fs::filename(path)},
      {"vocab_size", tok.vocab_size()},
      {"specials", std::vector<std::string>(kSpecialPieces, kSpecialPieces + kNumSpecials)},
      {"special_ids", {sp.pad, sp.unk, sp.cls, sp.sep, sp.mask}},
      {"inputs", inputs}};
  staged.write_files([&] {
    fs::write_file_atomic(staged.file(fs::filename(path)), tok.model_bytes());
    if (!tok.hf())  // a tokenizer.json is its own readable vocabulary
      fs::write_file_atomic(staged.file(wordpiece ? "vocab.txt" : "spm.vocab"),
                            wordpiece ? vocab : vocab_text(tok));
    fs::write_file_atomic(staged.file(info_name), info.dump(2) + "\n");
  });
  staged.publish();
  log::info("tokenizer: wrote {} ({}, vocab {}, sha256 {})", path, tok.kind(), tok.vocab_size(),
            tok.checksum().substr(0, 12));
}

}  // namespace

bool run_tokenizer_stage(const TokenizerJob& c) {
  const std::string model_path = tokenizer_model_path(c.run_dir);
  const std::string info_path = tokenizer_info_path(c.run_dir);
  const json inputs = tokenizer_stage_inputs(c);

  // Up to date: the info file matches the inputs and the model matches its checksum.
  if (fs::exists(info_path) && fs::exists(model_path)) {
    try {
      json old = json::parse(fs::read_file(info_path));
      if (old.value("inputs", json()) == inputs &&
          old.value("checksum", std::string()) == sha256_file(model_path)) {
        log::info("tokenizer: up to date, skipping ({})", model_path);
        return false;
      }
    } catch (const json::exception&) {
      // Unreadable info: redo the stage.
    }
  }
  if (!c.tokenizer.model.empty()) {
    log::info("tokenizer: adopting {}", c.tokenizer.model);
    Tokenizer adopted = Tokenizer::load(c.tokenizer.model);  // checks the specials
    if (inputs.contains("add_tokens")) {
      VocabGrowth g;
      adopted = grow_vocabulary(adopted, inputs["add_tokens"], c.tokenizer.model, &g);
      log::info(fmt::format(
          "tokenizer: add_tokens: {} word(s) into [unused] slots, {} appended, {} already there",
          g.into_unused, g.appended, g.already));
    }
    publish_tokenizer(c, adopted, inputs);
    return true;
  }
  if (!c.tokenizer.add_tokens.empty())
    throw ConfigError("tokenizer.add_tokens", "grows an adopted WordPiece vocabulary",
                      "use it with --init-from a BERT model or tokenizer.model = its vocab.txt");
  std::vector<std::string> files;
  for (const auto& f : inputs["files"]) files.push_back(f["path"].get<std::string>());
  log::info("tokenizer: training {} model, vocab_size {}, on {} file(s)", c.tokenizer.type,
            c.tokenizer.vocab_size, files.size());
  const std::string model = train_tokenizer_model(c, files);
  publish_tokenizer(c, Tokenizer::from_bytes(model, tokenizer_file_path(c.run_dir, false)), inputs);
  return true;
}

}  // namespace bertforge
