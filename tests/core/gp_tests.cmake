# GlobalPlatform secure channel tests: every session of ../shared/vectors/scp0{2,3}-vectors.json.
set(TSM_CORE_GP_TESTS
  gp_crypto_test.cpp
  gp_command_apdu_test.cpp
  gp_key_diversification_test.cpp
  gp_scp02_test.cpp
  gp_scp03_test.cpp)
