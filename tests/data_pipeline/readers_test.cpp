#include "glip/data/readers.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/data/data_config.h"
#include "glip/data/transforms.h"
#include "glip/io/image.h"
#include "glip/io/tar.h"

namespace glip::data {
namespace {

std::string expect_input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

}  // namespace

TEST(Readers, Mdetr) {
  auto dir = test::temp_dir("mdetr");
  write_file_atomic(dir + "/g.json", R"({"images": [
    {"id": 7, "file_name": "a.jpg", "height": 20, "width": 30, "caption": "a red star left of a blue ring"}],
    "annotations": [
    {"id": 1, "image_id": 7, "bbox": [1, 2, 3, 4], "tokens_positive": [[0, 10]], "category_id": 1},
    {"id": 2, "image_id": 7, "bbox": [5, 5, 2, 2], "tokens_positive": [[19, 30]], "category_id": 1},
    {"id": 3, "image_id": 7, "bbox": [0, 0, 9, 9], "tokens_positive": [[0, 1]], "iscrowd": 1}]})");
  auto set = read_mdetr(dir + "/g.json", "/imgs");
  ASSERT_EQ(set.records.size(), 1u);
  const auto& r = set.records[0];
  EXPECT_EQ(r.image.path, "/imgs/a.jpg");
  ASSERT_EQ(r.boxes.size(), 2u);
  EXPECT_EQ(r.boxes[0].xyxy, (std::array<float, 4>{1, 2, 3, 5}));  // official x2 = x + w - 1 (glip/data/boxes.h)
  EXPECT_EQ(r.caption.substr(19, 11), "a blue ring");
  EXPECT_EQ(r.boxes[1].spans[0], (Span{19, 30}));

  write_file_atomic(dir + "/bad.json", R"({"images": [{"id": 1, "file_name": "a.jpg", "caption": "abc"}],
    "annotations": [{"id": 1, "image_id": 1, "bbox": [0, 0, 1, 1], "tokens_positive": [[0, 9]]}]})");
  auto m = expect_input_error([&] { read_mdetr(dir + "/bad.json", ""); });
  EXPECT_NE(m.find("bad.json: annotation 1: span [0, 9] lies outside the caption"), std::string::npos) << m;
  write_file_atomic(dir + "/syntax.json", "{\"images\": [1, 2,");
  m = expect_input_error([&] { read_mdetr(dir + "/syntax.json", ""); });
  EXPECT_NE(m.find("syntax.json: invalid JSON at byte"), std::string::npos) << m;
}

