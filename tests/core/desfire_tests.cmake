# DESFire: every vector of tests/data/vectors/desfire-vectors.json, and the operations driven
# against a card built from the same core primitives (card side).
set(TSM_CORE_DESFIRE_TESTS
  desfire_crypto_test.cpp
  desfire_authentication_test.cpp
  desfire_secure_messaging_test.cpp
  desfire_payload_test.cpp
  scripted_desfire_card.cpp
  desfire_create_app_test.cpp
  desfire_commands_test.cpp
  desfire_delete_app_test.cpp
  desfire_failures_test.cpp)
