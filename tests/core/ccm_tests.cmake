# Card content management: APDU builders, payload codecs, operations against a scripted card.
set(TSM_CORE_CCM_TESTS
  ccm_apdus_test.cpp
  ccm_payload_test.cpp
  scripted_gp_card.cpp
  ccm_install_test.cpp
  ccm_delete_storedata_test.cpp
  ccm_channel_test.cpp)
