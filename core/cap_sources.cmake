# CAP file parsing (pure, in-memory) and LOAD block building. libzip reads the archive from
# memory; it stays private to core/src/cap/zip_reader.cpp.
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
set(TSM_CORE_CAP_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/src/cap/cap_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/cap/load_blocks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/cap/zip_reader.cpp)
set(TSM_CORE_EXTRA_DEPS PkgConfig::LIBZIP)
