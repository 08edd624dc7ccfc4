#include "testutil.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "config/config.h"
#include "run/run_layout.h"
#include "runtime/random.h"
#include "tokenizer/tokenizer_stage.h"

namespace bertforge::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "bertforge-test-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("BERTFORGE_KEEP_TEST_DIRS")) std::filesystem::remove_all(path_, ec);
}

namespace {
const std::vector<std::vector<std::string>> kWords[2] = {
    {{"the", "a", "every", "one", "that"},
     {"cat", "dog", "farmer", "child", "king", "river", "horse", "bird", "teacher", "ship"},
     {"saw", "found", "followed", "loved", "carried", "watched", "helped", "heard"},
     {"in the morning", "near the house", "by the river", "at night", "across the field",
      "with great care", "before the storm", "after dinner"},
     {"old", "small", "happy", "quiet", "brave", "tired", "young", "strange"}},
    {{"the", "each", "this", "the patient's", "a"},
     {"patient", "doctor", "dose", "tumor", "nurse", "vaccine", "symptom", "enzyme", "clinic",
      "therapy"},
     {"reduced", "increased", "treated", "measured", "prescribed", "monitored", "reported"},
     {"after surgery", "during treatment", "in the trial", "within two weeks", "per kilogram",
      "under observation", "in the clinic", "at baseline"},
     {"acute", "chronic", "mild", "severe", "clinical", "renal", "cardiac", "elevated"}}};

std::string sentence(Rng& rng, int style) {
  const auto& w = kWords[style];
  auto pick = [&](int k) { return w[k][rng.below(w[k].size())]; };
  std::string s = pick(0) + " " + pick(4) + " " + pick(1) + " " + pick(2) + " " + pick(0) + " " +
                  pick(1) + " " + pick(3) + ".";
  s[0] = static_cast<char>(std::toupper(s[0]));
  return s;
}

std::vector<std::vector<std::string>> documents(int docs, uint64_t seed, int style) {
  Rng rng(seed);
  std::vector<std::vector<std::string>> out(docs);
  for (auto& d : out) {
    int n = 3 + static_cast<int>(rng.below(10));
    for (int i = 0; i < n; ++i) d.push_back(sentence(rng, style));
  }
  return out;
}
}  // namespace

void write_corpus(const std::string& path, int docs, uint64_t seed, int style) {
  std::ofstream out(path);
  bool first = true;
  for (const auto& d : documents(docs, seed, style)) {
    if (!first) out << "\n";
    first = false;
    for (const auto& s : d) out << s << "\n";
  }
}

void write_corpus_jsonl(const std::string& path, int docs, uint64_t seed, int style) {
  std::ofstream out(path);
  for (const auto& d : documents(docs, seed, style)) {
    std::string text;
    for (const auto& s : d) text += (text.empty() ? "" : "\\n") + s;
    out << "{\"id\": 1, \"text\": \"" << text << "\"}\n";
  }
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string train_small_tokenizer(const TempDir& dir, int docs, uint64_t seed) {
  Config c;
  c.run_dir = dir.file("run");
  c.data.train_files = {dir.file("corpus.txt")};
  c.tokenizer.vocab_size = 300;
  c.tokenizer.threads = 2;
  write_corpus(dir.file("corpus.txt"), docs, seed);
  run_tokenizer_stage(TokenizerJob::of(c));
  return tokenizer_model_path(c.run_dir);
}

}  // namespace bertforge::testing
