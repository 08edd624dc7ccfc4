#include "kernels/geglu.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/kernel_test_util.h"

namespace bertforge::kernels {
namespace {

double normal_cdf_exact(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

TEST(Geglu, MatchesTheGatedGeluInDoubleWithTheMask) {
  for (int64_t inner : {1, 9, 16, 40}) {
    const int64_t rows = 5;
    std::mt19937 gen{uint32_t(inner)};
    std::normal_distribution<float> normal(0, 2);
    std::vector<uint16_t> h(rows * 2 * inner), dy(rows * inner);
    for (auto& v : h) v = float_to_bf16(normal(gen));
    for (auto& v : dy) v = float_to_bf16(normal(gen));
    for (const DropoutMask& mask : {DropoutMask{}, DropoutMask::of(0.3, 11)})
      for (Isa isa : isas()) {
        SCOPED_TRACE(testing::Message() << "inner " << inner << " p>0 " << (mask.threshold > 0)
                                        << " avx512 " << (isa == Isa::kAvx512));
        std::vector<uint16_t> y(rows * inner), dh(rows * 2 * inner);
        geglu_forward(h.data(), inner, 0, rows, mask, y.data(), isa);
        geglu_backward(h.data(), dy.data(), inner, 0, rows, mask, dh.data(), isa);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < inner; ++j) {
            const int64_t ia = r * 2 * inner + j, ig = ia + inner, iy = r * inner + j;
            const double a = bf16_to_float(h[ia]), g = bf16_to_float(h[ig]);
            const double keep = mask.threshold == 0 || mask.keeps(uint64_t(iy)) ? mask.scale : 0;
            const double cdf = normal_cdf_exact(a);
            const double pdf = std::exp(-0.5 * a * a) / std::sqrt(2 * M_PI);
            const double e = bf16_to_float(dy[iy]) * keep;
            expect_bf16_near(y[iy], a * cdf * g * keep, 1e-6, "y", iy);
            expect_bf16_near(dh[ia], e * g * (cdf + a * pdf), 1e-6, "da", ia);
            expect_bf16_near(dh[ig], e * a * cdf, 1e-6, "dg", ig);
          }
      }
  }
}

}  // namespace
}  // namespace bertforge::kernels
