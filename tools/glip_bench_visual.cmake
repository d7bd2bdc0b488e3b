glip_add_tool(glip_bench_visual glip_bench_visual.cpp)
# libsentencepiece exports its own protobuf symbols; bind libtorch's references to libprotobuf first (as glip_eval).
target_link_options(glip_bench_visual PRIVATE "LINKER:--no-as-needed" -lprotobuf "LINKER:--as-needed")
