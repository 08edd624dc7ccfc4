#include "tokenizer/pair_template.h"

#include "errors/errors.h"

namespace bertforge {

PairTemplate PairTemplate::of(const std::string& architecture, const SpecialIds& specials) {
  PairTemplate t;
  t.specials = specials;
  if (architecture == "roberta") {
    t.separators = 2;
    t.b_type = 0;
  } else if (architecture != "bert" && architecture != "modernbert") {
    throw ConfigError("model.architecture",
                      "'" + architecture + "' has no pair layout (bert, roberta, modernbert)");
  }
  return t;
}

int PairTemplate::open(int32_t* ids) const {
  ids[0] = specials.cls;
  return 1;
}

int PairTemplate::boundary(int32_t* ids) const {
  for (int i = 0; i < separators; ++i) ids[i] = specials.sep;
  return separators;
}

int PairTemplate::close(int32_t* ids) const {
  ids[0] = specials.sep;
  return 1;
}

void PairTemplate::encode(const std::vector<int>& a, const std::vector<int>* b,
                          std::vector<int64_t>* ids, std::vector<int64_t>* types) const {
  ids->push_back(specials.cls);
  ids->insert(ids->end(), a.begin(), a.end());
  ids->push_back(specials.sep);
  types->resize(ids->size(), 0);
  if (!b) return;
  for (int i = 1; i < separators; ++i) ids->push_back(specials.sep);
  ids->insert(ids->end(), b->begin(), b->end());
  ids->push_back(specials.sep);
  types->resize(ids->size(), b_type);
}

}  // namespace bertforge