TEST(Readers, CocoAndLvis) {
  auto dir = test::temp_dir("coco");
  write_file_atomic(dir + "/c.json", R"({"images": [{"id": 1, "file_name": "x/1.jpg", "height": 10, "width": 10},
    {"id": 2, "file_name": "2.jpg"}], "categories": [{"id": 3, "name": "star"}, {"id": 5, "name": "ring"}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 5, "bbox": [0, 0, 4, 4], "iscrowd": 0},
                    {"id": 2, "image_id": 1, "category_id": 3, "bbox": [1, 1, 4, 4], "iscrowd": 1}]})");
  auto set = read_coco_detection(dir + "/c.json", "root");
  EXPECT_TRUE(set.is_detection);
  ASSERT_EQ(set.categories.size(), 2u);
  EXPECT_EQ(set.categories[1].name, "ring");
  ASSERT_EQ(set.records.size(), 2u);
  EXPECT_EQ(set.records[0].image.path, "root/x/1.jpg");
  ASSERT_EQ(set.records[0].boxes.size(), 1u);  // the crowd box is dropped
  EXPECT_EQ(set.records[0].boxes[0].category_id, 5);

  write_file_atomic(dir + "/l.json", R"({"images": [{"id": 1, "coco_url": "http://h/val2017/000000000001.jpg",
    "height": 10, "width": 10, "neg_category_ids": [], "not_exhaustive_category_ids": []}],
    "categories": [{"id": 1, "name": "red_star", "frequency": "r"}], "annotations": []})");
  auto lvis = read_lvis(dir + "/l.json", "/coco");
  EXPECT_EQ(lvis.records[0].image.path, "/coco/val2017/000000000001.jpg");

  write_file_atomic(dir + "/bad.json", R"({"images": [{"id": 1, "file_name": "a"}], "categories": [],
    "annotations": [{"id": 4, "image_id": 1, "category_id": 9, "bbox": [0, 0, 1, 1]}]})");
  auto m = expect_input_error([&] { read_coco_detection(dir + "/bad.json", ""); });
  EXPECT_NE(m.find("annotation 4: category_id 9 is not in 'categories'"), std::string::npos) << m;
  write_file_atomic(dir + "/bad2.json",
                    R"({"images": [{"id": 1, "file_name": "a"}], "categories": [{"id": 9, "name": "x"}],
    "annotations": [{"id": 4, "image_id": 1, "category_id": 9, "bbox": [0, 0, 1]}]})");
  m = expect_input_error([&] { read_coco_detection(dir + "/bad2.json", ""); });
  EXPECT_NE(m.find("bbox"), std::string::npos) << m;
  write_file_atomic(dir + "/bad3.json",
                    R"({"images": [{"id": 1, "file_name": "a"}], "categories": [{"id": 9, "name": "x"}],
    "annotations": [{"id": 6, "image_id": 1, "category_id": 9, "bbox": [0, 0, NaN, 1]}]})");
  m = expect_input_error([&] { read_coco_detection(dir + "/bad3.json", ""); });
  EXPECT_NE(m.find("bad3.json: annotation 6: 'bbox' must be 4 finite numbers"), std::string::npos) << m;
  write_file_atomic(dir + "/bad4.json", R"({"images": [{"id": 1, "file_name": "a"}, {"id": 1, "file_name": "b"}],
    "categories": [], "annotations": []})");
  m = expect_input_error([&] { read_coco_detection(dir + "/bad4.json", ""); });
  EXPECT_NE(m.find("bad4.json: image 1: duplicate image id"), std::string::npos) << m;
}

TEST(Readers, OdvgGroundingAndDetection) {
  auto dir = test::temp_dir("odvg");
  write_file_atomic(dir + "/g.jsonl",
                    "{\"filename\": \"a.jpg\", \"height\": 5, \"width\": 6, \"grounding\": {\"caption\": \"a cat\", "
                    "\"regions\": [{\"bbox\": [0, 0, 2, 2], \"phrase\": \"a cat\", \"tokens_positive\": [[0, 5]]}]}}\n"
                    "\n");
  auto g = read_odvg(dir + "/g.jsonl", "");
  ASSERT_EQ(g.records.size(), 1u);
  EXPECT_FALSE(g.is_detection);
  EXPECT_EQ(g.records[0].boxes[0].xyxy, (std::array<float, 4>{0, 0, 1, 1}));  // [x, y, x + w, y + h] -> official
  write_file_atomic(dir + "/d.jsonl",
                    "{\"filename\": \"b.jpg\", \"detection\": {\"instances\": [{\"bbox\": [1, 1, 3, 3], \"label\": 2, "
                    "\"category\": \"dog\"}]}}\n{\"filename\": \"c.jpg\"}\n");
  auto m = expect_input_error([&] { read_odvg(dir + "/d.jsonl", ""); });
  EXPECT_NE(m.find("d.jsonl:2: expected a 'grounding' or 'detection' object"), std::string::npos) << m;
}

