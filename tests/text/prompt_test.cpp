// Prompts and positive maps against hand-checked cases of the official behaviour; category prompt planning.
#include <gtest/gtest.h>

#include <set>

#include "bert_tokenizer.h"
#include "glip/core/error.h"
#include "glip/text/detection_prompt.h"
#include "glip/text/positive_map.h"
#include "glip/text/prompt.h"
#include "glip/text/tokenizer.h"
#include "glip/text/unicode.h"
#include "glip/text/wordpiece.h"

namespace glip::text {
namespace {

using test_support::bert;

TEST(Prompt, CleanNameAsOfficial) {
  EXPECT_EQ(clean_name("traffic_light"), "traffic light");
  EXPECT_EQ(clean_name("bow_(weapon)"), "bow ");
  EXPECT_EQ(clean_name("a(b)c(d)e"), "ae");  // greedy: first "(" to last ")"
  EXPECT_EQ(clean_name("x__y"), "x y");
  EXPECT_EQ(clean_name("a   b"), "a  b");  // one non-overlapping pass of "  " -> " "
  EXPECT_EQ(clean_name("no_close(paren"), "no close(paren");
}

TEST(Prompt, CategoryPromptSpansInCodePoints) {
  const Prompt p = build_category_prompt({1, 2, 7}, {"person", "café_table", "dog"});
  EXPECT_EQ(p.text, "person. café table. dog");
  EXPECT_EQ(p.spans, (std::vector<Offset>{{0, 6}, {8, 18}, {20, 23}}));
  EXPECT_EQ(p.labels, (std::vector<int64_t>{1, 2, 7}));
  EXPECT_THROW(build_category_prompt({1}, {"a", "b"}), InputError);
  const Prompt d = build_demo_prompt({"bobble heads", "cake"});
  EXPECT_EQ(d.text, "bobble heads . cake . ");
  EXPECT_EQ(d.spans, (std::vector<Offset>{{0, 12}, {15, 19}}));
  EXPECT_EQ(d.labels, (std::vector<int64_t>{1, 2}));
}

TEST(PositiveMap, SpansToTokensNormalisedAndBinary) {
  const Prompt p = build_category_prompt({1, 2}, {"traffic light", "toothbrush"});
  const Encoding enc = bert().encode(p.text);  // [CLS] traffic light . tooth ##brush [SEP]
  const at::Tensor m = create_positive_map(enc, {{p.spans[0]}, {p.spans[1]}});
  ASSERT_EQ(m.sizes(), (at::IntArrayRef{2, 256}));
  EXPECT_NEAR(m[0][1].item<float>(), 0.5f / (1.0f + 5e-7f), 1e-6);
  EXPECT_NEAR(m[0][2].item<float>(), 0.5f, 1e-6);
  EXPECT_EQ(m[0][3].item<float>(), 0.0f);  // "." is never positive
  EXPECT_NEAR(m[1][4].item<float>() + m[1][5].item<float>(), 1.0f, 1e-5);
  EXPECT_EQ(m[1][0].item<float>(), 0.0f);  // [CLS]
  const at::Tensor b = binarize_positive_map(m);
  EXPECT_EQ(b.sum().item<float>(), 4.0f);
  const at::Tensor nb = create_positive_map(enc, {{p.spans[0]}}, false);
  EXPECT_EQ(nb[0][1].item<float>(), 1.0f);
  EXPECT_EQ(no_object_row()[255].item<float>(), 1.0f);
  EXPECT_EQ(no_object_row().sum().item<float>(), 1.0f);
}

TEST(PositiveMap, OfficialFallbacks) {
  const Encoding enc = bert().encode("a  cat  ");  // a=[0,1) cat=[3,6)
  // Start on whitespace: +1 fails (space), +2 hits "cat". End on whitespace: end-2 hits "cat".
  EXPECT_EQ(span_to_tokens(enc, {1, 8}), (std::make_pair<int64_t, int64_t>(2, 2)));
  // end-1=6 (space) -> end-2=5 ("cat").
  EXPECT_EQ(span_to_tokens(enc, {3, 7}), (std::make_pair<int64_t, int64_t>(2, 2)));
  // Start 3 chars off whitespace: no fallback reaches far enough -> skipped (row stays zero).
  const Encoding e2 = bert().encode("a    cat");
  EXPECT_EQ(span_to_tokens(e2, {1, 8}), std::nullopt);
  EXPECT_EQ(create_positive_map(e2, {{{1, 8}}}).sum().item<float>(), 0.0f);
  // Out-of-range and negative positions map to nothing.
  EXPECT_EQ(span_to_tokens(e2, {20, 30}), std::nullopt);
}

TEST(PositiveMap, LabelToTokensPlusOneAndDict) {
  const Prompt p = build_category_prompt({3, 9}, {"dog", "hair drier"});
  const Encoding enc = bert().encode(p.text);  // [CLS] dog . hair dr ##ier [SEP]
  const at::Tensor m = create_positive_map(enc, {{p.spans[0]}, {p.spans[1]}});
  const LabelToTokens l2t = label_to_tokens_from_positive_map(m, 1);
  EXPECT_EQ(l2t.at(1), (std::vector<int64_t>{1}));
  EXPECT_EQ(l2t.at(2), (std::vector<int64_t>{3, 4, 5}));
  std::map<int64_t, int64_t> t2l;
  const LabelToTokens d = label_to_tokens_from_spans(enc, {{p.spans[0]}, {p.spans[1]}}, p.labels, &t2l);
  EXPECT_EQ(d.at(3), (std::vector<int64_t>{1}));
  EXPECT_EQ(d.at(9), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(t2l.at(4), 9);
}

TEST(Prompt, ChunkedQueries) {
  std::map<int64_t, std::string> cats;
  for (int i = 1; i <= 85; ++i) cats[i * 2] = "class_" + std::to_string(i);
  const auto qs = create_queries_and_maps(cats, bert(), 40);
  ASSERT_EQ(qs.size(), 3u);
  EXPECT_EQ(qs[0].prompt.labels.size(), 40u);
  EXPECT_EQ(qs[2].prompt.labels.size(), 5u);
  EXPECT_EQ(qs[1].prompt.labels.front(), 82);
  EXPECT_EQ(qs[0].prompt.text.substr(0, 18), "class 1. class 2. ");
  EXPECT_EQ(qs[0].label_to_tokens.at(2), (std::vector<int64_t>{1, 2}));  // "class", "1"
  EXPECT_EQ(qs[0].token_to_label.at(4), 4);
  EXPECT_EQ(create_queries_and_maps(cats, bert()).size(), 1u);
  EXPECT_THROW(create_queries_and_maps(cats, bert(), 0), InputError);
}

TEST(Prompt, CaptionPromptPrefixNameSuffix) {
  // Official EgoHands_generic: CAPTION_PROMPT [{"prefix": " ", "name": "hand", "suffix": " of a person"}].
  const ClassPrompts hand = {{1, {" ", "hand", " of a person"}}};
  const Prompt one = build_category_prompt({1}, {"hands"}, ". ", true, &hand);
  EXPECT_EQ(one.text, " hand of a person");
  EXPECT_EQ(one.spans, (std::vector<Offset>{{1, 5}}));
  // Classes without an entry keep their cleaned name; separators only between classes; span on the name.
  const ClassPrompts parts = {{3, {"a ", "puppy_dog", " lying"}}};
  const auto qs = create_queries_and_maps({{3, "dog"}, {9, "hair_drier"}}, bert(), -1, ". ", &parts);
  ASSERT_EQ(qs.size(), 1u);
  EXPECT_EQ(qs[0].prompt.text, "a puppy dog lying. hair drier");
  EXPECT_EQ(qs[0].prompt.spans, (std::vector<Offset>{{2, 11}, {19, 29}}));
  // [CLS] a puppy dog lying . hair dr ##ier [SEP]: the positive map covers the name only.
  EXPECT_EQ(qs[0].label_to_tokens.at(3), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(qs[0].label_to_tokens.at(9), (std::vector<int64_t>{6, 7, 8}));
  // Training prompts write the class the same way, their box spans on the name, the budget counting all.
  DetectionPromptOptions opt;
  opt.class_prompts = &parts;
  opt.random_sample_negative = 0;
  opt.control_prob = {0.0, 1.0, 0.0, 0.0};  // no negatives
  std::mt19937_64 rng(5);
  const DetectionPrompt d = build_detection_training_prompt({3, 3}, {{3, "dog"}, {9, "hair_drier"}}, bert(), rng, opt);
  EXPECT_EQ(d.prompt.text, "a puppy dog lying");
  EXPECT_EQ(d.box_spans, (std::vector<Offset>{{2, 11}, {2, 11}}));
  opt.max_seq_length = 4;  // "a puppy dog lying. " is 5 tokens: the class no longer fits, its boxes go
  const DetectionPrompt none = build_detection_training_prompt({3}, {{3, "dog"}, {9, "hair_drier"}}, bert(), rng, opt);
  EXPECT_TRUE(none.kept_boxes.empty());
}

TEST(DetectionPrompt, DisableShuffleIsTheEvaluationPrompt) {
  // Official DISABLE_SHUFFLE (convert_od_to_grounding_simple): every class in order, nothing sampled or shuffled,
  // written as the evaluation prompt (create_queries_and_maps) writes it; every box keeps its class's span.
  const std::map<int64_t, std::string> classes = {{9, "hair_drier"}, {1, "person"}, {3, "dog"}, {4, "bow_(weapon)"}};
  const ClassPrompts parts = {{3, {"a ", "puppy_dog", " lying"}}};
  for (const ClassPrompts* p : {static_cast<const ClassPrompts*>(nullptr), &parts}) {
    const Prompt eval = create_queries_and_maps(classes, bert(), -1, ". ", p).at(0).prompt;
    DetectionPromptOptions opt;
    opt.disable_shuffle = true;
    opt.class_prompts = p;
    for (uint64_t seed : {0u, 1u, 7u, 123u}) {
      std::mt19937_64 rng(seed);
      const std::vector<int64_t> boxes = {4, 1, 4, 9};
      const DetectionPrompt d = build_detection_training_prompt(boxes, classes, bert(), rng, opt);
      EXPECT_EQ(d.prompt.text, eval.text);
      EXPECT_EQ(d.prompt.spans, eval.spans);
      EXPECT_EQ(d.prompt.labels, (std::vector<int64_t>{1, 3, 4, 9}));
      EXPECT_EQ(d.kept_boxes, (std::vector<int64_t>{0, 1, 2, 3}));
      EXPECT_EQ(d.box_labels, boxes);
      EXPECT_EQ(d.box_spans, (std::vector<Offset>{eval.spans[2], eval.spans[0], eval.spans[2], eval.spans[3]}));
    }
  }
  std::mt19937_64 rng(1);
  DetectionPromptOptions opt;
  opt.disable_shuffle = true;
  EXPECT_EQ(build_detection_training_prompt({}, classes, bert(), rng, opt).prompt.text,
            "person. dog. bow . hair drier");
  opt.prefix = "object detection : ";  // DATASETS.ADD_DET_PROMPT: the spans move with the text
  const DetectionPrompt d = build_detection_training_prompt({3}, classes, bert(), rng, opt);
  EXPECT_EQ(d.prompt.text, "object detection : person. dog. bow . hair drier");
  EXPECT_EQ(d.box_spans, (std::vector<Offset>{{27, 30}}));
  EXPECT_THROW(build_detection_training_prompt({5}, classes, bert(), rng, opt), InputError);
}

std::map<int64_t, std::string> many_classes(int n) {
  std::map<int64_t, std::string> c;
  for (int i = 1; i <= n; ++i) c[i] = "thing" + std::to_string(i);  // "thing", "##N" ...: 3-4 tokens + ". "
  return c;
}

TEST(DetectionPrompt, DeterministicBudgetAndNegatives) {
  const auto classes = many_classes(365);
  const std::vector<int64_t> boxes = {5, 5, 17, 300};
  std::mt19937_64 r1(7), r2(7);
  const DetectionPrompt a = build_detection_training_prompt(boxes, classes, bert(), r1);
  const DetectionPrompt b = build_detection_training_prompt(boxes, classes, bert(), r2);
  EXPECT_EQ(a.prompt.text, b.prompt.text);
  EXPECT_EQ(a.kept_boxes, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_LE(bert().count_tokens(a.prompt.text), 254);
  // Every positive is in the prompt, every span names its class, negatives are distinct non-positives.
  std::set<int64_t> seen(a.prompt.labels.begin(), a.prompt.labels.end());
  EXPECT_EQ(seen.size(), a.prompt.labels.size());
  for (int64_t l : {5, 17, 300}) EXPECT_TRUE(seen.count(l));
  EXPECT_LE(a.prompt.labels.size(), 3u + 85u);
  const std::u32string t = utf8_decode(a.prompt.text);
  for (size_t i = 0; i < a.box_spans.size(); ++i) {
    const auto [s, e] = a.box_spans[i];
    EXPECT_EQ(utf8_encode(t.substr(s, e - s)), clean_name(classes.at(a.box_labels[i])));
  }
  // Over many draws: about half use all 85 negatives (CONTROL_PROB[2] = 0.5), others Uniform{1..85}.
  std::mt19937_64 rng(1);
  int full = 0, n = 400;
  std::set<size_t> sizes;
  const auto small = [&] {
    std::map<int64_t, std::string> c;
    for (int i = 1; i <= 200; ++i) c[i] = "x";
    return c;
  }();
  for (int i = 0; i < n; ++i) {
    const auto p = build_detection_training_prompt({1}, small, bert(), rng);
    full += p.prompt.labels.size() >= 85;  // 85 drawn, minus 1 if the positive was drawn, plus the positive
    sizes.insert(p.prompt.labels.size());
  }
  EXPECT_GT(full, n * 0.4);
  EXPECT_LT(full, n * 0.65);
  EXPECT_GT(sizes.size(), 30u);
  EXPECT_THROW(build_detection_training_prompt({999}, small, bert(), rng), InputError);
}

TEST(DetectionPrompt, PositivesOverBudgetDropTheirBoxes) {
  std::map<int64_t, std::string> classes;
  for (int i = 1; i <= 100; ++i) classes[i] = "supercalifragilistic thing" + std::to_string(i);
  std::vector<int64_t> boxes;
  for (int i = 1; i <= 100; ++i) boxes.push_back(i);
  std::mt19937_64 rng(3);
  const DetectionPrompt p = build_detection_training_prompt(boxes, classes, bert(), rng);
  EXPECT_LT(p.kept_boxes.size(), 100u);
  EXPECT_GT(p.kept_boxes.size(), 5u);
  EXPECT_LE(bert().count_tokens(p.prompt.text), 254);
  for (int64_t l : p.box_labels)
    EXPECT_NE(std::find(p.prompt.labels.begin(), p.prompt.labels.end(), l), p.prompt.labels.end());
}

TEST(PlanCategoryQueries, ChunksAsAskedAndCoversEveryCategoryOnce) {
  auto tok = make_tokenizer();
  std::map<int64_t, std::string> cats;
  const char* names[] = {"circle", "square", "triangle", "star", "cross", "ring", "heart", "diamond"};
  for (int i = 0; i < 8; ++i) cats[10 + i] = names[i];
  auto one = plan_category_queries(cats, *tok, -1, 256);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].prompt.text, "circle. square. triangle. star. cross. ring. heart. diamond");
  auto three = plan_category_queries(cats, *tok, 3, 256);
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[2].prompt.labels, (std::vector<int64_t>{16, 17}));
  EXPECT_EQ(plan_category_queries(cats, *tok, 100, 256).size(), 1u);
  EXPECT_THROW(plan_category_queries({}, *tok, -1, 256), InputError);
}

TEST(PlanCategoryQueries, LongVocabulariesAreSplitToFitTheQueryLength) {
  auto tok = make_tokenizer();
  std::map<int64_t, std::string> cats;
  for (int i = 1; i <= 1203; ++i) cats[i] = "object kind " + std::to_string(i);
  const auto qs = plan_category_queries(cats, *tok, -1, 256);
  ASSERT_GT(qs.size(), 1u);
  std::set<int64_t> seen;
  for (const auto& q : qs) {
    EXPECT_LE(tok->encode(q.prompt.text).size(), 256u);
    for (int64_t l : q.prompt.labels) {
      EXPECT_TRUE(seen.insert(l).second) << l;
      EXPECT_FALSE(q.label_to_tokens.at(l).empty()) << l;
    }
  }
  EXPECT_EQ(seen.size(), 1203u);
  // A requested chunk size that fits is kept (LVIS-style 40 with short names).
  EXPECT_EQ(plan_category_queries(cats, *tok, 40, 256).size(), 31u);
}

}  // namespace
}  // namespace glip::text
