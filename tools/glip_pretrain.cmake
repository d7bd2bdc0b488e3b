glip_add_tool(glip_pretrain glip_pretrain.cpp)
