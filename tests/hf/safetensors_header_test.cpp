// The torch-free safetensors header parser on hand-made files: valid ones, and every kind of
// hostile header refused with an InputError before anything is allocated.
#include "hf/safetensors_header.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "errors/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

std::string le64(uint64_t n) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return s;
}

// A safetensors file: the header size (by default the JSON's), the JSON, then `data`.
std::string file(const std::string& header, const std::string& data, int64_t size = -1) {
  return le64(size < 0 ? header.size() : static_cast<uint64_t>(size)) + header + data;
}

SafetensorsHeader parse(const std::string& bytes) {
  return parse_safetensors_header(bytes, bytes.size(), "t.safetensors");
}

// The message of the InputError that parsing `bytes` throws ("" when it does not throw).
std::string refusal(const std::string& bytes) {
  try {
    parse(bytes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(SafetensorsHeader, ParsesAValidFile) {
  const std::string h =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[2,1],"data_offsets":[8,12]},)"
      R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("e":{"dtype":"I64","shape":[0,3],"data_offsets":[12,12]}})";
  const std::string bytes = file(h, std::string(12, 'x'));
  const SafetensorsHeader parsed = parse(bytes);
  EXPECT_EQ(parsed.data_start, 8 + h.size());
  EXPECT_EQ(parsed.data_size, 12u);
  ASSERT_EQ(parsed.entries.size(), 3u);
  EXPECT_EQ(parsed.entries[0].name, "a");
  EXPECT_EQ(parsed.entries[0].dtype, "F32");
  EXPECT_EQ(parsed.entries[0].shape, std::vector<int64_t>{2});
  EXPECT_EQ(parsed.entries[0].begin, 0u);
  EXPECT_EQ(parsed.entries[0].end, 8u);
  EXPECT_EQ(parsed.entries[1].name, "b");
  EXPECT_EQ(parsed.entries[1].shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(parsed.entries[2].shape, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(parsed.entries[2].begin, parsed.entries[2].end);
}

TEST(SafetensorsHeader, ReadsOnlyTheHeaderOfAFile) {
  testing::TempDir dir;
  const std::string h = R"({"w":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}})";
  testing::write_text(dir.file("t.safetensors"), file(h, "abc"));
  const SafetensorsHeader parsed = read_safetensors_header(dir.file("t.safetensors"));
  ASSERT_EQ(parsed.entries.size(), 1u);
  EXPECT_EQ(parsed.entries[0].dtype, "U8");
  EXPECT_EQ(parsed.data_size, 3u);
  EXPECT_THROW(read_safetensors_header(dir.file("missing.safetensors")), InputError);
  EXPECT_THROW(read_safetensors_header(dir.path()), InputError);
}

TEST(SafetensorsHeader, HugeHeaderSizeIsRefusedBeforeAllocating) {
  // A file of a few bytes claiming a 2^63-byte (or 2^64 - 1) header: refused on the size alone.
  testing::TempDir dir;
  for (uint64_t claimed : {uint64_t{1} << 63, ~uint64_t{0}, uint64_t{1} << 40}) {
    const std::string bytes = le64(claimed) + "{}";
    EXPECT_NE(refusal(bytes).find("beyond the file"), std::string::npos) << claimed;
    testing::write_text(dir.file("h.safetensors"), bytes);
    EXPECT_THROW(read_safetensors_header(dir.file("h.safetensors")), InputError);
  }
  EXPECT_NE(refusal("1234567").find("shorter than its 8-byte header size"), std::string::npos);
  EXPECT_NE(refusal(le64(5) + "{}").find("beyond the file"), std::string::npos);
}

TEST(SafetensorsHeader, HeaderAboveTheCapIsRefused) {
  // Only the size is looked at: a "file" of kSafetensorsMaxHeader + 9 bytes is not needed.
  const std::string prefix = le64(kSafetensorsMaxHeader + 1);
  EXPECT_THROW(safetensors_header_size(prefix, kSafetensorsMaxHeader + 100, "t"), InputError);
  EXPECT_EQ(safetensors_header_size(le64(2), 10, "t"), 2u);
}

TEST(SafetensorsHeader, OffsetsOutsideTheDataSectionAreRefused) {
  const std::string data(8, 'x');
  for (const char* offsets :
       {"[0,9]", "[8,12]", "[4,0]", "[18446744073709551615,0]", "[0,18446744073709551615]",
        "[-1,7]", "[0]", "[0,4,8]", "{}", "[0.0,8]", "[\"0\",8]", "null"}) {
    const std::string h =
        std::string(R"({"a":{"dtype":"U8","shape":[8],"data_offsets":)") + offsets + "}}";
    const std::string why = refusal(file(h, data));
    EXPECT_NE(why.find("not a valid safetensors file"), std::string::npos) << offsets;
    EXPECT_NE(why.find("a: "), std::string::npos) << offsets << ": " << why;
  }
}

TEST(SafetensorsHeader, BadDtypesAreRefusedAsInputErrors) {
  // A dtype that is not a string used to escape as nlohmann's type_error.
  for (const char* dtype :
       {"5", "null", "[\"F32\"]", "{\"F32\":1}", "true", "\"F64\"", "\"f32\"", "\"\""}) {
    const std::string h =
        std::string(R"({"a":{"dtype":)") + dtype + R"(,"shape":[2],"data_offsets":[0,8]}})";
    EXPECT_NE(refusal(file(h, std::string(8, 'x'))).find("unsupported dtype"), std::string::npos)
        << dtype;
  }
  EXPECT_NE(refusal(file(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", std::string(8, 'x')))
                .find("lacks dtype"),
            std::string::npos);
}

TEST(SafetensorsHeader, OverflowingOrMismatchedShapesAreRefused) {
  const std::string data(16, 'x');
  for (const char* shape :
       {"[4294967296,4294967296]", "[9223372036854775807,2]", "[18446744073709551615]",
        "[9223372036854775808]", "[2,2,2]", "[-4]", "[4.0]", "\"4\"", "[[4]]", "[3]"}) {
    const std::string h =
        std::string(R"({"a":{"dtype":"F32","shape":)") + shape + R"(,"data_offsets":[0,16]}})";
    EXPECT_NE(refusal(file(h, data)).find("a: "), std::string::npos) << shape;
  }
  // A zero dimension makes an empty tensor whatever the other sizes.
  const std::string empty = R"({"a":{"dtype":"F32","shape":[4294967296,0],"data_offsets":[0,0]}})";
  EXPECT_EQ(refusal(file(empty, "")), "");
}

TEST(SafetensorsHeader, MalformedJsonIsAnInputError) {
  for (const char* h : {"", "{", "[1,2]", "\"x\"", "{\"a\":5}", "{\"__metadata__\":[]}",
                        "{\"a\":{\"dtype\":\"F32\"}}", "\xff\xfe"}) {
    const std::string why = refusal(file(h, ""));
    EXPECT_NE(why.find("not a valid safetensors file"), std::string::npos) << h;
  }
}

TEST(SafetensorsHeader, ElementSizes) {
  EXPECT_EQ(safetensors_element_size("F32"), 4u);
  EXPECT_EQ(safetensors_element_size("BF16"), 2u);
  EXPECT_EQ(safetensors_element_size("F16"), 2u);
  EXPECT_EQ(safetensors_element_size("I64"), 8u);
  EXPECT_EQ(safetensors_element_size("I32"), 4u);
  EXPECT_EQ(safetensors_element_size("U8"), 1u);
  EXPECT_EQ(safetensors_element_size("BOOL"), 1u);
  EXPECT_EQ(safetensors_element_size("F64"), 0u);
}

}  // namespace
}  // namespace bertforge