TEST(Readers, PseudoShardsApplyOfficialFilters) {
  auto dir = test::temp_dir("pseudo");
  write_file_atomic(dir + "/p.jsonl",
                    "{\"image_id\": 1, \"image\": {\"tar\": \"w.tar\", \"member\": \"000001.jpg\"}, \"caption\": "
                    "\"a red star\", \"phrases\": [{\"span\": [0, 10], \"boxes\": [[0,0,5,5],[1,1,2,2]], \"scores\": "
                    "[0.9, 0.3]}]}\n"
                    "{\"image_id\": 2, \"image\": {\"path\": \"b.jpg\"}, \"caption\": \"a ring\", \"phrases\": "
                    "[{\"span\": [0, 6], \"boxes\": [[0,0,5,5]], \"scores\": [0.2]}]}\n");
  auto set = read_pseudo_shards({dir + "/p.jsonl"});
  ASSERT_EQ(set.records.size(), 1u);  // the second has no box over 0.5 left
  EXPECT_EQ(set.records[0].boxes.size(), 1u);
  EXPECT_EQ(set.records[0].image.path, dir + "/w.tar");
  EXPECT_EQ(set.records[0].image.member, "000001.jpg");
  auto all = read_pseudo_shards({dir + "/p.jsonl"}, PseudoFilter{0.0f, 0});
  EXPECT_EQ(all.records.size(), 2u);
  EXPECT_EQ(set.records[0].image.offset, 0u);  // w.tar does not exist: left for decoding to report
  // With the shard present, its member is located once at reading (offset of the data, after one header).
  io::TarBuilder t;
  t.add("000000.jpg", "x");
  t.add("000001.jpg", "yz");
  write_file_atomic(dir + "/w.tar", t.finish());
  auto located = read_pseudo_shards({dir + "/p.jsonl"});
  ASSERT_EQ(located.records.size(), 1u);
  EXPECT_EQ(located.records[0].image.offset, 512u * 3);
  EXPECT_EQ(located.records[0].image.size, 2u);
}

TEST(Readers, PseudoPhrasesWithoutABoxAreIgnoredSpansOnlyWhenAsked) {
  auto dir = test::temp_dir("pseudo_unboxed");
  // "a red star" keeps its box; "a blue ring" has one under caption_conf; "a cat" has none.
  write_file_atomic(dir + "/p.jsonl",
                    "{\"image_id\": 1, \"image\": {\"path\": \"a.jpg\"}, \"caption\": \"a red star left of a blue "
                    "ring and a cat\", \"phrases\": [{\"span\": [0, 10], \"boxes\": [[0,0,5,5]], \"scores\": [0.9]}, "
                    "{\"span\": [19, 30], \"boxes\": [[1,1,4,4]], \"scores\": [0.3]}, {\"span\": [35, 40], "
                    "\"boxes\": [], \"scores\": []}]}\n");
  auto official = read_pseudo_shards({dir + "/p.jsonl"});
  ASSERT_EQ(official.records.size(), 1u);
  EXPECT_EQ(official.records[0].boxes.size(), 1u);
  EXPECT_TRUE(official.records[0].ignored_spans.empty());
  auto ignoring = read_pseudo_shards({dir + "/p.jsonl"}, PseudoFilter{0.5f, 1, true});
  ASSERT_EQ(ignoring.records.size(), 1u);
  EXPECT_EQ(ignoring.records[0].boxes.size(), 1u);
  EXPECT_EQ(ignoring.records[0].ignored_spans, (std::vector<Span>{{19, 30}, {35, 40}}));
  // At a lower caption_conf the ring keeps its box and only the cat is ignored.
  auto low = read_pseudo_shards({dir + "/p.jsonl"}, PseudoFilter{0.2f, 1, true});
  EXPECT_EQ(low.records[0].ignored_spans, (std::vector<Span>{{35, 40}}));
  // A phrase without boxes is checked against its caption too.
  write_file_atomic(dir + "/bad.jsonl",
                    "{\"image_id\": 1, \"image\": {\"path\": \"a.jpg\"}, \"caption\": \"a cat\", \"phrases\": "
                    "[{\"span\": [0, 5], \"boxes\": [[0,0,5,5]], \"scores\": [0.9]}, {\"span\": [2, 9], \"boxes\": "
                    "[], \"scores\": []}]}\n");
  auto m = expect_input_error([&] { read_pseudo_shards({dir + "/bad.jsonl"}); });
  EXPECT_NE(m.find("bad.jsonl:1: span [2, 9] lies outside the caption (5 characters)"), std::string::npos) << m;
}

