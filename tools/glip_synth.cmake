glip_add_tool(glip_synth glip_synth.cpp)
target_link_libraries(glip_synth PRIVATE glip::synth)  # the renderer is outside the umbrella glip::glip
