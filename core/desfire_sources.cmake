# MIFARE DESFire EV1: crypto (CRC32, running-IV CMAC, session keys, AN10922), authentication,
# secure messaging, and the /desfire/ev1 operations with their payload codecs.
set(_tsm_desfire_candidates
  key_type.cpp
  crypto.cpp
  authentication.cpp
  secure_messaging.cpp
  names.cpp
  payload_codec.cpp
  operations.cpp
  create_app_operation.cpp
  commands_operation.cpp
  delete_app_operation.cpp
  native_exchange.cpp)
set(TSM_CORE_DESFIRE_SRCS)
foreach(f ${_tsm_desfire_candidates})
  # Files land one by one while the DESFire work is in progress; list only those present.
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/src/desfire/${f})
    list(APPEND TSM_CORE_DESFIRE_SRCS ${CMAKE_CURRENT_LIST_DIR}/src/desfire/${f})
  endif()
endforeach()
