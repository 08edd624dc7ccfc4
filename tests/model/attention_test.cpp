// The fused attention path (model/attention.h, used on CUDA) computes what the CPU math path
// does: checked on the CPU by forcing LibTorch's scaled_dot_product_attention there, against a
// reference written here and through both models with padded and packed batches (losses and
// gradients). LibTorch 1.13 has no fused kernel: the tests skip.
#include "model/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "data/packing.h"
#include "kernels/isa.h"
#include "model/dropout.h"
#include "model/example_batch.h"
#include "model/model.h"
#include "train/batch_tensors.h"

namespace bertforge {
namespace {

struct ForceFused {  // the fused kernel on the CPU for this scope
  ForceFused() : before(force_fused_attention_on_cpu(true)) {}
  ~ForceFused() { force_fused_attention_on_cpu(before); }
  bool before;
};

// The CPU math path with LibTorch's ops (softmax, then apply_dropout), as it ran before the bf16
// softmax-dropout kernel, and the gradients of sum(out * g) with respect to q, k, v.
std::vector<torch::Tensor> ops_attention(const torch::Tensor& q, const torch::Tensor& k,
                                         const torch::Tensor& v, const torch::Tensor& bias,
                                         double p, const torch::Tensor& g, bool kernel) {
  auto Q = q.clone().set_requires_grad(true), K = k.clone().set_requires_grad(true),
       V = v.clone().set_requires_grad(true);
  DropoutKeys keys(7);
  torch::Tensor out;
  if (kernel) {
    out = attention(Q, K, V, bias, p);
  } else {
    const int64_t B = q.size(0), h = q.size(1), T = q.size(2), d = q.size(3);
    auto scores =
        at::baddbmm(bias.expand({B, h, T, T}).reshape({B * h, T, T}), Q.reshape({B * h, T, d}),
                    K.reshape({B * h, T, d}).transpose(1, 2), 1.0, 1.0 / std::sqrt(double(d)));
    auto probs = apply_dropout(at::_softmax(scores, -1, false), p, true);
    out = at::bmm(probs, V.reshape({B * h, T, d})).view({B, h, T, d});
  }
  (out.to(torch::kFloat32) * g).sum().backward();
  return {out, Q.grad(), K.grad(), V.grad()};
}

TEST(Attention, Bf16SoftmaxDropoutKernelIsLibTorchsOpsWithTheSameMask) {
  if (!kernels::cpu_has_avx512()) GTEST_SKIP() << "the kernel needs AVX-512";
  torch::manual_seed(8);
  auto bf = torch::TensorOptions().dtype(torch::kBFloat16);
  auto q = torch::randn({2, 3, 17, 8}, bf), k = torch::randn({2, 3, 17, 8}, bf),
       v = torch::randn({2, 3, 17, 8}, bf), g = torch::randn({2, 3, 17, 8});
  auto bias = torch::zeros({2, 1, 1, 17}, bf);
  bias[1].narrow(-1, 12, 5).fill_(-10000.0);  // padding keys of the second example
  for (double p : {0.0, 0.2}) {
    const auto ops = ops_attention(q, k, v, bias, p, g, false);
    const auto kernel = ops_attention(q, k, v, bias, p, g, true);
    for (size_t i = 0; i < ops.size(); ++i) {
      const double rel = ((kernel[i].to(torch::kFloat64) - ops[i].to(torch::kFloat64)).norm() /
                          ops[i].to(torch::kFloat64).norm())
                             .item<double>();
      EXPECT_LT(rel, 1e-2) << "p " << p << " output " << i;  // bf16 roundings apart
    }
  }
}

TEST(Attention, CpuTensorsTakeTheCallersMathUnlessForced) {
  auto q = torch::randn({1, 2, 3, 4});
  EXPECT_FALSE(fused_attention(q, q, q, torch::zeros({1, 1, 1, 3}), 0.0).defined());
}

// softmax(q k^T / sqrt(d) + bias) v, one (batch, head, query) at a time in double.
torch::Tensor reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& bias) {
  const auto Q = q.to(torch::kFloat64), K = k.to(torch::kFloat64), V = v.to(torch::kFloat64);
  const auto M = bias.to(torch::kFloat64).expand({q.size(0), q.size(1), q.size(2), k.size(2)});
  auto out = torch::zeros_like(Q);
  const int64_t d = q.size(3);
  for (int64_t b = 0; b < q.size(0); ++b)
    for (int64_t h = 0; h < q.size(1); ++h)
      for (int64_t i = 0; i < q.size(2); ++i) {
        std::vector<double> w(k.size(2));
        double top = -1e300, sum = 0;
        for (int64_t j = 0; j < k.size(2); ++j) {
          w[j] = (Q[b][h][i] * K[b][h][j]).sum().item<double>() / std::sqrt(double(d)) +
                 M[b][h][i][j].item<double>();
          top = std::max(top, w[j]);
        }
        for (auto& x : w) sum += (x = std::exp(x - top));
        for (int64_t j = 0; j < k.size(2); ++j) out[b][h][i] += (w[j] / sum) * V[b][h][j];
      }
  return out;
}

TEST(Attention, FusedKernelMatchesTheReferenceWithPaddingAndBlockMasks) {
  if (!fused_attention_available()) GTEST_SKIP() << "LibTorch 1.13 has no fused attention";
  ForceFused force;
  torch::manual_seed(3);
  auto q = torch::randn({2, 2, 5, 4}), k = torch::randn({2, 2, 5, 4}),
       v = torch::randn({2, 2, 5, 4});
  // padding: row 0 sees 5 keys, row 1 the first 3
  auto pad = torch::zeros({2, 1, 1, 5});
  pad[1][0][0].slice(0, 3) = -10000.0;
  // packed: two examples of 2 and 3 tokens in each row, each sees only its own
  auto block = torch::full({2, 1, 5, 5}, -10000.0);
  block.slice(2, 0, 2).slice(3, 0, 2) = 0, block.slice(2, 2, 5).slice(3, 2, 5) = 0;
  for (const auto& bias : {pad, block}) {
    auto got = fused_attention(q, k, v, bias, 0.0);
    ASSERT_TRUE(got.defined());
    EXPECT_LT((got.to(torch::kFloat64) - reference(q, k, v, bias)).abs().max().item<double>(),
              1e-5);
  }
}

ModelShape shape(const std::string& architecture) {
  ModelShape s;
  s.architecture = architecture;
  s.vocab_size = kExampleVocab, s.hidden = 32, s.layers = 2, s.heads = 2, s.intermediate = 48;
  s.max_position = 64, s.dropout = 0, s.attention_dropout = 0, s.initializer_range = 0.1;
  s.global_attn_every_n_layers = 2, s.local_attention = 8;
  return s;
}

// Summed MLM + NSP loss of `b` and every parameter's gradient.
std::vector<torch::Tensor> loss_and_grads(PreTrainingModel& model, const Batch& b) {
  namespace F = torch::nn::functional;
  model.zero_grad();
  BatchTensors t = to_tensors(b, torch::kCPU);
  auto out = model.forward(t.input_ids, t.token_type_ids, t.attention_mask, t.positions, t.packed);
  auto loss = F::cross_entropy(out.mlm_logits, t.mlm_labels);
  if (out.nsp_logits.defined()) loss = loss + F::cross_entropy(out.nsp_logits, t.nsp_labels);
  loss.backward();
  std::vector<torch::Tensor> r{loss.detach()};
  for (auto& p : model.parameters()) r.push_back(p.grad().clone());
  return r;
}

void check_model(const std::string& architecture) {
  if (!fused_attention_available()) GTEST_SKIP() << "LibTorch 1.13 has no fused attention";
  ModelPtr model = make_model(shape(architecture));
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(5));
  model->train();
  const Batch plain = make_batch({20, 12, 7, 9, 5, 17}, 3);
  for (const Batch& b : {plain, pack_batch(plain, 24, kExamplePad)}) {
    const auto math = loss_and_grads(*model, b);
    std::vector<torch::Tensor> fused;
    {
      ForceFused force;
      fused = loss_and_grads(*model, b);
    }
    ASSERT_EQ(fused.size(), math.size());
    EXPECT_NEAR(fused[0].item<double>(), math[0].item<double>(), 1e-5 * math[0].item<double>())
        << (b.packed() ? "packed" : "padded");
    // relative to the gradient's largest entry, or to a thousandth of the largest of all when
    // that is larger (the key bias's gradient is zero but for rounding: softmax ignores it)
    double largest = 0;
    for (size_t i = 1; i < math.size(); ++i)
      largest = std::max(largest, math[i].abs().max().item<double>());
    for (size_t i = 1; i < math.size(); ++i) {
      const double scale = std::max(math[i].abs().max().item<double>(), 1e-3 * largest);
      EXPECT_LT((fused[i] - math[i]).abs().max().item<double>() / scale, 1e-4)
          << (b.packed() ? "packed" : "padded") << " parameter " << i;
    }
  }
}

TEST(Attention, BertFusedPathSameLossAndGradients) { check_model("bert"); }

TEST(Attention, ModernBertFusedPathSameLossAndGradients) { check_model("modernbert"); }

}  // namespace
}  // namespace bertforge
