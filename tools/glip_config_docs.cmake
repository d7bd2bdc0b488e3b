glip_add_tool(glip_config_docs glip_config_docs.cpp)
target_link_libraries(glip_config_docs PRIVATE glip::synth)  # documents the world's options too
