# Card content management operations (/ccm/install, /ccm/delete, /ccm/storedata): GP command
# builders, the secure-channel script engine and the operation payload codecs.
set(TSM_CORE_CCM_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/src/ccm/apdus.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/ccm/operations.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/ccm/payload_codec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/ccm/script_operation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/ccm/secure_channel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/ccm/status_words.cpp)
