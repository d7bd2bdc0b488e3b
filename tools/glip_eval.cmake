glip_add_tool(glip_eval glip_eval.cpp)
glip_add_tool(glip_eval_bench glip_eval_bench.cpp)
# libsentencepiece exports its own copy of protobuf; when libtorch_cpu's protobuf references bind to it
# the process crashes in static initialisation. Bind them to libprotobuf first.
foreach(_t glip_eval glip_eval_bench)
  target_link_options(${_t} PRIVATE "LINKER:--no-as-needed" -lprotobuf "LINKER:--as-needed")
endforeach()
