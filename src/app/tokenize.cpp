#include "app/tokenize.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/pretrained.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "labelled/encode.h"
#include "labelled/label_set.h"
#include "run/run_layout.h"
#include "tokenizer/tokenize_json.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_growth.h"

namespace bertforge {
using json = nlohmann::json;

namespace {
std::string tokenizer_file(const TokenizeRequest& r) {
  if (!r.checkpoint.empty()) return pretrained_tokenizer_file(r.checkpoint);
  std::string file = tokenizer_model_path(r.run->run_dir);
  if (!fs::exists(file) && !r.run->tokenizer.model.empty()) file = r.run->tokenizer.model;
  if (!fs::exists(file))
    throw InputError(file, 0, "no tokenizer", "run `bertforge tokenizer` first");
  return file;
}
// The pair's ids and token types, built by labelled/encode as finetune builds them.
int tokenize_pair(const Tokenizer& tok, const TokenizeRequest& r) {
  if (!r.lines.empty() || r.specials)
    throw UsageError("--pair takes one text, without --lines or --specials");
  const std::string architecture = r.checkpoint.empty()
                                       ? r.run->model.architecture
                                       : load_pretrained(r.checkpoint).config.model.architecture;
  LabelledExample ex;
  ex.text = r.text;
  ex.text_pair = r.pair;
  EncodeOptions o;
  o.max_seq_len = 1 << 30;
  o.labelled = false;
  o.architecture = architecture;
  const EncodedExample e = encode_example(tok, ex, LabelSet(), o);
  std::cout << json{{"architecture", architecture}, {"ids", e.ids}, {"token_types", e.types}}.dump()
            << std::endl;
  return 0;
}
}  // namespace

int run_tokenize_command(const TokenizeRequest& r) {
  const Tokenizer tok = Tokenizer::load(tokenizer_file(r));
  if (!r.pair.empty()) return tokenize_pair(tok, r);
  if (!r.lines.empty()) return tokenize_lines(tok, r.lines, r.specials);
  if (r.specials && !tok.hf()) throw UsageError("--specials needs a tokenizer.json tokenizer");
  const json j = tokenize_json(tok, r.text, r.specials);
  if (r.json) {
    std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
    return 0;
  }
  const std::vector<int> ids = j["ids"].get<std::vector<int>>();
  std::cout << "tokens " << ids.size() << " (" << tok.kind() << ", vocab " << tok.vocab_size()
            << ")\nids    ";
  for (int id : ids) std::cout << " " << id;
  std::cout << "\npieces";
  for (const auto& piece : j["pieces"]) std::cout << " " << piece.get<std::string>();
  std::cout << "\n";
  return 0;
}

int run_vocab_candidates_command(const std::string& checkpoint,
                                 const std::vector<std::string>& files, int top) {
  const Tokenizer tok = Tokenizer::load(pretrained_tokenizer_file(checkpoint));
  std::cout << "word\tcount\tpieces\tsplit as\n";
  for (const VocabCandidate& c : vocab_candidates(tok, files, top)) {
    std::string split;
    for (int id : tok.encode(c.word)) split += (split.empty() ? "" : " ") + tok.id_to_piece(id);
    std::cout << c.word << "\t" << c.count << "\t" << c.pieces << "\t" << split << "\n";
  }
  return 0;
}

}  // namespace bertforge
