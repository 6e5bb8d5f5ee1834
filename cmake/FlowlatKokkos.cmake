# Kokkos: prefer a real CMake package (a cluster's Kokkos 4 with OpenMP/CUDA/HIP);
# fall back to Debian's libtrilinos-kokkos-dev, whose config points at a
# non-existent /usr/lib/include. The result is the target flowlat::kokkos.
find_package(Kokkos CONFIG QUIET)

set(_flowlat_kokkos_usable FALSE)
if(TARGET Kokkos::kokkos)
  get_target_property(_kokkos_inc Kokkos::kokkos INTERFACE_INCLUDE_DIRECTORIES)
  # A Kokkos 4 install exports its include dirs through linked targets, so an
  # empty list is fine; a list naming a directory without Kokkos_Core.hpp is not.
  set(_flowlat_kokkos_usable TRUE)
  if(_kokkos_inc)
    set(_flowlat_kokkos_usable FALSE)
    foreach(_dir IN LISTS _kokkos_inc)
      if(_dir MATCHES "^\\$<" OR EXISTS "${_dir}/Kokkos_Core.hpp")
        set(_flowlat_kokkos_usable TRUE)
      endif()
    endforeach()
  endif()
endif()

add_library(flowlat_kokkos INTERFACE)
add_library(flowlat::kokkos ALIAS flowlat_kokkos)
if(_flowlat_kokkos_usable)
  message(STATUS "flowlat: Kokkos ${Kokkos_VERSION} from its CMake package (${Kokkos_DIR})")
  target_link_libraries(flowlat_kokkos INTERFACE Kokkos::kokkos)
else()
  find_path(FLOWLAT_KOKKOS_INCLUDE_DIR Kokkos_Core.hpp
            HINTS /usr/include/trilinos PATH_SUFFIXES trilinos)
  find_library(FLOWLAT_KOKKOS_CORE_LIBRARY NAMES trilinos_kokkoscore kokkoscore)
  if(NOT FLOWLAT_KOKKOS_INCLUDE_DIR OR NOT FLOWLAT_KOKKOS_CORE_LIBRARY)
    message(FATAL_ERROR "flowlat: no usable Kokkos. Install libtrilinos-kokkos-dev "
                        "or put a Kokkos install on CMAKE_PREFIX_PATH.")
  endif()
  message(STATUS "flowlat: Kokkos from Debian's Trilinos layout "
                 "(${FLOWLAT_KOKKOS_INCLUDE_DIR}, ${FLOWLAT_KOKKOS_CORE_LIBRARY})")
  target_include_directories(flowlat_kokkos SYSTEM INTERFACE ${FLOWLAT_KOKKOS_INCLUDE_DIR})
  target_link_libraries(flowlat_kokkos INTERFACE ${FLOWLAT_KOKKOS_CORE_LIBRARY} ${CMAKE_DL_LIBS})
endif()
