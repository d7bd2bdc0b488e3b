// Uses an installed glip through its public headers: tokenizer (embedded vocabulary, ICU), image codecs,
// safetensors (LibTorch tensors) and atomic file writes. Prints one line; exits 1 on a wrong result.
#include <glip/core/fs.h>
#include <glip/io/image.h>
#include <glip/io/safetensors.h>
#include <glip/text/tokenizer.h>

#include <iostream>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: glip_consumer DIR\n";
    return 64;
  }
  const std::string dir = argv[1];
  const auto enc = glip::text::make_tokenizer()->encode("a cat");
  const bool ids_ok = enc.ids == std::vector<int64_t>{101, 1037, 4937, 102};

  cv::Mat img(4, 6, CV_8UC3, cv::Scalar(10, 20, 30));
  const cv::Mat back = glip::io::decode_image(glip::io::encode_png(img), "consumer.png");
  const bool image_ok = back.rows == 4 && back.cols == 6 && back.at<cv::Vec3b>(3, 5) == cv::Vec3b(10, 20, 30);

  glip::io::save_safetensors(dir + "/t.safetensors", {{"w", at::arange(6, at::kFloat).reshape({2, 3})}});
  const auto loaded = glip::io::load_safetensors(dir + "/t.safetensors");
  const bool tensor_ok = loaded.tensors.at("w").sum().item<float>() == 15.0f;

  std::cout << "glip consumer: tokenizer " << (ids_ok ? "ok" : "WRONG") << ", image " << (image_ok ? "ok" : "WRONG")
            << " (" << glip::io::image_io_backend() << "), safetensors " << (tensor_ok ? "ok" : "WRONG") << "\n";
  return ids_ok && image_ok && tensor_ok ? 0 : 1;
}
