glip_add_tool(glip_compare glip_compare.cpp)
