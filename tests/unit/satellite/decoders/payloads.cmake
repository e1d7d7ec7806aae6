# spanbench_decoder_payloads: real-encoder payload builders shared by the
# decoder tests, the decode benchmark and the fuzz seed generator. Included
# from each of those CMakeLists, so it is defined once whichever is built.
if(NOT TARGET spanbench_decoder_payloads)
  if(NOT TARGET nlohmann_json::nlohmann_json)
    find_package(nlohmann_json REQUIRED)
  endif()
  add_library(spanbench_decoder_payloads STATIC ${CMAKE_CURRENT_LIST_DIR}/payloads.cc)
  target_include_directories(spanbench_decoder_payloads PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(spanbench_decoder_payloads
    PUBLIC spanbench_protos spanbench_jaeger_thrift
    PRIVATE spanbench_msgpack nlohmann_json::nlohmann_json ZLIB::ZLIB)
  spanbench_warnings(spanbench_decoder_payloads)
endif()