TEST(Readers, WebDatasetTar) {
  auto dir = test::temp_dir("wds");
  write_file_atomic(dir + "/src/000000.txt", "a dotted green heart\n");
  write_file_atomic(dir + "/src/000000.jpg", "not really a jpeg");
  write_file_atomic(dir + "/src/000001.json", R"({"caption": "a blue ring"})");
  write_file_atomic(dir + "/src/000001.png", "png bytes");
  write_file_atomic(dir + "/src/000002.txt", "caption without image");
  ASSERT_EQ(std::system(("cd " + dir +
                         "/src && tar -cf ../s.tar 000000.txt 000000.jpg 000001.json 000001.png "
                         "000002.txt")
                            .c_str()),
            0);
  auto set = read_webdataset({dir + "/s.tar"});
  ASSERT_EQ(set.records.size(), 2u);
  EXPECT_EQ(set.records[0].caption, "a dotted green heart");
  EXPECT_EQ(set.records[0].image.member, "000000.jpg");
  EXPECT_EQ(set.records[1].caption, "a blue ring");
  auto members = io::list_tar(dir + "/s.tar");
  ASSERT_EQ(members.size(), 5u);
  EXPECT_EQ(io::read_tar_member(dir + "/s.tar", members[1]), "not really a jpeg");
  std::string bytes = read_file(dir + "/s.tar");
  write_file_atomic(dir + "/cut.tar", bytes.substr(0, 700));
  EXPECT_THROW(io::list_tar(dir + "/cut.tar"), InputError);
  bytes[100] ^= 0x55;  // corrupt the first header
  write_file_atomic(dir + "/corrupt.tar", bytes);
  auto m = expect_input_error([&] { io::list_tar(dir + "/corrupt.tar"); });
  EXPECT_NE(m.find("corrupt.tar: corrupt tar header at byte 0"), std::string::npos) << m;
}

// Shards written by Python's tarfile and GNU tar (tests/data/tar/make_fixtures.sh): keys longer than 100 bytes
// and non-ASCII keys group their members whole; images decode from the located member.
TEST(Readers, WebDatasetLongAndNonAsciiKeys) {
  const std::string key = "web/" + std::string(40, 'a') + "/sample_" + std::string(100, 'b');
  for (const char* f : {"python_pax.tar", "python_gnu.tar", "gnutar_posix.tar", "gnutar_gnu.tar"}) {
    SCOPED_TRACE(f);
    const std::string path = test::data_dir() + "/tar/" + f;
    auto set = read_webdataset({path});
    ASSERT_EQ(set.records.size(), 2u);
    EXPECT_EQ(set.keys_without_image, 1);  // web/000000 has a caption only
    EXPECT_EQ(set.records[0].image.member, key + ".jpg");
    EXPECT_EQ(set.records[0].caption, "a red star.");
    EXPECT_EQ(set.records[1].image.member, "web/caf\u00e9_\u540d\u524d.jpg");
    EXPECT_EQ(set.records[1].caption, "ein gr\u00fcnes Dreieck.");
    at::Tensor img = decode_image(set.records[1].image);
    EXPECT_EQ(img.sizes(), (at::IntArrayRef{6, 8, 3}));
  }
}

