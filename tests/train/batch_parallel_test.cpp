// BatchParallel (train.thread_mode: batch): a batch split over threads, each part on a replica
// sharing the weights, gives the gradients of the whole batch (to float rounding) in the model,
// the replicas follow weights the model changes, and with dropout on a step is reproducible.
#include "train/batch_parallel.h"

#include <gtest/gtest.h>

#include <vector>

#include "model/dropout.h"
#include "model/example_batch.h"
#include "train/batch_tensors.h"

namespace bertforge {
namespace {

ModelShape shape(double dropout) {
  ModelShape s;
  s.vocab_size = kExampleVocab, s.hidden = 32, s.layers = 2, s.heads = 2, s.intermediate = 48;
  s.max_position = 64, s.dropout = dropout, s.attention_dropout = dropout;
  return s;
}

// The summed MLM and NSP cross-entropy of `b` on `model`, backward; returns the loss.
double forward_backward(PreTrainingModel& model, const Batch& b) {
  namespace F = torch::nn::functional;
  BatchTensors t = to_tensors(b, torch::kCPU);
  auto out = model.forward(t.input_ids, t.token_type_ids, t.attention_mask, t.positions, t.packed);
  auto sum = F::CrossEntropyFuncOptions().reduction(torch::kSum);
  auto loss = F::cross_entropy(out.mlm_logits, t.mlm_labels, sum) +
              F::cross_entropy(out.nsp_logits, t.nsp_labels, sum);
  loss.backward();
  return loss.item<double>();
}

std::vector<torch::Tensor> grads(PreTrainingModel& model) {
  std::vector<torch::Tensor> g;
  for (auto& p : model.parameters()) g.push_back(p.grad().clone());
  model.zero_grad();
  return g;
}

// Runs `b` split over `workers`; returns the summed loss of the parts.
double run_split(BatchParallel& workers, const Batch& b) {
  std::vector<double> loss(static_cast<size_t>(workers.threads()));
  workers.run(b, [&](PreTrainingModel& m, const Batch& part, int k) {
    DropoutKeys keys(1000 + static_cast<uint64_t>(k));
    loss[static_cast<size_t>(k)] = forward_backward(m, part);
  });
  double total = 0;
  for (double l : loss) total += l;
  return total;
}

TEST(BatchParallel, SplitGradientsAreTheWholeBatchs) {
  ModelPtr model = make_model(shape(0.0));
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(3));
  model->train();
  const Batch b = make_batch({20, 12, 7, 9, 5, 17, 11}, 4);
  const double whole = forward_backward(*model, b);
  const auto expected = grads(*model);
  BatchParallel workers(*model, 3);
  EXPECT_NEAR(run_split(workers, b), whole, 1e-4 * whole);
  const auto got = grads(*model);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(torch::allclose(got[i], expected[i], 1e-4, 1e-6)) << "parameter " << i;
}

TEST(BatchParallel, ReplicasFollowTheModelsWeights) {
  ModelPtr model = make_model(shape(0.0));
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(3));
  model->train();
  const Batch b = make_batch({20, 12, 7, 9}, 5);
  BatchParallel workers(*model, 2);
  const double before = run_split(workers, b);
  model->zero_grad();
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.mul_(0.5);  // in place, as the optimizer updates
  }
  const double after = run_split(workers, b);
  model->zero_grad();
  EXPECT_NE(before, after);
  const double whole = forward_backward(*model, b);
  EXPECT_NEAR(after, whole, 1e-4 * whole);  // both parts saw the new weights
}

TEST(BatchParallel, WithDropoutAStepIsReproducible) {
  ModelPtr model = make_model(shape(0.1));
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(3));
  model->train();
  const Batch b = make_batch({20, 12, 7, 9, 5, 17}, 6);
  BatchParallel workers(*model, 2);
  const double first = run_split(workers, b);
  const auto g1 = grads(*model);
  const double second = run_split(workers, b);
  const auto g2 = grads(*model);
  EXPECT_EQ(first, second);
  for (size_t i = 0; i < g1.size(); ++i) EXPECT_TRUE(torch::equal(g1[i], g2[i])) << i;
}

TEST(BatchParallel, AnErrorInAPartReachesTheCaller) {
  ModelPtr model = make_model(shape(0.0));
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(3));
  BatchParallel workers(*model, 2);
  const Batch b = make_batch({20, 12, 7, 9}, 5);
  EXPECT_THROW(workers.run(b,
                           [](PreTrainingModel&, const Batch&, int k) {
                             if (k == 1) throw std::runtime_error("part 1 failed");
                           }),
               std::runtime_error);
}

}  // namespace
}  // namespace bertforge
