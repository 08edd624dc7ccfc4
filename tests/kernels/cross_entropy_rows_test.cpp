#include "kernels/cross_entropy_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/kernel_test_util.h"

namespace bertforge::kernels {
namespace {

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

TEST(Bf16, RoundsToNearestEvenByHand) {
  EXPECT_EQ(float_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(float_to_bf16(from_bits(0x3F808000)), 0x3F80);  // halfway, even below: down
  EXPECT_EQ(float_to_bf16(from_bits(0x3F818000)), 0x3F82);  // halfway, odd below: up
  EXPECT_EQ(float_to_bf16(from_bits(0x3F808001)), 0x3F81);  // above halfway: up
  EXPECT_EQ(float_to_bf16(-2.0f), 0xC000);
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(float_to_bf16(from_bits(0x7F7FFFFF)), 0x7F80);  // the largest float rounds to inf
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::quiet_NaN()), 0x7FC0);
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(from_bits(0x7F800001)))));
  EXPECT_EQ(bf16_to_float(0x3FC0), 1.5f);
}

// Rows of logits in both dtypes (the bf16 ones are the fp32 values rounded), with labels.
struct Case {
  int64_t rows, cols;
  std::vector<float> f32;
  std::vector<uint16_t> bf16;
  std::vector<int64_t> labels;
  const void* data(LogitsType t) const {
    return t == LogitsType::kFloat32 ? static_cast<const void*>(f32.data()) : bf16.data();
  }
  double x(LogitsType t, int64_t i) const {
    return t == LogitsType::kFloat32 ? f32[i] : bf16_to_float(bf16[i]);
  }
};

Case make_case(int64_t rows, int64_t cols, float spread, uint32_t seed) {
  Case c{rows, cols, {}, {}, {}};
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0, spread);
  std::uniform_int_distribution<int64_t> label(0, cols - 1);
  for (int64_t i = 0; i < rows * cols; ++i) c.f32.push_back(normal(gen));
  for (float f : c.f32) c.bf16.push_back(float_to_bf16(f));
  for (int64_t r = 0; r < rows; ++r) c.labels.push_back(label(gen));
  return c;
}

// Each row's log-sum-exp and softmax, in double, from the logits as the kernel reads them.
void reference(const Case& c, LogitsType t, std::vector<double>& lse, std::vector<double>& p) {
  lse.assign(c.rows, 0), p.assign(c.rows * c.cols, 0);
  for (int64_t r = 0; r < c.rows; ++r) {
    double m = -INFINITY, s = 0;
    for (int64_t j = 0; j < c.cols; ++j) m = std::max(m, c.x(t, r * c.cols + j));
    for (int64_t j = 0; j < c.cols; ++j) s += std::exp(c.x(t, r * c.cols + j) - m);
    lse[r] = m + std::log(s);
    for (int64_t j = 0; j < c.cols; ++j)
      p[r * c.cols + j] = std::exp(c.x(t, r * c.cols + j) - lse[r]);
  }
}

TEST(CrossEntropyRows, ForwardAndBackwardMatchDoublePrecision) {
  for (int64_t cols : {1, 2, 15, 16, 17, 33, 8000})
    for (LogitsType t : {LogitsType::kFloat32, LogitsType::kBFloat16})
      for (Isa isa : isas()) {
        SCOPED_TRACE(testing::Message()
                     << "cols " << cols << " bf16 " << (t != LogitsType::kFloat32) << " avx512 "
                     << (isa == Isa::kAvx512));
        const Case c = make_case(5, cols, 3.0f, uint32_t(cols));
        std::vector<double> lse_ref, p_ref;
        reference(c, t, lse_ref, p_ref);
        std::vector<float> lse(c.rows), nll(c.rows);
        std::vector<uint8_t> is_max(c.rows);
        cross_entropy_forward(c.data(t), t, cols, c.labels.data(), 0, c.rows, lse.data(),
                              nll.data(), is_max.data(), isa);
        const float scale = 0.25f;
        std::vector<float> g32(c.rows * cols);
        std::vector<uint16_t> g16(c.rows * cols);
        void* grad = t == LogitsType::kFloat32 ? static_cast<void*>(g32.data()) : g16.data();
        cross_entropy_backward(c.data(t), t, cols, c.labels.data(), lse.data(), scale, 0, c.rows,
                               grad, isa);
        for (int64_t r = 0; r < c.rows; ++r) {
          const int64_t base = r * cols;
          EXPECT_NEAR(lse[r], lse_ref[r], 2e-6 * (1 + std::abs(lse_ref[r])));
          EXPECT_NEAR(nll[r], lse_ref[r] - c.x(t, base + c.labels[r]),
                      4e-6 * (1 + std::abs(lse_ref[r])));
          bool largest = true;
          for (int64_t j = 0; j < cols; ++j)
            largest &= c.x(t, base + j) <= c.x(t, base + c.labels[r]);
          EXPECT_EQ(is_max[r], largest);
          for (int64_t j = 0; j < cols; ++j) {
            const double want = (p_ref[base + j] - (j == c.labels[r])) * scale;
            if (t == LogitsType::kFloat32) {
              // fp32 sums of up to 8000 exponentials: a few 1e-6 of relative error
              ASSERT_NEAR(g32[base + j], want, 2e-5 * std::abs(want) + 1e-9)
                  << "row " << r << " col " << j;
            } else {  // the fp32 value rounded once: within one bf16 step of the exact one
              const double got = bf16_to_float(g16[base + j]);
              ASSERT_LE(std::abs(got - want), std::abs(want) / 128 + 1e-30)
                  << "row " << r << " col " << j;
            }
          }
        }
      }
}

