#include "tokenizer/tokenize_json.h"

#include <fstream>
#include <iostream>

#include "errors/errors.h"
#include "tokenizer/hf_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
using json = nlohmann::json;

json tokenize_json(const Tokenizer& tok, std::string_view text, bool specials) {
  json j;
  std::vector<int> ids;
  json offsets = json::array();
  if (const HfTokenizer* hf = tok.hf()) {
    HfTokenizer::Encoding e = hf->encode(text, specials);
    ids = e.ids;
    for (const auto& [b, en] : e.offsets) offsets.push_back({b, en});
  } else {
    ids = tok.encode(text);
  }
  std::vector<std::string> pieces;
  for (int id : ids) pieces.push_back(tok.id_to_piece(id));
  j["ids"] = ids;
  j["pieces"] = pieces;
  if (tok.hf()) j["offsets"] = offsets;
  return j;
}

int tokenize_lines(const Tokenizer& tok, const std::string& file, bool specials) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file, 0, "cannot read");
  std::string line;
  int64_t n = 0;
  std::string out;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    json text;
    try {
      text = json::parse(line);
    } catch (const json::exception& e) {
      throw InputError(file, n, "expected a JSON string a line");
    }
    if (!text.is_string()) throw InputError(file, n, "expected a JSON string a line");
    out = tokenize_json(tok, text.get<std::string>(), specials)
              .dump(-1, ' ', false, json::error_handler_t::replace);
    std::cout << out << '\n';
  }
  std::cout.flush();
  return 0;
}

}  // namespace bertforge
