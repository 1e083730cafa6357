# GlobalPlatform secure channel cryptography (SCP03, SCP02): pure functions over OpenSSL libcrypto.
set(TSM_CORE_GP_SRCS
  src/gp/command_apdu.cpp
  src/gp/crypto.cpp
  src/gp/errc.cpp
  src/gp/initialize_update.cpp
  src/gp/key_diversification.cpp
  src/gp/scp02.cpp
  src/gp/scp02_session.cpp
  src/gp/scp03.cpp
  src/gp/scp03_session.cpp
  src/gp/secret_key.cpp)