TEST(CrossEntropyRows, RowsAreIndependentOfTheSplit) {
  const Case c = make_case(9, 300, 2.0f, 7);
  for (Isa isa : isas()) {
    std::vector<float> lse_all(9), nll_all(9), lse_parts(9), nll_parts(9);
    std::vector<uint8_t> m_all(9), m_parts(9);
    cross_entropy_forward(c.f32.data(), LogitsType::kFloat32, 300, c.labels.data(), 0, 9,
                          lse_all.data(), nll_all.data(), m_all.data(), isa);
    for (int64_t b : {0, 4, 5})
      cross_entropy_forward(c.f32.data(), LogitsType::kFloat32, 300, c.labels.data(), b,
                            b == 0   ? 4
                            : b == 4 ? 5
                                     : 9,
                            lse_parts.data(), nll_parts.data(), m_parts.data(), isa);
    EXPECT_EQ(lse_all, lse_parts);
    EXPECT_EQ(nll_all, nll_parts);
    EXPECT_EQ(m_all, m_parts);
  }
}

TEST(CrossEntropyRows, FarLabelsMaskedLogitsAndNaN) {
  const float inf = std::numeric_limits<float>::infinity();
  // Row 0: the label 200 below the maximum (its softmax underflows; the loss is still exact).
  // Row 1: -inf logits (masked out) take no probability. Row 2: a NaN makes the row NaN.
  std::vector<float> x = {200, 0, 0, 1, -inf, 1, 0.5f, NAN, 0};
  std::vector<int64_t> labels = {1, 2, 0};
  for (Isa isa : isas()) {
    std::vector<float> lse(3), nll(3), grad(9);
    std::vector<uint8_t> is_max(3);
    cross_entropy_forward(x.data(), LogitsType::kFloat32, 3, labels.data(), 0, 3, lse.data(),
                          nll.data(), is_max.data(), isa);
    EXPECT_NEAR(nll[0], 200.0, 1e-3);
    EXPECT_EQ(is_max[0], 0);
    EXPECT_NEAR(lse[1], 1 + std::log(2.0), 1e-6);
    EXPECT_NEAR(nll[1], std::log(2.0), 1e-6);
    EXPECT_EQ(is_max[1], 1);  // a tie for the largest counts as right
    EXPECT_TRUE(std::isnan(lse[2]) && std::isnan(nll[2]));
    cross_entropy_backward(x.data(), LogitsType::kFloat32, 3, labels.data(), lse.data(), 1.0f, 0, 2,
                           grad.data(), isa);
    EXPECT_NEAR(grad[0], 1.0, 1e-6);
    EXPECT_NEAR(grad[1], -1.0, 1e-6);
    EXPECT_NEAR(grad[3], 0.5, 1e-6);
    EXPECT_LT(std::abs(grad[4]), 1e-30);
    EXPECT_NEAR(grad[5], -0.5, 1e-6);
  }
}

TEST(CrossEntropyRows, ScalarAndAvx512AgreeOnTheMlmHeadShape) {
  if (!cpu_has_avx512()) GTEST_SKIP() << "no AVX-512 on this CPU";
  const Case c = make_case(64, 8000, 4.0f, 11);
  for (LogitsType t : {LogitsType::kFloat32, LogitsType::kBFloat16}) {
    std::vector<float> lse[2], nll[2];
    std::vector<uint8_t> m[2];
    std::vector<uint16_t> g[2];
    int i = 0;
    for (Isa isa : {Isa::kScalar, Isa::kAvx512}) {
      lse[i].resize(64), nll[i].resize(64), m[i].resize(64), g[i].resize(64 * 8000);
      cross_entropy_forward(c.data(t), t, 8000, c.labels.data(), 0, 64, lse[i].data(),
                            nll[i].data(), m[i].data(), isa);
      if (t == LogitsType::kBFloat16)
        cross_entropy_backward(c.data(t), t, 8000, c.labels.data(), lse[0].data(), 1.0f, 0, 64,
                               g[i].data(), isa);
      ++i;
    }
    for (int r = 0; r < 64; ++r) EXPECT_NEAR(lse[0][r], lse[1][r], 4e-6 * std::abs(lse[0][r]));
    EXPECT_EQ(m[0], m[1]);
    int64_t differ = 0;  // bf16 gradients: the same but where the fp32 value sits at a tie
    for (size_t j = 0; j < g[0].size(); ++j) differ += g[0][j] != g[1][j];
    EXPECT_LT(differ, int64_t(g[0].size() / 100));
  }
}

}  // namespace
}  // namespace bertforge::kernels
