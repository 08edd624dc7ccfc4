// End-to-end: `train` with data.pack follows the unpacked run to float rounding (the same examples
// and masks per step, fewer positions) and resumes bit-identically.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "e2e/train_fixture.h"
#include "runtime/random.h"

namespace bertforge::testing {
namespace {

// Dropout off: it is the one thing that depends on the layout (its draws are per position).
const std::string kExact =
    "--set model.dropout=0 --set model.attention_dropout=0 --set train.log_every=1 ";
const std::string kPack = kExact + "--set data.pack=true ";

// Replaces the run's corpus by 600 documents of one or two short sentences (the fixture's
// documents fill every 48-token row, leaving packing nothing to share), drawn from `seed`.
void write_short_documents(const TinyRun& r, uint64_t seed) {
  const std::vector<std::vector<std::string>> words = {
      {"The", "A", "Every", "One"},
      {"old", "small", "happy", "quiet", "brave", "young"},
      {"cat", "dog", "farmer", "child", "king", "river", "horse", "bird"},
      {"saw", "found", "followed", "loved", "carried", "watched"},
      {"the house.", "the river.", "the field.", "the storm.", "the ship.", "the teacher."}};
  Rng rng(seed);
  std::string text;
  for (int d = 0; d < 600; ++d) {
    for (uint64_t s = 0, n = 1 + rng.below(2); s < n; ++s) {
      for (const auto& w : words) text += w[rng.below(w.size())] + (&w == &words.back() ? "" : " ");
      text += "\n";
    }
    text += "\n";
  }
  write_text(r.dir.file("corpus.txt"), text);
  std::string config = read_text(r.config);  // a vocabulary this small corpus supports
  config.replace(config.find("\"vocab_size\": 90"), 16, "\"vocab_size\": 64");
  write_text(r.config, config);
}

void prepare(const TinyRun& r) {
  write_short_documents(r, 99);
  auto t = r.run("tokenizer");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  auto p = r.run("prepare");
  ASSERT_EQ(p.exit_code, 0) << p.output;
}

std::vector<double> field(const TinyRun& r, const char* log, const char* key) {
  return jsonl_field(r.run_dir + "/logs/" + log, key);
}

// Real tokens per computed position over a run (per logged window: both rates share its time).
double real_share(const TinyRun& r) {
  const auto tok = field(r, "train.jsonl", "tokens_per_sec");
  const auto pos = field(r, "train.jsonl", "positions_per_sec");
  double s = 0;
  for (size_t i = 0; i < tok.size(); ++i) s += tok[i] / pos[i];
  return tok.empty() ? 0 : s / static_cast<double>(tok.size());
}

TEST(PackE2E, PackedTrainingFollowsUnpackedAndResumesExactly) {
  TinyRun plain(300, 0, 20), packed(300, 0, 20), resumed(300, 0, 20);
  for (const TinyRun* r : {&plain, &packed, &resumed}) prepare(*r);
  auto a = plain.run("train", kExact);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  auto b = packed.run("train", kPack);
  ASSERT_EQ(b.exit_code, 0) << b.output;
  // The same learning steps: losses within float rounding at every one of the 20 steps.
  for (const char* k : {"loss", "mlm_loss", "nsp_loss"}) {
    const auto x = field(plain, "train.jsonl", k), y = field(packed, "train.jsonl", k);
    ASSERT_EQ(x.size(), 20u) << k;
    ASSERT_EQ(y.size(), x.size()) << k;
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(y[i], x[i], 1e-4 * std::abs(x[i])) << k << " at step " << i + 1;
  }
  EXPECT_EQ(field(packed, "train.jsonl", "mlm_accuracy"),
            field(plain, "train.jsonl", "mlm_accuracy"));
  const auto ex = field(plain, "eval.jsonl", "mlm_loss"),
             ey = field(packed, "eval.jsonl", "mlm_loss");
  ASSERT_EQ(ex.size(), 1u);
  ASSERT_EQ(ey.size(), 1u);
  EXPECT_NEAR(ey[0], ex[0], 1e-4 * ex[0]);
  EXPECT_EQ(field(packed, "eval.jsonl", "masked_tokens"),
            field(plain, "eval.jsonl", "masked_tokens"));
  // Fewer positions for the same real tokens.
  const double plain_share = real_share(plain), packed_share = real_share(packed);
  EXPECT_GT(packed_share, plain_share + 0.05) << "real share of positions";
  EXPECT_LE(packed_share, 1.0);
  // Resumed from its step-10 checkpoint, a packed run ends bit-identical to the uninterrupted one.
  ASSERT_EQ(resumed.run("train", kPack).exit_code, 0);
  auto c = resumed.run("train", kPack + "--resume " + resumed.run_dir + "/checkpoints/step-10");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  for (const char* k : {"step", "loss", "mlm_loss", "nsp_loss"})
    EXPECT_EQ(field(resumed, "train.jsonl", k), field(packed, "train.jsonl", k)) << k;
  EXPECT_EQ(field(resumed, "eval.jsonl", "mlm_loss"), field(packed, "eval.jsonl", "mlm_loss"));
  EXPECT_EQ(read_text(resumed.run_dir + "/final/model.safetensors"),
            read_text(packed.run_dir + "/final/model.safetensors"));
}

}  // namespace
}  // namespace bertforge::testing
