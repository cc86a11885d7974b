# Build stamp (factor I: one codebase, many deploys; each binary says which).
#
# include(cmake/BuildInfo.cmake) after project(): sets TWELVE_BUILD_INFO_CPP
# (the generated source implementing twelve::GetBuildInfo(), see
# twelve/include/twelve/build_info.hpp) and TWELVE_BUILD_INFO_ENV (the same
# values as shell assignments, for `make release`).
#
# The stamp is written at configure time and re-evaluated on every build by
# the target twelve_build_info, which runs this file as a script (cmake -P):
# a new commit, or a change to an uncommitted diff, re-stamps without
# re-running cmake. The files are rewritten only when the stamp changes, so
# an unchanged tree rebuilds nothing.
#
#   version     PROJECT_VERSION
#   commit      short hash, "-dirty" if tracked files differ from HEAD;
#               "unknown" outside git (a tarball) or before the first commit;
#               the environment's TWELVE_BUILD_COMMIT when set, for a tree
#               built without its .git (deploy/Dockerfile's build stage is
#               told the commit that scripts/build-stamp read on the host)
#   build_time  RFC 3339 UTC, when the stamp last changed; SOURCE_DATE_EPOCH
#               (reproducible builds) is honoured by string(TIMESTAMP)
#   compiler    CMAKE_CXX_COMPILER_ID and version, e.g. "GCC 12.2.0"
#   build_type  the configuration, e.g. "Release"

