// Image decoding/encoding: OpenCV imgcodecs, or libjpeg + libpng with -DGLIP_IMAGE_IO=minimal.
#include "glip/io/image.h"

#include <opencv2/imgproc.hpp>

#include <cctype>

#include "glip/core/error.h"
#include "glip/core/fs.h"

#ifdef GLIP_IMAGE_IO_MINIMAL
#include <jpeglib.h>
#include <png.h>

#include <csetjmp>
#include <cstdio>
#else
#include <opencv2/imgcodecs.hpp>
#endif

namespace glip::io {
namespace {

void check_encodable(const cv::Mat& image) {
  GLIP_CHECK(!image.empty() && image.depth() == CV_8U && (image.channels() == 3 || image.channels() == 1),
             "image encoding needs a non-empty 8-bit BGR or grey image, got ", image.cols, "x", image.rows, " with ",
             image.channels(), " channels and depth ", image.depth());
}

bool is_png(const std::string& b) { return b.size() >= 8 && b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0; }
bool is_jpeg(const std::string& b) { return b.size() >= 3 && b.compare(0, 3, "\xFF\xD8\xFF") == 0; }

#ifdef GLIP_IMAGE_IO_MINIMAL
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

cv::Mat decode_jpeg(const std::string& bytes, const std::string& what) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  cv::Mat out;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw InputError(str_cat("image '", what, "': cannot decode JPEG: ", err.message));
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_EXT_BGR;
  jpeg_start_decompress(&cinfo);
  out.create(static_cast<int>(cinfo.output_height), static_cast<int>(cinfo.output_width), CV_8UC3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.ptr<unsigned char>(static_cast<int>(cinfo.output_scanline));
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return out;
}

cv::Mat decode_png(const std::string& bytes, const std::string& what) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  GLIP_CHECK_INPUT(png_image_begin_read_from_memory(&img, bytes.data(), bytes.size()), "image '", what,
                   "': cannot decode PNG: ", img.message);
  img.format = PNG_FORMAT_BGR;
  cv::Mat out(static_cast<int>(img.height), static_cast<int>(img.width), CV_8UC3);
  const bool ok = png_image_finish_read(&img, nullptr, out.data, static_cast<png_int_32>(out.step[0]), nullptr);
  std::string msg = img.message;
  png_image_free(&img);
  GLIP_CHECK_INPUT(ok, "image '", what, "': cannot decode PNG: ", msg);
  return out;
}
#endif

}  // namespace

const std::vector<std::string>& image_extensions() {
  static const std::vector<std::string> kExt = {".jpg", ".jpeg", ".png"};  // what decode_image reads
  return kExt;
}

bool is_image_extension(const std::string& ext) {
  std::string e = !ext.empty() && ext[0] == '.' ? ext : "." + ext;
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& k : image_extensions())
    if (e == k) return true;
  return false;
}

const char* image_io_backend() {
#ifdef GLIP_IMAGE_IO_MINIMAL
  return "minimal";
#else
  return "opencv";
#endif
}

cv::Mat decode_image(const std::string& bytes, const std::string& what) {
  GLIP_CHECK_INPUT(is_png(bytes) || is_jpeg(bytes), "image '", what, "': not a JPEG or PNG file (", bytes.size(),
                   " bytes)");
#ifdef GLIP_IMAGE_IO_MINIMAL
  return is_png(bytes) ? decode_png(bytes, what) : decode_jpeg(bytes, what);
#else
  std::vector<unsigned char> buf(bytes.begin(), bytes.end());
  // IMREAD_COLOR alone would rotate by the EXIF orientation; PIL's Image.open and libjpeg do not.
  cv::Mat img = cv::imdecode(buf, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  GLIP_CHECK_INPUT(!img.empty(), "image '", what, "': cannot decode ", is_png(bytes) ? "PNG" : "JPEG",
                   " (corrupt or truncated)");
  return img;
#endif
}

cv::Mat read_image(const std::string& path) { return decode_image(read_file(path), path); }

std::string encode_png(const cv::Mat& image) {
  check_encodable(image);
#ifdef GLIP_IMAGE_IO_MINIMAL
  cv::Mat src = image.isContinuous() ? image : image.clone();
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  img.width = static_cast<png_uint_32>(src.cols);
  img.height = static_cast<png_uint_32>(src.rows);
  img.format = src.channels() == 3 ? PNG_FORMAT_BGR : PNG_FORMAT_GRAY;
  png_alloc_size_t size = 0;
  const auto stride = static_cast<png_int_32>(src.step[0]);
  GLIP_CHECK(png_image_write_to_memory(&img, nullptr, &size, 0, src.data, stride, nullptr),
             "PNG encoding failed: ", img.message);
  std::string out(size, '\0');
  GLIP_CHECK(png_image_write_to_memory(&img, out.data(), &size, 0, src.data, stride, nullptr),
             "PNG encoding failed: ", img.message);
  out.resize(size);
  return out;
#else
  std::vector<unsigned char> buf;
  GLIP_CHECK(cv::imencode(".png", image, buf), "PNG encoding failed");
  return std::string(buf.begin(), buf.end());
#endif
}

std::string encode_jpeg(const cv::Mat& image, int quality) {
  check_encodable(image);
  GLIP_CHECK(quality >= 1 && quality <= 100, "JPEG quality must be in 1..100, got ", quality);
#ifdef GLIP_IMAGE_IO_MINIMAL
  jpeg_compress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  unsigned char* mem = nullptr;
  unsigned long mem_size = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    std::free(mem);
    throw Error(str_cat("JPEG encoding failed: ", err.message));
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &mem, &mem_size);
  cinfo.image_width = static_cast<JDIMENSION>(image.cols);
  cinfo.image_height = static_cast<JDIMENSION>(image.rows);
  cinfo.input_components = image.channels();
  cinfo.in_color_space = image.channels() == 3 ? JCS_EXT_BGR : JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<unsigned char*>(image.ptr<unsigned char>(static_cast<int>(cinfo.next_scanline)));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(mem), mem_size);
  jpeg_destroy_compress(&cinfo);
  std::free(mem);
  return out;
#else
  std::vector<unsigned char> buf;
  GLIP_CHECK(cv::imencode(".jpg", image, buf, {cv::IMWRITE_JPEG_QUALITY, quality}), "JPEG encoding failed");
  return std::string(buf.begin(), buf.end());
#endif
}

}  // namespace glip::io
