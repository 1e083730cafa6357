# Card content management: APDU builders, payload codecs, operations against a scripted card.
set(TSM_CORE_CCM_TESTS ccm_apdus_test.cpp ccm_payload_test.cpp ccm_operations_test.cpp)
