/**
 * JPEG/PNG decoding and encoding behind one header, so that image IO does not require OpenCV's imgcodecs
 * (which on Debian drags in GDAL and ~200 MB of libraries). The backend is chosen at configure time:
 *   -DGLIP_IMAGE_IO=opencv   (default) cv::imdecode / cv::imencode
 *   -DGLIP_IMAGE_IO=minimal  libjpeg(-turbo) + libpng directly; OpenCV core + imgproc only
 * Use these functions instead of cv::imread/imdecode/imencode/imwrite so both builds work.
 */
#pragma once
#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace glip::io {

/**
 * The extensions (lower case, with the dot) of the image files decode_image accepts, in both backends:
 * the one list every image lister (WebDataset keys, glip_infer --images) uses.
 */
const std::vector<std::string>& image_extensions();
/** True when `ext` (".jpg", "JPG", ...; the dot optional, any case) is one of image_extensions(). */
bool is_image_extension(const std::string& ext);

/** "opencv" or "minimal". */
const char* image_io_backend();

/**
 * Decodes JPEG or PNG bytes into an 8-bit, 3-channel BGR image (grey and alpha images are converted). EXIF
 * orientation is ignored, as the official pipeline (PIL Image.open(...).convert("RGB"), no exif_transpose)
 * and libjpeg do: the pixels come out as stored.
 * Throws InputError naming `what` (usually the file name) when the bytes are not a readable JPEG/PNG.
 */
cv::Mat decode_image(const std::string& bytes, const std::string& what);
/** Reads and decodes an image file; throws InputError naming the path. */
cv::Mat read_image(const std::string& path);
/** PNG bytes of an 8-bit BGR (3 channels) or grey (1 channel) image. */
std::string encode_png(const cv::Mat& image);
/** JPEG bytes (quality 1..100) of an 8-bit BGR or grey image. */
std::string encode_jpeg(const cv::Mat& image, int quality = 90);

}  // namespace glip::io
