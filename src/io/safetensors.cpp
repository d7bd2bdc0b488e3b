#include "glip/io/safetensors.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::io {
namespace {

struct DtypeName {
  const char* name;
  at::ScalarType type;
};

constexpr DtypeName kDtypes[] = {
    {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf},  {"BF16", at::kBFloat16},
    {"I64", at::kLong},   {"I32", at::kInt},   {"I16", at::kShort}, {"I8", at::kChar},
    {"U8", at::kByte},    {"BOOL", at::kBool},
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

TensorFile parse_safetensors(const std::string& bytes, const std::string& what) {
  GLIP_CHECK_INPUT(bytes.size() >= 8, what, ": not a safetensors file (", bytes.size(),
                   " bytes, shorter than the 8-byte header length)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[i]);
  GLIP_CHECK_INPUT(header_len <= bytes.size() - 8, what, ": truncated or corrupt safetensors file (header of ",
                   header_len, " bytes, file has ", bytes.size(), ")");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(header_len));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(str_cat(what, ": corrupt safetensors header: ", e.what()));
  }
  GLIP_CHECK_INPUT(header.is_object(), what, ": safetensors header is not a JSON object");
  const char* data = bytes.data() + 8 + header_len;
  const uint64_t data_len = bytes.size() - 8 - header_len;
  TensorFile out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      for (auto m = it.value().begin(); m != it.value().end(); ++m)
        out.metadata[m.key()] = m.value().is_string() ? m.value().get<std::string>() : m.value().dump();
      continue;
    }
    const auto& info = it.value();
    try {
      auto dtype = dtype_from_name(info.at("dtype").get<std::string>(), what, it.key());
      std::vector<int64_t> shape = info.at("shape").get<std::vector<int64_t>>();
      auto offs = info.at("data_offsets").get<std::vector<uint64_t>>();
      GLIP_CHECK_INPUT(offs.size() == 2 && offs[0] <= offs[1] && offs[1] <= data_len, what, ": tensor '",
                       it.key(), "' has data offsets outside the file (truncated or corrupt file)");
      int64_t numel = 1;
      for (auto s : shape) numel *= s;
      const uint64_t nbytes = static_cast<uint64_t>(numel) * c10::elementSize(dtype);
      GLIP_CHECK_INPUT(nbytes == offs[1] - offs[0], what, ": tensor '", it.key(), "' has ", offs[1] - offs[0],
                       " bytes of data but its shape and dtype need ", nbytes);
      at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
      if (nbytes) std::memcpy(t.data_ptr(), data + offs[0], nbytes);
      out.tensors[it.key()] = t;
    } catch (const nlohmann::json::exception& e) {
      throw InputError(str_cat(what, ": bad header entry for tensor '", it.key(), "': ", e.what()));
    }
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
  write_file_atomic(path, serialize_safetensors(tensors, metadata));
}

}  // namespace glip::io
