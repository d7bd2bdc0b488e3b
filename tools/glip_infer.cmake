glip_add_tool(glip_infer glip_infer.cpp)
