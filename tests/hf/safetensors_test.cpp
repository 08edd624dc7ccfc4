#include "hf/safetensors.h"

#include <gtest/gtest.h>

#include "errors/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

TEST(Safetensors, HeaderLayoutByHand) {
  testing::TempDir dir;
  auto path = dir.file("t.safetensors");
  write_safetensors(path, {{"a", torch::tensor({1.0f, 2.0f})}});
  std::string bytes = testing::read_text(path);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(bytes[i])) << (8 * i);
  EXPECT_EQ((8 + n) % 8, 0u);
  std::string header = bytes.substr(8, n);
  EXPECT_NE(header.find("\"a\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}"),
            std::string::npos)
      << header;
  float v[2];
  std::memcpy(v, bytes.data() + 8 + n, 8);
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], 2.0f);
  EXPECT_EQ(bytes.size(), 8 + n + 8);
}

TEST(Safetensors, RoundTrip) {
  testing::TempDir dir;
  auto path = dir.file("t.safetensors");
  auto a = torch::randn({3, 4}), b = torch::randn({5});
  write_safetensors(path, {{"x.weight", a}, {"y.bias", b}}, {{"format", "pt"}});
  auto back = read_safetensors(path);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_TRUE(torch::equal(back["x.weight"], a));
  EXPECT_TRUE(torch::equal(back["y.bias"], b));
}

TEST(Safetensors, TruncatedFileIsRejected) {
  testing::TempDir dir;
  auto path = dir.file("t.safetensors");
  write_safetensors(path, {{"a", torch::randn({100})}});
  std::string bytes = testing::read_text(path);
  testing::write_text(path, bytes.substr(0, bytes.size() - 10));
  EXPECT_THROW(read_safetensors(path), InputError);
}

// A hand-made file: header size, the JSON header, then `data`.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return out + header + data;
}

TEST(Safetensors, ReadsHalfPrecisionAsFloat32AndKeepsIntegers) {
  testing::TempDir dir;
  const std::string path = dir.file("m.safetensors");
  const uint16_t bf16[2] = {0x3f80, 0xc000};  // 1.0, -2.0
  const uint16_t f16[1] = {0x3800};           // 0.5
  const int64_t ids[3] = {7, -1, 42};
  std::string data(reinterpret_cast<const char*>(bf16), 4);
  data.append(reinterpret_cast<const char*>(f16), 2);
  data.append(2, '\0');
  data.append(reinterpret_cast<const char*>(ids), 24);
  testing::write_text(path,
                      safetensors_bytes(R"({"b":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},)"
                                        R"("h":{"dtype":"F16","shape":[1,1],"data_offsets":[4,6]},)"
                                        R"("i":{"dtype":"I64","shape":[3],"data_offsets":[8,32]}})",
                                        data));
  auto t = read_safetensors(path);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t["b"].scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(t["b"], torch::tensor({1.0f, -2.0f})));
  EXPECT_EQ(t["h"].sizes().vec(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(t["h"].item<float>(), 0.5f);
  EXPECT_EQ(t["i"].scalar_type(), torch::kInt64);
  EXPECT_TRUE(torch::equal(t["i"], torch::tensor({int64_t{7}, int64_t{-1}, int64_t{42}})));
}

TEST(Safetensors, HostileHeadersAreInputErrors) {
  testing::TempDir dir;
  const std::string path = dir.file("m.safetensors");
  // A non-string dtype used to escape as nlohmann's type_error.
  testing::write_text(
      path, safetensors_bytes(R"({"w":{"dtype":5,"shape":[1],"data_offsets":[0,4]}})", "abcd"));
  EXPECT_THROW(read_safetensors(path), InputError);
  // A 2^63-byte header: refused on its size, nothing allocated.
  testing::write_text(path, std::string("\0\0\0\0\0\0\0\x80{}", 10));
  EXPECT_THROW(read_safetensors(path), InputError);
}

}  // namespace
}  // namespace bertforge
