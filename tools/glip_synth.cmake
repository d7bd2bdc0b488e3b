glip_add_tool(glip_synth glip_synth.cpp)
