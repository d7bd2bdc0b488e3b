#include "glip/io/safetensors.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"
#include "glip/io/state_dict.h"

namespace glip::io {
namespace {

struct DtypeName {
  const char* name;
  at::ScalarType type;
};

constexpr DtypeName kDtypes[] = {
    {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"I64", at::kLong},
    {"I32", at::kInt},    {"I16", at::kShort}, {"I8", at::kChar},  {"U8", at::kByte},       {"BOOL", at::kBool},
};

at::ScalarType dtype_from_name(const std::string& name, const std::string& what, const std::string& key) {
  for (const auto& d : kDtypes)
    if (name == d.name) return d.type;
  throw InputError(str_cat(what, ": tensor '", key, "' has unsupported dtype '", name,
                           "' (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)"));
}

const char* dtype_name(at::ScalarType t) {
  for (const auto& d : kDtypes)
    if (t == d.type) return d.name;
  throw Error(str_cat("safetensors: cannot store dtype ", c10::toString(t)));
}

}  // namespace

namespace {

/** The shape of `key`, checked: a list of at most 64 non-negative integers whose product fits 62 bits. */
std::vector<int64_t> header_shape(const nlohmann::json& info, const std::string& what, const std::string& key) {
  const std::string where = str_cat(what, ": tensor '", key, "'");
  GLIP_CHECK_INPUT(info.contains("shape") && info["shape"].is_array() && info["shape"].size() <= 64, where,
                   ": 'shape' must be a list of at most 64 integers");
  std::vector<int64_t> shape;
  uint64_t numel = 1;
  for (const auto& d : info["shape"]) {
    GLIP_CHECK_INPUT(d.is_number_integer() && d.get<int64_t>() >= 0 && d.get<uint64_t>() <= (uint64_t{1} << 62), where,
                     ": 'shape' must hold non-negative integers, got ", json_dump(info["shape"]));
    const uint64_t n = d.get<uint64_t>();
    GLIP_CHECK_INPUT(n == 0 || numel <= (uint64_t{1} << 62) / n, where, ": 'shape' ", json_dump(info["shape"]),
                     " has too many elements");
    numel *= n;
    shape.push_back(static_cast<int64_t>(n));
  }
  return shape;
}

at::Tensor header_tensor(const nlohmann::json& info, const std::string& what, const std::string& key, const char* data,
                         uint64_t data_len) {
  const std::string where = str_cat(what, ": tensor '", key, "'");
  GLIP_CHECK_INPUT(info.is_object(), where, ": expected an object {dtype, shape, data_offsets}, got ", json_dump(info));
  GLIP_CHECK_INPUT(info.contains("dtype") && info["dtype"].is_string(), where, ": 'dtype' must be a string");
  const auto dtype = dtype_from_name(info["dtype"].get<std::string>(), what, key);
  const std::vector<int64_t> shape = header_shape(info, what, key);
  const auto& offs = info.contains("data_offsets") ? info["data_offsets"] : nlohmann::json();
  GLIP_CHECK_INPUT(offs.is_array() && offs.size() == 2 && offs[0].is_number_unsigned() && offs[1].is_number_unsigned(),
                   where, ": 'data_offsets' must be [begin, end] (non-negative integers), got ", json_dump(offs));
  const uint64_t begin = offs[0].get<uint64_t>(), end = offs[1].get<uint64_t>();
  GLIP_CHECK_INPUT(begin <= end && end <= data_len, where, " has data offsets [", begin, ", ", end, "] outside the ",
                   data_len, " data bytes (truncated or corrupt file)");
  uint64_t numel = 1;
  for (int64_t d : shape) numel *= static_cast<uint64_t>(d);
  const uint64_t nbytes = numel * c10::elementSize(dtype);  // numel < 2^62 and the size <= 8: no overflow
  GLIP_CHECK_INPUT(nbytes == end - begin, where, " has ", end - begin, " bytes of data but its shape and dtype need ",
                   nbytes);
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  if (nbytes) std::memcpy(t.data_ptr(), data + begin, nbytes);
  return t;
}

}  // namespace

TensorFile parse_safetensors(const std::string& bytes, const std::string& what) {
  GLIP_CHECK_INPUT(bytes.size() >= 8, what, ": not a safetensors file (", bytes.size(),
                   " bytes, shorter than the 8-byte header length)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[i]);
  GLIP_CHECK_INPUT(header_len <= bytes.size() - 8, what, ": truncated or corrupt safetensors file (header of ",
                   header_len, " bytes, file has ", bytes.size(), ")");
  const nlohmann::json header =
      parse_json_input(std::string_view(bytes).substr(8, header_len), what + " (safetensors header)");
  GLIP_CHECK_INPUT(header.is_object(), what, ": safetensors header is not a JSON object");
  const char* data = bytes.data() + 8 + header_len;
  const uint64_t data_len = bytes.size() - 8 - header_len;
  TensorFile out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      GLIP_CHECK_INPUT(it.value().is_object(), what, ": safetensors '__metadata__' must be an object of strings, got ",
                       json_dump(it.value()));
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        GLIP_CHECK_INPUT(m.value().is_string(), what, ": safetensors metadata '", m.key(), "' must be a string, got ",
                         json_dump(m.value()));
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    out.tensors[it.key()] = header_tensor(it.value(), what, it.key(), data, data_len);
  }
  return out;
}

TensorFile load_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

std::string serialize_safetensors(const std::map<std::string, at::Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<at::Tensor> cpu;
  cpu.reserve(tensors.size());
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    at::Tensor c = t.detach().to(at::kCPU).contiguous();
    uint64_t nbytes = static_cast<uint64_t>(c.numel()) * c.element_size();
    header[name] = {{"dtype", dtype_name(c.scalar_type())},
                    {"shape", c.sizes().vec()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    cpu.push_back(c);
  }
  std::string h = header.dump();
  while ((h.size() + 8) % 8 != 0) h.push_back(' ');
  std::string out;
  out.reserve(8 + h.size() + offset);
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += h;
  for (const auto& c : cpu)
    out.append(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()) * c.element_size());
  return out;
}

void save_safetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string bad = nonfinite_problem(tensors);
  GLIP_CHECK(bad.empty(), "refusing to write '", path, "': ", bad, " (the run diverged or was fed non-finite data)");
  write_file_atomic(path, serialize_safetensors(tensors, metadata));
}

}  // namespace glip::io
