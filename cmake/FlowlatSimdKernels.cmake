# The flow's convolution kernels compiled once per instruction set, for the
# run-time choice in src/core/simd_dispatch.cpp (docs/ARCHITECTURE.md). Only
# host backends dispatch; a device build compiles the kernels into
# stencil_conv.cpp as before.
#
# The per-instruction-set files (src/flow/isa/) form an OBJECT library that
# links nothing, so they cannot include Kokkos or MPI: the inline code they emit
# is their own, with internal linkage, and the linker never merges an AVX copy
# of a shared inline function with the SSE2 one (the hazard of compiling one
# file several times with different -m flags). tests/flow/check_simd_isolation.py
# checks the final binaries for AVX code outside these kernels.
include(CheckCXXCompilerFlag)

# Adds the kernels to `target` and sets FLOWLAT_SIMD_PATHS (the paths built,
# baseline first) in the caller's scope.
function(flowlat_add_simd_kernels target)
  foreach(backend CUDA HIP SYCL OPENMPTARGET)
    if(Kokkos_ENABLE_${backend})
      message(STATUS "flowlat: Kokkos ${backend}: convolution kernels built for the device, "
                     "no SIMD dispatch")
      target_compile_definitions(${target} PRIVATE FLOWLAT_SIMD_BASELINE="device")
      set(FLOWLAT_SIMD_PATHS device PARENT_SCOPE)
      return()
    endif()
  endforeach()
  if(NOT FLOWLAT_SIMD_DISPATCH)  # the device builds' code path, on the host (for testing it)
    message(STATUS "flowlat: convolution kernels inlined for the build's flags, no SIMD dispatch")
    target_compile_definitions(${target} PRIVATE FLOWLAT_SIMD_BASELINE="inline")
    set(FLOWLAT_SIMD_PATHS inline PARENT_SCOPE)
    return()
  endif()

  set(dir ${PROJECT_SOURCE_DIR}/src/flow/isa)
  add_library(flowlat_simd_kernels OBJECT ${dir}/conv_kernels_baseline.cpp)
  target_include_directories(flowlat_simd_kernels PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(flowlat_simd_kernels PRIVATE flowlat_warnings)
  if(BUILD_SHARED_LIBS)
    set_target_properties(flowlat_simd_kernels PROPERTIES POSITION_INDEPENDENT_CODE ON)
  endif()

  set(paths)
  if(FLOWLAT_NATIVE_ARCH)
    set(paths native)
    target_compile_options(flowlat_simd_kernels PRIVATE -march=native)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    set(paths sse2)
  else()
    set(paths generic)
  endif()
  set(defs FLOWLAT_SIMD_DISPATCH FLOWLAT_SIMD_BASELINE="${paths}")

  # FMA changes rounding against SSE2's multiply then add: the paths agree to
  # rounding, each is reproducible on its own (tests/flow/test_simd_paths.cpp).
  if(paths STREQUAL "sse2" AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    check_cxx_compiler_flag("-mavx2 -mfma" FLOWLAT_CXX_HAS_AVX2)
    check_cxx_compiler_flag("-mavx512f -mfma" FLOWLAT_CXX_HAS_AVX512)
    foreach(isa avx2 avx512)
      string(TOUPPER ${isa} ISA)
      if(FLOWLAT_CXX_HAS_${ISA})
        set(flags -mavx2 -mfma -ffp-contract=fast)
        if(isa STREQUAL "avx512")
          set(flags -mavx512f -mfma -ffp-contract=fast)
        endif()
        target_sources(flowlat_simd_kernels PRIVATE ${dir}/conv_kernels_${isa}.cpp)
        set_source_files_properties(${dir}/conv_kernels_${isa}.cpp PROPERTIES
                                    COMPILE_OPTIONS "${flags}")
        list(APPEND defs FLOWLAT_SIMD_HAVE_${ISA})
        list(APPEND paths ${isa})
      endif()
    endforeach()
  endif()

  target_sources(${target} PRIVATE $<TARGET_OBJECTS:flowlat_simd_kernels>)
  target_compile_definitions(${target} PRIVATE ${defs})
  message(STATUS "flowlat: convolution kernels for ${paths} (chosen at run time, FLOWLAT_SIMD)")
  set(FLOWLAT_SIMD_PATHS ${paths} PARENT_SCOPE)
endfunction()
