glip_add_tool(glip_eval glip_eval.cpp glip_eval_model.cpp)
glip_add_tool(glip_eval_bench glip_eval_bench.cpp)