// Records carry where their image lies: decoding reads it in place and never lists the shard again (here the
// shard is cut after the first image, so listing it fails). An unlocated record still finds its member.
TEST(Readers, WebDatasetImagesAreReadInPlace) {
  const std::string dir = test::temp_dir("wds_offset");
  cv::Mat px(5, 7, CV_8UC3, cv::Scalar(10, 20, 30));
  io::TarBuilder t;
  t.add("000000.png", io::encode_png(px));
  t.add("000000.txt", "a small square");
  t.add("000001.png", io::encode_png(px));
  const std::string bytes = t.finish();
  write_file_atomic(dir + "/s.tar", bytes);
  auto set = read_webdataset({dir + "/s.tar"});
  ASSERT_EQ(set.records.size(), 2u);
  const ImageSource src = set.records[0].image;
  EXPECT_EQ(src.offset, 512u);
  EXPECT_EQ(src.size, io::encode_png(px).size());
  ImageSource unlocated = set.records[1].image;
  unlocated.offset = unlocated.size = 0;
  EXPECT_EQ(decode_image(unlocated).sizes(), (at::IntArrayRef{5, 7, 3}));
  write_file_atomic(dir + "/s.tar", bytes.substr(0, src.offset + src.size + 700));
  EXPECT_THROW(io::list_tar(dir + "/s.tar"), InputError);
  at::Tensor img = decode_image(src);
  EXPECT_EQ(img.sizes(), (at::IntArrayRef{5, 7, 3}));
  EXPECT_EQ(img[2][3][2].item<int>(), 30);
}

