// A handful of the families through the tools as a user runs them: exit code 2, the message naming the file or
// key, and the input folder left as it was (outputs go to a folder of their own).
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "robustness/malformed.h"
#include "robustness/pth_builder.h"

namespace glip::test {
namespace {

/** Runs `exe args` (with $DIR replaced); exit 2 becomes an InputError with the output, anything else an error. */
void run_expecting_input_error(const std::string& exe, std::string args, const std::string& dir) {
  for (size_t at; (at = args.find("$DIR")) != std::string::npos;) args.replace(at, 4, dir);
  const std::string out_dir = temp_dir("malformed_tool_out");
  args += " > " + out_dir + "/stdout.txt 2>&1";
  const int status = std::system((exe + " " + args).c_str());
  std::string output = read_file(out_dir + "/stdout.txt");
  if (output.size() > 4000) output = output.substr(0, 2000) + " [...] " + output.substr(output.size() - 2000);
  std::filesystem::remove_all(out_dir);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 2) throw InputError(output);
  throw std::runtime_error("exit code " + std::to_string(code) + " (signal or not 2): " + output);
}

MalformedCase tool_case(const std::string& name, const std::string& exe, const std::string& args, DirFn setup,
                        std::vector<std::string> expect) {
  return {name, std::move(setup), [exe, args](const std::string& dir) { run_expecting_input_error(exe, args, dir); },
          std::move(expect)};
}

std::string out_arg() { return "--out " + temp_dir("malformed_tool_w") + "/w"; }

std::vector<MalformedCase> tool_cases() {
  std::vector<MalformedCase> out;
  const std::string synth = GLIP_SYNTH_EXE, compare = GLIP_COMPARE_EXE, infer = GLIP_INFER_EXE;
  const std::string model = std::string(GLIP_SOURCE_DIR) + "/configs/model/glip_tiny.yaml";
  for (const std::string key : {"world.min_object_frac", "world.occlusion", "world.noise"})
    out.push_back(tool_case(case_name("synth_nan_" + key), synth, out_arg() + " --set " + key + "=nan", nullptr,
                            {"'" + key + "'", "finite"}));
  out.push_back(tool_case("synth_yaml_100000_keys", synth, out_arg() + " --config $DIR/c.yaml",
                          [](const std::string& dir) {
                            std::string s;
                            for (int i = 0; i < 100000; ++i) s += "k" + std::to_string(i) + ": 1\n";
                            put_file(dir + "/c.yaml", s);
                          },
                          {"$DIR/c.yaml", "refused"}));
  out.push_back(
      tool_case("synth_num_threads_1024", synth, out_arg() + " --set num_threads=1024", nullptr, {"'num_threads'"}));
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"deep_arrays", deep_json(100000)}, {"deep_objects_in_metrics", "{\"m\": " + deep_json(5000) + "}"}})
    out.push_back(tool_case("compare_" + name, compare, "--run a=$DIR/m.json",
                            [text = text](const std::string& dir) { put_file(dir + "/m.json", text); },
                            {"$DIR/m.json", "deeper than 100"}));
  const std::vector<std::pair<std::string, std::string>> pickles = {
      {"list_100000", "\x80\x02" + std::string(100000, '(') + "]" + std::string(100000, 'l') + "."},
      {"cycle", std::string("\x80\x02]2a.", 6)}};
  for (const auto& [name, program] : pickles)
    out.push_back(tool_case(
        "infer_pth_" + name, infer,
        "--config " + model + " --checkpoint $DIR/m.pth --image $DIR/x.jpg --prompt ball " + "--no-draw " + out_arg(),
        [program = program](const std::string& dir) {
          put_file(dir + "/m.pth", legacy_pth_with_pickle(program));
          put_file(dir + "/x.jpg", "not decoded: the checkpoint fails first");
        },
        {"$DIR/m.pth"}));
  out.push_back(tool_case("synth_out_is_a_file", synth, "--out $DIR/notes.txt --set world.web_images=0",
                          [](const std::string& dir) { put_file(dir + "/notes.txt", "keep me"); },
                          {"$DIR/notes.txt", "existing file"}));
  out.push_back(tool_case("compare_markdown_under_a_file", compare, "--run a=$DIR/m.json --markdown $DIR/f/t.md",
                          [](const std::string& dir) {
                            put_file(dir + "/m.json", "{\"ap\": 0.5}");
                            put_file(dir + "/f", "a file where a folder is expected");
                          },
                          {"$DIR/f/t.md"}));
  return out;
}
GLIP_MALFORMED_FAMILY(ToolRuns, tool_cases);

}  // namespace
}  // namespace glip::test
