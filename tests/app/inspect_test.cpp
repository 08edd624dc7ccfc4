#include "app/inspect.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "config/config.h"
#include "data/prepare.h"
#include "testutil.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_stage.h"

namespace bertforge {
namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(Inspect, PrintsDecodedMaskedExamplesAndStatistics) {
  testing::TempDir dir;
  Config c;
  c.run_dir = dir.file("run");
  c.data.train_files = {dir.file("corpus.txt")};
  c.tokenizer.vocab_size = 300;
  c.train.batch_size = 8;
  c.data.max_seq_len = 64;
  testing::write_corpus(dir.file("corpus.txt"), 200, 5);
  run_tokenizer_stage(TokenizerJob::of(c));
  run_prepare(PrepareJob::of(c));

  std::ostringstream out;
  run_inspect(c, 2, out);
  const std::string text = out.str();
  EXPECT_EQ(count(text, "=== batch "), 2u);
  EXPECT_EQ(count(text, "--- example "), 16u);
  EXPECT_EQ(count(text, "\n  A: "), 16u);
  EXPECT_EQ(count(text, "\n  B: "), 16u);
  EXPECT_EQ(count(text, "\n  labels: "), 16u);
  EXPECT_EQ(count(text, "NSP: IsNext") + count(text, "NSP: NotNext"), 16u);
  EXPECT_GT(count(text, "[MASK]"), 10u);
  EXPECT_NE(text.find("[CLS]"), std::string::npos);
  EXPECT_NE(text.find("batch 1 statistics"), std::string::npos);
  EXPECT_NE(text.find("all 2 batches:"), std::string::npos);
  EXPECT_NE(text.find("masked "), std::string::npos);
  EXPECT_NE(text.find("NSP IsNext "), std::string::npos);

  // The same config prints the same batches.
  std::ostringstream again;
  run_inspect(c, 2, again);
  EXPECT_EQ(again.str(), text);

  // Packed mode: one token line per example, no NSP.
  c.data.nsp = false;
  std::ostringstream packed;
  run_inspect(c, 1, packed);
  EXPECT_EQ(count(packed.str(), "\n  tokens: "), 8u);
  EXPECT_EQ(count(packed.str(), "NSP: "), 0u);
}

}  // namespace
}  // namespace bertforge