// Flickr30K Entities from its raw files.
namespace {

const char* kXml =
    "<annotation><filename>7.jpg</filename><size><width>50</width><height>40</height><depth>3</depth></size>"
    "<object><name>11</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>10</xmax><ymax>12</ymax></bndbox></object>"
    "<object><name>11</name><bndbox><xmin>20</xmin><ymin>2</ymin><xmax>30</xmax><ymax>12</ymax></bndbox></object>"
    "<object><name>12</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>25</xmax><ymax>35</ymax></bndbox></object>"
    "<object><name>13</name><nobndbox>0</nobndbox><scene>1</scene></object></annotation>";

// A Flickr30K Entities tree with one image and its files; returns the split file.
std::string write_tree(const std::string& dir, const std::string& sentences, const std::string& xml = kXml) {
  std::filesystem::create_directories(dir + "/Sentences");
  std::filesystem::create_directories(dir + "/Annotations");
  write_file_atomic(dir + "/train.txt", "7\n\n");
  write_file_atomic(dir + "/Sentences/7.txt", sentences);
  write_file_atomic(dir + "/Annotations/7.xml", xml);
  return dir + "/train.txt";
}

TEST(FlickrReader, RecordsSpansAndBoxes) {
  const auto dir = test::temp_dir("flickr_ok");
  const auto split = write_tree(dir,
                                "[/EN#11/other Two dogs] chase [/EN#12/other a café ball] on "
                                "[/EN#13/scene the grass] .\n"
                                "[/EN#13/scene A lawn] with [/EN#12/other a ball] near [/EN#11/other the dogs] , "
                                "[/EN#11/other both] .\n"
                                "[/EN#13/scene Grass] only .\n");
  const RecordSet set = read_flickr(split, "");
  ASSERT_EQ(set.records.size(), 2u);  // the third sentence names no boxed entity
  const Record& r = set.records[0];
  EXPECT_EQ(r.image_id, 7);
  EXPECT_EQ(r.image.path, dir + "/images/7.jpg");
  EXPECT_EQ(r.caption, "Two dogs chase a café ball on the grass .");
  ASSERT_EQ(r.boxes.size(), 3u);  // entity 11 has two boxes, 12 one, the scene none
  // xmin..xmax as MDETR's json has them (w = xmax - xmin), read with the official x2 = x + w - 1
  EXPECT_EQ(r.boxes[0].xyxy, (std::array<float, 4>{1, 2, 9, 11}));
  EXPECT_EQ(r.boxes[1].xyxy, (std::array<float, 4>{20, 2, 29, 11}));
  EXPECT_EQ(r.boxes[0].spans, (std::vector<Span>{{0, 8}}));
  // Spans are code points: "a café ball" starts at 15 and has 11 code points (13 bytes).
  EXPECT_EQ(r.boxes[2].spans, (std::vector<Span>{{15, 26}}));
  const Record& r2 = set.records[1];
  EXPECT_EQ(r2.caption, "A lawn with a ball near the dogs , both .");
  ASSERT_EQ(r2.boxes.size(), 3u);  // entity 12 first (caption order), then the two boxes of 11
  EXPECT_EQ(r2.boxes[0].spans, (std::vector<Span>{{12, 18}}));
  EXPECT_EQ(r2.boxes[1].spans, (std::vector<Span>{{24, 32}, {35, 39}}));
  EXPECT_EQ(r2.caption.substr(35, 4), "both");
  EXPECT_EQ(r2.origin, dir + "/Sentences/7.txt:2");

  // Through the data config, with an image root relative to the data root.
  DatasetConfig ds;
  ds.name = "fl";
  ds.format = "flickr";
  ds.path = "train.txt";
  ds.image_root = "imgs";
  const RecordSet via = load_dataset(ds, DataConfig{}, dir);
  EXPECT_EQ(via.name, "fl");
  EXPECT_EQ(via.records.at(0).image.path, dir + "/imgs/7.jpg");
}

TEST(FlickrReader, MalformedFilesNameTheFile) {
  const auto base = test::temp_dir("flickr_bad");
  auto m = expect_input_error([&] { read_flickr(base + "/none/train.txt", ""); });
  EXPECT_NE(m.find("split file '" + base + "/none/train.txt' does not exist"), std::string::npos) << m;

  auto split = write_tree(base + "/unclosed", "[/EN#11/other Two dogs chase .\n");
  m = expect_input_error([&] { read_flickr(split, ""); });
  EXPECT_NE(m.find("Sentences/7.txt': 1 phrase markups '[/EN#...' but 0 closed phrases"), std::string::npos) << m;

  split = write_tree(base + "/noann", "[/EN#11/other Two dogs] .\n");
  std::filesystem::remove(base + "/noann/Annotations/7.xml");
  m = expect_input_error([&] { read_flickr(split, ""); });
  EXPECT_NE(m.find("annotation file '" + base + "/noann/Annotations/7.xml' does not exist"), std::string::npos) << m;

  split = write_tree(base + "/xml", "[/EN#11/other Two dogs] .\n", "<annotation><size><width>5</width>");
  m = expect_input_error([&] { read_flickr(split, ""); });
  EXPECT_NE(m.find("Annotations/7.xml"), std::string::npos) << m;

  split = write_tree(base + "/nonint", "[/EN#11/other Two dogs] .\n",
                     "<annotation><size><width>5</width></size><object><name>11</name><bndbox><xmin>a</xmin>"
                     "<ymin>1</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object></annotation>");
  m = expect_input_error([&] { read_flickr(split, ""); });
  EXPECT_NE(m.find("<bndbox><xmin> is 'a'; expected an integer"), std::string::npos) << m;

  split = write_tree(base + "/empty_box", "[/EN#11/other Two dogs] .\n",
                     "<annotation><size><width>5</width></size><object><name>11</name><bndbox><xmin>3</xmin>"
                     "<ymin>1</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object></annotation>");
  m = expect_input_error([&] { read_flickr(split, ""); });
  EXPECT_NE(m.find("Annotations/7.xml': entity 11 has an empty box [3, 1, 3, 4]"), std::string::npos) << m;

  const auto dir = base + "/badid";
  write_tree(dir, "[/EN#11/other Two dogs] .\n");
  write_file_atomic(dir + "/train.txt", "7\n../x\n");
  m = expect_input_error([&] { read_flickr(dir + "/train.txt", ""); });
  EXPECT_NE(m.find("train.txt' line 2: '../x' is not an image id"), std::string::npos) << m;
  write_file_atomic(dir + "/train.txt", "\n");
  m = expect_input_error([&] { read_flickr(dir + "/train.txt", ""); });
  EXPECT_NE(m.find("lists no image ids"), std::string::npos) << m;
}

}  // namespace

}  // namespace glip::data
