#include "train/loss.h"

namespace bertforge {
namespace {

// Cross-entropy of `logits` (N, C) against `labels` (N): -sum log softmax(logits)[label] divided
// by `denominator` (the local count when <= 0), and how many argmax predictions are right.
struct MeanCrossEntropy {
  torch::Tensor mean;
  int64_t correct = 0, count = 0;
};

MeanCrossEntropy mean_cross_entropy(const torch::Tensor& logits_in, const torch::Tensor& labels,
                                    double denominator) {
  namespace F = torch::nn::functional;
  auto logits = logits_in.to(torch::kFloat32);
  MeanCrossEntropy out;
  out.count = labels.size(0);
  auto sum = F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kSum));
  out.mean = sum / (denominator > 0 ? denominator : std::max<int64_t>(1, out.count));
  torch::NoGradGuard ng;
  out.correct = logits.argmax(-1).eq(labels).sum().item<int64_t>();
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
