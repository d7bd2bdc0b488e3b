glip_add_tool(glip_train glip_train.cpp)
