# HostBuild.cmake - flags and helpers for host programs that compile kernel
# sources (src/mm, src/lib, the multiboot2 parser) against tests/host/host_env.c.

find_package(PkgConfig REQUIRED)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

set(STAGEOS_HOST_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wno-unused-parameter)
set(STAGEOS_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

# stageos_host_test(<name> SOURCES <kernel sources...> [LABELS <labels...>])
# builds tests/host/<name>.c with the given sources, host_env.c and the MM
# core (stage machine, error names), sanitized, and registers it with ctest.
function(stageos_host_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LABELS" ${ARGN})
  set(src_list)
  foreach(s ${ARG_SOURCES})
    list(APPEND src_list ${CMAKE_SOURCE_DIR}/${s})
  endforeach()
  add_executable(${name} ${CMAKE_SOURCE_DIR}/tests/host/${name}.c ${CMAKE_SOURCE_DIR}/tests/host/host_env.c
                         ${CMAKE_SOURCE_DIR}/src/mm/stage_order.c ${CMAKE_SOURCE_DIR}/src/mm/mm_error.c
                         ${CMAKE_SOURCE_DIR}/src/mm/range_table.c ${src_list})
  list(REMOVE_DUPLICATES src_list)
  target_compile_options(${name} PRIVATE ${STAGEOS_HOST_WARNINGS} ${STAGEOS_SANITIZERS} -O1 -g)
  target_compile_definitions(${name} PRIVATE STAGEOS_HOST=1)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests/host)
  target_link_options(${name} PRIVATE ${STAGEOS_SANITIZERS})
  target_link_libraries(${name} PRIVATE PkgConfig::CMOCKA)
  add_test(NAME host.${name} COMMAND ${name})
  set_tests_properties(host.${name} PROPERTIES LABELS "host;${ARG_LABELS}" TIMEOUT 120
                       ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;UBSAN_OPTIONS=print_stacktrace=1")
endfunction()
