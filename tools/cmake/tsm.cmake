# Shared build flags and helpers for every OpenTSM target.
add_library(tsm_build_flags INTERFACE)
target_compile_features(tsm_build_flags INTERFACE cxx_std_20)
target_compile_options(tsm_build_flags INTERFACE
  -Wall -Wextra -Wshadow=local -Wnon-virtual-dtor -Woverloaded-virtual -Wimplicit-fallthrough
  -Werror=unused-result -Wno-maybe-uninitialized)
if(TSM_WERROR)
  target_compile_options(tsm_build_flags INTERFACE -Werror)
endif()
# simdjson's on-demand kernels need AVX2 to be fast; x86-64-v3 is every server CPU since 2013.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_options(tsm_build_flags INTERFACE -march=x86-64-v3 -mpclmul)
endif()
# Asio and Beast are compiled once, in tsm_asio (core/src/asio_impl.cpp, transport/src/beast_impl.cpp).
# Beast's string_view is boost::core::string_view, which converts to and from std::string_view.
target_compile_definitions(tsm_build_flags INTERFACE
  BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION BOOST_ASIO_NO_DEPRECATED
  BOOST_ASIO_DISABLE_BOOST_COROUTINE)

if(TSM_SANITIZE)
  target_compile_options(tsm_build_flags INTERFACE -fsanitize=${TSM_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(tsm_build_flags INTERFACE -fsanitize=${TSM_SANITIZE})
  if(TSM_SANITIZE MATCHES "thread")
    # GCC warns (-Wtsan) at every Boost.Asio std_fenced_block: TSan does not model fences. Asio
    # hands handlers across threads under its scheduler mutex, which TSan does see.
    target_compile_options(tsm_build_flags INTERFACE -Wno-tsan)
  endif()
endif()

# tsm_add_library(NAME SRCS ... DEPS ...): a static module library with include/ public, src/ private.
function(tsm_add_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(tsm_${name} STATIC ${ARG_SRCS})
  add_library(tsm::${name} ALIAS tsm_${name})
  target_include_directories(tsm_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                         PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(tsm_${name} PUBLIC tsm_build_flags ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()
