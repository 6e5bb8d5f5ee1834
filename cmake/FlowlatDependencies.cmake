# Every external dependency, one block each; all come from Debian packages.
include(FlowlatKokkos)

find_package(MPI REQUIRED COMPONENTS C CXX)

set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "flowlat: HDF5 at ${HDF5_C_INCLUDE_DIRS} is serial; "
                      "ranks share one file, so parallel HDF5 is required "
                      "(Debian: libhdf5-openmpi-dev).")
endif()
add_library(flowlat_hdf5 INTERFACE)
target_include_directories(flowlat_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS})
target_link_libraries(flowlat_hdf5 INTERFACE ${HDF5_C_LIBRARIES} MPI::MPI_C)
target_compile_definitions(flowlat_hdf5 INTERFACE ${HDF5_C_DEFINITIONS})

find_package(PkgConfig REQUIRED)
pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3)

find_package(Boost REQUIRED COMPONENTS program_options)

if(FLOWLAT_ENABLE_TESTS)
  find_package(GTest REQUIRED)
endif()
if(FLOWLAT_ENABLE_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
