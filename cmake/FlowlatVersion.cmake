# Bakes the project version and git commit into include/flowlat/core/version_info.hpp
# (regenerated at every build so a binary always names the commit it came from).
find_package(Git QUIET)
set(FLOWLAT_GIT_COMMIT "unknown")
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SRC} describe --always --dirty --abbrev=12
                  OUTPUT_VARIABLE FLOWLAT_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0 OR NOT FLOWLAT_GIT_COMMIT)
    set(FLOWLAT_GIT_COMMIT "unknown")
  endif()
endif()
configure_file(${SRC}/cmake/version_info.hpp.in ${DST}.tmp @ONLY)
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${DST}.tmp ${DST})
