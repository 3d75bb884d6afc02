# SPDX-License-Identifier: MIT
# The Debian package (CPack DEB): `make package` -> build/sngw_<version>_<arch>.deb with
#   /usr/bin/sngw and the tools that exist (sngwctl, sngw-pub, sngw-sub, sngw-decode),
#   /lib/systemd/system/sngw.service, /etc/sngw/sngw.conf (conffile, the commented example),
#   /usr/share/doc/sngw/{README.md,copyright,examples/}.
# Maintainer scripts, conffile list and unit are in packaging/. Included from the root
# CMakeLists.txt after every target is defined.

set(_sngw_pkg "${PROJECT_SOURCE_DIR}/packaging")

# Every binary has its install() rule next to its target (gateway/app, tools/*).

# What the package holds, for `make package` to build only that before cpack.
add_custom_target(sngw_package_binaries)
foreach(_tool sngw sngw-decode sngwctl sngw-pub sngw-sub)
  if(TARGET ${_tool})
    add_dependencies(sngw_package_binaries ${_tool})
  endif()
endforeach()

install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${_sngw_pkg}/copyright"
        DESTINATION share/doc/sngw)
install(FILES "${PROJECT_SOURCE_DIR}/gateway/app/etc/sngw.conf.example"
        DESTINATION share/doc/sngw/examples RENAME sngw.conf)
install(FILES "${_sngw_pkg}/examples/predefined-topics.txt" "${_sngw_pkg}/examples/credentials.txt"
              "${_sngw_pkg}/examples/sysctl-sngw.conf"
        DESTINATION share/doc/sngw/examples)

# The unit and /etc/sngw/sngw.conf have fixed absolute paths. They are installed only into a
# DESTDIR (CPack sets one, see CPACK_SET_DESTDIR; file(INSTALL) puts it in front of the absolute
# destination), so that a plain `cmake --install build` as root never overwrites the
# configuration of an installed gateway or puts a unit next to the package's.
string(CONFIGURE [[
  if(DEFINED ENV{DESTDIR} AND NOT "$ENV{DESTDIR}" STREQUAL "")
    file(INSTALL "@_sngw_pkg@/sngw.service" DESTINATION /lib/systemd/system)
    file(INSTALL "@PROJECT_SOURCE_DIR@/gateway/app/etc/sngw.conf.example"
         DESTINATION /etc/sngw RENAME sngw.conf)
  else()
    message(STATUS "Skipping /lib/systemd/system/sngw.service and /etc/sngw/sngw.conf "
                   "(installed only with DESTDIR=..., or by the Debian package: make package)")
  endif()
]] _sngw_system_files @ONLY)
install(CODE "${_sngw_system_files}")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sngw)
set(CPACK_PACKAGE_VENDOR "sngw")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "sngw maintainers <maintainers@users.noreply.r-seed-de9ab421.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MQTT-SN gateway for MQTT 5 brokers")
set(CPACK_PACKAGE_DESCRIPTION
    "sngw lets sensors that speak MQTT-SN 1.2 over UDP or serial ports (raw, SLIP, COBS, XBee API \
framing) talk to an MQTT 5 broker: each sensor becomes an MQTT 5 client of the broker, and the \
broker's verdicts reach the sensor in its own protocol, also when it was asleep. Runs as the \
systemd service sngw with the configuration in /etc/sngw/sngw.conf.")
# Absolute install paths (the unit, /etc) go into the staging directory, not the build machine.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)              # what CMAKE_INSTALL_PREFIX is inside the DESTDIR
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)                # sngw_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
# Runtime libraries (Boost.Program_options 1.81, libssl3, libstdc++, libc) found by dpkg-shlibdeps;
# adduser for postinst. The unit needs systemd, but the binaries do not: a Recommends.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${_sngw_pkg}/debian/conffiles;${_sngw_pkg}/debian/postinst;${_sngw_pkg}/debian/prerm;${_sngw_pkg}/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
if(CMAKE_CROSSCOMPILING AND CMAKE_LIBRARY_ARCHITECTURE)
  # dpkg-shlibdeps of arm64 binaries finds their libraries in the multiarch directory.
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}")
endif()

include(CPack)
