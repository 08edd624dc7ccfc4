#include "train/loss.h"

#include <ATen/Parallel.h>

#include "kernels/cross_entropy_rows.h"

namespace bertforge {
namespace {

// sum_i -log softmax(logits_i)[label_i] * scale over fp32 or bf16 CPU logits whose labels are all
// valid (0 <= label < C), and per row whether the label's logit is the largest (a second, non-
// differentiable output). kernels/cross_entropy_rows reads the logits in their own dtype: the
// forward keeps them and each row's log-sum-exp, the backward writes (softmax - onehot) * scale in
// one pass, in the logits' dtype. LibTorch's cross_entropy (log_softmax + nll_loss: a zeroed (M, V)
// gradient, then log_softmax's backward) took 2.3x the time of a one-pass backward on the MLM
// head's (300, 8000), and under bf16 autocast the head's logits were first copied to fp32.
struct RowCrossEntropy : torch::autograd::Function<RowCrossEntropy> {
  static kernels::LogitsType type_of(const torch::Tensor& t) {
    return t.scalar_type() == torch::kBFloat16 ? kernels::LogitsType::kBFloat16
                                               : kernels::LogitsType::kFloat32;
  }
  static int64_t grain(int64_t cols) {
    return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, cols));
  }

  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const torch::Tensor& logits_in,
                                                const torch::Tensor& labels_in, double scale) {
    auto logits = logits_in.contiguous();
    auto labels = labels_in.to(torch::kInt64).contiguous();
    const int64_t n = logits.size(0), c = logits.size(1);
    const int64_t* label = labels.data_ptr<int64_t>();
    for (int64_t r = 0; r < n; ++r)
      TORCH_CHECK(label[r] >= 0 && label[r] < c, "label ", label[r], " outside [0, ", c, ")");
    auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    auto lse = torch::empty({n}, f32), nll = torch::empty({n}, f32);
    auto is_max = torch::empty({n}, torch::TensorOptions().dtype(torch::kUInt8));
    at::parallel_for(0, n, grain(c), [&](int64_t begin, int64_t end) {
      kernels::cross_entropy_forward(logits.data_ptr(), type_of(logits), c, label, begin, end,
                                     lse.data_ptr<float>(), nll.data_ptr<float>(),
                                     is_max.data_ptr<uint8_t>());
    });
    ctx->save_for_backward({logits, labels, lse});
    ctx->saved_data["scale"] = scale;
    ctx->mark_non_differentiable({is_max});
    return {nll.sum().mul_(scale), is_max};
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    const auto saved = ctx->get_saved_variables();
    const auto& logits = saved[0];
    const int64_t n = logits.size(0), c = logits.size(1);
    // The incoming gradient (a scalar) times the mean's 1 / denominator.
    const float g = float(grad_out[0].item<double>() * ctx->saved_data["scale"].toDouble());
    auto grad = torch::empty_like(logits);
    at::parallel_for(0, n, grain(c), [&](int64_t begin, int64_t end) {
      kernels::cross_entropy_backward(logits.data_ptr(), type_of(logits), c,
                                      saved[1].data_ptr<int64_t>(), saved[2].data_ptr<float>(), g,
                                      begin, end, grad.data_ptr());
    });
    return {grad, torch::Tensor(), torch::Tensor()};
  }
};

// Cross-entropy of `logits` (N, C) against `labels` (N): -sum log softmax(logits)[label] divided
// by `denominator` (the local count when <= 0), and in how many rows the label scores highest.
struct MeanCrossEntropy {
  torch::Tensor mean;
  int64_t correct = 0, count = 0;
};

MeanCrossEntropy mean_cross_entropy(const torch::Tensor& logits_in, const torch::Tensor& labels,
                                    double denominator) {
  namespace F = torch::nn::functional;
  MeanCrossEntropy out;
  out.count = labels.size(0);
  const double scale = 1.0 / (denominator > 0 ? denominator : std::max<int64_t>(1, out.count));
  // fp32 and bf16 on the CPU take the row kernels (checking the labels there is a host read, no
  // device sync); CUDA, other dtypes and ignored labels (< 0) take LibTorch's cross_entropy.
  const auto dtype = logits_in.scalar_type();
  if (logits_in.device().is_cpu() && (dtype == torch::kFloat32 || dtype == torch::kBFloat16) &&
      (out.count == 0 || labels.min().item<int64_t>() >= 0)) {
    auto parts = RowCrossEntropy::apply(logits_in, labels, scale);
    out.mean = parts[0];
    out.correct = parts[1].sum().item<int64_t>();  // ties for the largest count as right
    return out;
  }
  auto logits = logits_in.to(torch::kFloat32);
  out.mean =
      F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kSum)) * scale;
  torch::NoGradGuard ng;
  // Right where the label's logit is the row's largest (amax: a tenth of argmax's time on the
  // CPU; a tie for the largest counts as right). Ignored labels (< 0) are never right.
  if (out.count > 0) {
    auto valid = labels.ge(0);
    auto at_label = logits.gather(1, labels.clamp_min(0).unsqueeze(1)).squeeze(1);
    out.correct = at_label.ge(logits.amax(-1)).logical_and_(valid).sum().item<int64_t>();
  }
  return out;
}

}  // namespace

LossParts pretraining_loss(const torch::Tensor& mlm_logits, const torch::Tensor& mlm_labels,
                           const torch::Tensor& nsp_logits, const torch::Tensor& nsp_labels,
                           double nsp_weight, double mlm_denominator, double nsp_denominator) {
  TORCH_CHECK(
      mlm_logits.dim() == 2 && mlm_labels.dim() == 1 && mlm_logits.size(0) == mlm_labels.size(0),
      "mlm logits (M, V) and labels (M) disagree");
  LossParts out;
  // The seed formula: mean over the masked positions of -log P(x_i | x_masked).
  auto mlm = mean_cross_entropy(mlm_logits, mlm_labels, mlm_denominator);
  out.mlm_loss = mlm.mean, out.mlm_correct = mlm.correct, out.mlm_count = mlm.count;
  if (nsp_labels.defined() && nsp_labels.numel() > 0) {
    auto nsp = mean_cross_entropy(nsp_logits, nsp_labels, nsp_denominator);
    out.nsp_loss = nsp.mean, out.nsp_correct = nsp.correct, out.nsp_count = nsp.count;
    out.loss = out.mlm_loss + nsp_weight * out.nsp_loss;
  } else {
    out.nsp_loss = torch::zeros({}, out.mlm_loss.options());
    out.loss = out.mlm_loss;
  }
  return out;
}

}  // namespace bertforge
