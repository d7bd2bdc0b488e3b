#include "glip/text/unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

#include "glip/core/error.h"
#include "glip/core/strings.h"

namespace glip::text {

namespace {

// Returns the code point at s[i] and advances i, or -1 (i unchanged) when the sequence is invalid.
int32_t decode_one(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  uint32_t cp = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + len > s.size()) return -1;
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += len;
  return static_cast<int32_t>(cp);
}

}  // namespace

std::u32string utf8_decode(std::string_view utf8, const std::string& what) {
  std::u32string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    const int32_t cp = decode_one(utf8, i);
    GLIP_CHECK_INPUT(cp >= 0, what, ": invalid UTF-8 at byte ", i, " (byte 0x", std::hex,
                     static_cast<int>(static_cast<unsigned char>(utf8[i])), std::dec, ")");
    out.push_back(static_cast<char32_t>(cp));
  }
  return out;
}

bool utf8_valid(std::string_view utf8) {
  size_t i = 0;
  while (i < utf8.size())
    if (decode_one(utf8, i) < 0) return false;
  return true;
}

std::string utf8_encode(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) utf8_append(out, c);
  return out;
}

std::vector<int64_t> utf8_cp_byte_offsets(std::string_view utf8) {
  std::vector<int64_t> off;
  off.reserve(utf8.size() + 1);
  for (size_t i = 0; i < utf8.size(); ++i)
    if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) off.push_back(static_cast<int64_t>(i));
  off.push_back(static_cast<int64_t>(utf8.size()));
  return off;
}

int64_t utf8_length(std::string_view utf8) {
  int64_t n = 0;
  for (char ch : utf8) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

bool is_whitespace(char32_t c) {
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return true;
  if (c < 0x80) return c == 0x0B || c == 0x0C;
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE);
}

bool is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  if (c < 0x80) return c < 0x20 || c == 0x7F;
  const int8_t t = u_charType(static_cast<UChar32>(c));
  return t == U_CONTROL_CHAR || t == U_FORMAT_CHAR || t == U_SURROGATE || t == U_PRIVATE_USE_CHAR || t == U_UNASSIGNED;
}

bool is_bert_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  if (c < 0x80) return false;
  const int32_t mask = U_GET_GC_MASK(static_cast<UChar32>(c));
  return (mask & U_GC_P_MASK) != 0;
}

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_nonspacing_mark(char32_t c) { return c >= 0x300 && u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK; }

std::u32string nfd(char32_t c) {
  if (c < 0xC0) return std::u32string(1, c);
  UErrorCode err = U_ZERO_ERROR;
  static const icu::Normalizer2* norm = icu::Normalizer2::getNFDInstance(err);
  GLIP_CHECK(norm != nullptr && U_SUCCESS(err), "ICU: NFD normalizer unavailable: ", u_errorName(err));
  icu::UnicodeString d;
  if (!norm->getDecomposition(static_cast<UChar32>(c), d)) return std::u32string(1, c);
  std::u32string out;
  for (int32_t i = 0; i < d.length();) {
    const UChar32 cp = d.char32At(i);
    out.push_back(static_cast<char32_t>(cp));
    i += U16_LENGTH(cp);
  }
  return out;
}

std::u32string to_lower(char32_t c) {
  if (c < 0x80) return std::u32string(1, (c >= 'A' && c <= 'Z') ? c + 32 : c);
  UChar src[2];
  int32_t n = 0;
  U16_APPEND_UNSAFE(src, n, static_cast<UChar32>(c));
  UChar dst[16];
  UErrorCode err = U_ZERO_ERROR;
  const int32_t len = u_strToLower(dst, 16, src, n, "", &err);
  if (U_FAILURE(err)) return std::u32string(1, static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
  std::u32string out;
  for (int32_t i = 0; i < len;) {
    UChar32 cp;
    U16_NEXT(dst, i, len, cp);
    out.push_back(static_cast<char32_t>(cp));
  }
  return out;
}

bool is_letter(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return u_isalpha(static_cast<UChar32>(c));
}

bool is_digit(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return u_isdigit(static_cast<UChar32>(c));
}

}  // namespace glip::text
