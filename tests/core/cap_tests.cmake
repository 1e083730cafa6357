set(TSM_CORE_CAP_TESTS cap_file_test.cpp cap_hostile_test.cpp cap_load_blocks_test.cpp)
