# The Debian package of welcome (`make deb`: CPack's DEB generator), from the
# release build: /usr/bin/welcome, its systemd unit and /etc/default/welcome.
#
# include(cmake/Packaging.cmake) after the targets are defined. Packs with
#   cpack --config build/release/CPackConfig.cmake -B dist
# The package Depends on deps/runtime.txt: the libraries of the release
# preset's binary (TWELVE_STATIC_RUNTIME), libssl3 for TLS to PostgreSQL.

# `install` (and so CPack) packs what `make build` built (welcome), without
# first building every target (unit tests, benchmarks).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS welcome RUNTIME DESTINATION bin)
install(FILES deploy/systemd/welcome.service DESTINATION lib/systemd/system)
install(FILES deploy/systemd/welcome.default DESTINATION /etc/default
        RENAME welcome)

# deps/runtime.txt: Debian package names, one per line, '#' comments.
file(STRINGS "${PROJECT_SOURCE_DIR}/deps/runtime.txt" _twelve_runtime_lines)
set(_twelve_runtime_packages "")
foreach(line IN LISTS _twelve_runtime_lines)
  string(REGEX REPLACE "#.*" "" line "${line}")
  string(STRIP "${line}" line)
  if(NOT line STREQUAL "")
    list(APPEND _twelve_runtime_packages "${line}")
  endif()
endforeach()
list(JOIN _twelve_runtime_packages ", " _twelve_runtime_depends)

# /etc/default/welcome is the operator's: an upgrade keeps their edits.
file(WRITE "${PROJECT_BINARY_DIR}/debian/conffiles" "/etc/default/welcome\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME welcome)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "visitor counter of the 12 Factor App course, on the twelve C++ kit")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "The twelve project")
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${_twelve_runtime_depends}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${PROJECT_BINARY_DIR}/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Stripped, as Debian ships binaries (the symbols are no use to an operator).
set(CPACK_STRIP_FILES ON)
include(CPack)
