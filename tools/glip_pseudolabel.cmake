# glip_pseudolabel needs the model (inference::Predictor and the shared GlipConfig).
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/../include/glip/inference/predictor.h)
  glip_add_tool(glip_pseudolabel glip_pseudolabel.cpp)
endif()