# Runs git in source_dir; sets var to its output and _rc to its exit code.
macro(_twelve_git var)
  execute_process(COMMAND "${GIT_EXECUTABLE}" --no-optional-locks ${ARGN}
    WORKING_DIRECTORY "${source_dir}"
    RESULT_VARIABLE _rc OUTPUT_VARIABLE ${var}
    ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
endmacro()

# Returns the commit and, for a dirty tree, a hash of the diff (so that a
# further edit re-stamps the build time) in the caller's scope.
function(_twelve_git_commit source_dir out_commit out_diff_hash)
  set(${out_commit} "unknown" PARENT_SCOPE)
  set(${out_diff_hash} "" PARENT_SCOPE)
  if(NOT "$ENV{TWELVE_BUILD_COMMIT}" STREQUAL "")
    set(${out_commit} "$ENV{TWELVE_BUILD_COMMIT}" PARENT_SCOPE)
    return()
  endif()
  if(NOT GIT_EXECUTABLE)
    return()
  endif()
  # Only this project's own repository counts, not one it was unpacked into.
  _twelve_git(top rev-parse --show-toplevel)
  if(NOT _rc EQUAL 0)
    return()
  endif()
  file(REAL_PATH "${top}" top)
  file(REAL_PATH "${source_dir}" source_dir)
  if(NOT top STREQUAL source_dir)
    return()
  endif()
  _twelve_git(commit rev-parse --short HEAD)
  if(NOT _rc EQUAL 0 OR commit STREQUAL "")
    return()  # no commit yet
  endif()
  _twelve_git(changes status --porcelain --untracked-files=no)
  if(NOT _rc EQUAL 0)
    return()
  endif()
  set(diff_hash "")
  if(NOT changes STREQUAL "")
    string(APPEND commit "-dirty")
    _twelve_git(diff diff HEAD)
    string(SHA256 diff_hash "${changes}\n${diff}")
  endif()
  set(${out_commit} "${commit}" PARENT_SCOPE)
  set(${out_diff_hash} "${diff_hash}" PARENT_SCOPE)
endfunction()

# Writes output (from template) and env_output when the stamp has changed.
function(_twelve_write_build_info template output env_output source_dir
         version compiler build_type)
  if(build_type STREQUAL "")
    set(build_type "unspecified")
  endif()
  _twelve_git_commit("${source_dir}" commit diff_hash)
  file(SHA256 "${template}" template_hash)
  set(stamp "${version}|${commit}|${diff_hash}|${compiler}|${build_type}")
  string(APPEND stamp "|$ENV{SOURCE_DATE_EPOCH}|${template_hash}")

  if(EXISTS "${output}" AND EXISTS "${env_output}")
    file(STRINGS "${output}" old_stamp REGEX "^// stamp: " LIMIT_COUNT 1)
    if(old_stamp STREQUAL "// stamp: ${stamp}")
      return()
    endif()
  endif()

  string(TIMESTAMP build_time "%Y-%m-%dT%H:%M:%SZ" UTC)
  set(TWELVE_BUILD_STAMP "${stamp}")
  set(value_VERSION "${version}")
  set(value_COMMIT "${commit}")
  set(value_TIME "${build_time}")
  set(value_COMPILER "${compiler}")
  set(value_TYPE "${build_type}")
  foreach(field VERSION COMMIT TIME COMPILER TYPE)
    set(value "${value_${field}}")
    string(REPLACE "\\" "\\\\" cxx "${value}")
    string(REPLACE "\"" "\\\"" cxx "${cxx}")
    set(TWELVE_BUILD_${field} "${cxx}")
    string(REPLACE "'" "'\\''" sh "${value}")
    string(APPEND env "TWELVE_BUILD_${field}='${sh}'\n")
  endforeach()
  configure_file("${template}" "${output}" @ONLY)
  file(WRITE "${env_output}" "${env}")
endfunction()

if(CMAKE_SCRIPT_MODE_FILE)
  # Build time: cmake -DTEMPLATE=... -DOUTPUT=... -P BuildInfo.cmake
  _twelve_write_build_info("${TEMPLATE}" "${OUTPUT}" "${ENV_OUTPUT}"
    "${SOURCE_DIR}" "${VERSION}" "${COMPILER}" "${BUILD_TYPE}")
  return()
endif()

# Configure time.
find_package(Git QUIET)
set(TWELVE_BUILD_INFO_CPP
    "${PROJECT_BINARY_DIR}/generated/twelve/build_info.cpp")
set(TWELVE_BUILD_INFO_ENV "${PROJECT_BINARY_DIR}/build_info.env")
set(_twelve_compiler "${CMAKE_CXX_COMPILER_ID}")
if(_twelve_compiler STREQUAL "GNU")
  set(_twelve_compiler "GCC")
endif()
string(APPEND _twelve_compiler " ${CMAKE_CXX_COMPILER_VERSION}")
set(_twelve_template "${PROJECT_SOURCE_DIR}/twelve/src/build_info.cpp.in")

_twelve_write_build_info("${_twelve_template}" "${TWELVE_BUILD_INFO_CPP}"
  "${TWELVE_BUILD_INFO_ENV}" "${PROJECT_SOURCE_DIR}" "${PROJECT_VERSION}"
  "${_twelve_compiler}" "${CMAKE_BUILD_TYPE}")
file(STRINGS "${TWELVE_BUILD_INFO_ENV}" _twelve_stamp_lines)
list(JOIN _twelve_stamp_lines ", " _twelve_stamp_lines)
message(STATUS "Build stamp: ${_twelve_stamp_lines}")

add_custom_target(twelve_build_info ALL
  COMMAND "${CMAKE_COMMAND}"
    "-DTEMPLATE=${_twelve_template}"
    "-DOUTPUT=${TWELVE_BUILD_INFO_CPP}"
    "-DENV_OUTPUT=${TWELVE_BUILD_INFO_ENV}"
    "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
    "-DGIT_EXECUTABLE=${GIT_EXECUTABLE}"
    "-DVERSION=${PROJECT_VERSION}"
    "-DCOMPILER=${_twelve_compiler}"
    "-DBUILD_TYPE=$<CONFIG>"
    -P "${CMAKE_CURRENT_LIST_FILE}"
  BYPRODUCTS "${TWELVE_BUILD_INFO_CPP}" "${TWELVE_BUILD_INFO_ENV}"
  COMMENT "Checking the build stamp"
  VERBATIM)
