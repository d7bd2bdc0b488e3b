glip_add_tool(glip_text glip_text.cpp text_cli.cpp)
target_link_libraries(glip_text PRIVATE nlohmann_json::nlohmann_json)
