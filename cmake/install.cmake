# What `cmake --install` puts under the prefix:
#   bin/spanbench
#   libexec/spanbench/   spanbench-supervisor, spanbench-client-cpp
#   share/spanbench/     clients.toml (paths relative to it), suites/,
#                        clients/node (client.js, package.json and its lock;
#                        node_modules only with SPANBENCH_INSTALL_NODE_MODULES),
#                        clients/python, web/ (the HTML report's flame graph scripts)
#   share/doc/spanbench/ README.md and docs/

option(SPANBENCH_INSTALL_NODE_MODULES
       "Install clients/node/node_modules as found in the source tree (else: npm ci after installing)"
       OFF)

set(spanbench_libexec ${CMAKE_INSTALL_LIBEXECDIR}/spanbench)
set(spanbench_data ${CMAKE_INSTALL_DATADIR}/spanbench)

install(TARGETS spanbench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS spanbench-supervisor spanbench-client-cpp RUNTIME DESTINATION ${spanbench_libexec})

# The installed registry: the checkout's clients.toml with the paths and
# setup hints of an installed tree. Each replacement must apply; anything
# left that points into a checkout stops the configure, so the two cannot
# drift apart silently.
file(READ ${PROJECT_SOURCE_DIR}/clients.toml spanbench_registry)
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/clients.toml)
file(RELATIVE_PATH spanbench_libexec_from_data ${CMAKE_INSTALL_FULL_DATADIR}/spanbench
     ${CMAKE_INSTALL_FULL_LIBEXECDIR}/spanbench)
string(REPLACE "\"build/clients/cpp/spanbench-client-cpp\""
       "\"${spanbench_libexec_from_data}/spanbench-client-cpp\"" spanbench_registry
       "${spanbench_registry}")
string(REPLACE "build it: cmake --preset release && cmake --build build"
       "reinstall spanbench (the C++ client is installed with it)"
       spanbench_registry "${spanbench_registry}")
string(REPLACE "run scripts/install-deps.sh (npm ci in clients/node)"
       "run npm ci --omit=dev in {dir}/clients/node (as root for a system-wide install)"
       spanbench_registry "${spanbench_registry}")
string(REPLACE "\".venv/bin/python\"" "\"python3\"" spanbench_registry "${spanbench_registry}")
string(REPLACE "; without PyPI: SPANBENCH_WHEELS=WHEEL_DIR" "" spanbench_registry
       "${spanbench_registry}")
string(REGEX REPLACE "run scripts/install-python-clients.sh \\(a \\.venv with ([^;)]+)"
       "pip install --no-deps -r {dir}/\\1 (into the venv whose python3 comes first in PATH"
       spanbench_registry "${spanbench_registry}")
string(REGEX REPLACE "^#[^\n]*\n#[^\n]*\n#[^\n]*\n"
       "# The client registry of an installed spanbench (docs/protocol.md): each client\n# program and how to start it. Relative paths are relative to this file's folder.\n# `protocol` is the satellite protocol family the client reports with (\"none\": reports nowhere).\n"
       spanbench_registry "${spanbench_registry}")
foreach(checkout_path "build/" ".venv" "scripts/")
  string(FIND "${spanbench_registry}" "${checkout_path}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "cmake/install.cmake: the installed clients.toml would still point to "
                        "\"${checkout_path}\" in a checkout; add a replacement for the new entry")
  endif()
endforeach()
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/installed/clients.toml CONTENT "${spanbench_registry}"
     @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/installed/clients.toml DESTINATION ${spanbench_data})
install(DIRECTORY suites/ DESTINATION ${spanbench_data}/suites FILES_MATCHING PATTERN "*.toml")

install(FILES clients/node/client.js clients/node/package.json clients/node/package-lock.json
        DESTINATION ${spanbench_data}/clients/node)
if(SPANBENCH_INSTALL_NODE_MODULES)
  if(NOT EXISTS ${PROJECT_SOURCE_DIR}/clients/node/node_modules)
    message(FATAL_ERROR "SPANBENCH_INSTALL_NODE_MODULES=ON but clients/node/node_modules is "
                        "missing: run npm ci in clients/node (scripts/install-deps.sh does)")
  endif()
  install(DIRECTORY clients/node/node_modules DESTINATION ${spanbench_data}/clients/node
          USE_SOURCE_PERMISSIONS)
endif()
install(FILES clients/python/client.py clients/python/check_ready.py
        DESTINATION ${spanbench_data}/clients/python)
install(DIRECTORY clients/python/ DESTINATION ${spanbench_data}/clients/python
        FILES_MATCHING PATTERN "requirements-*.txt" PATTERN "__pycache__" EXCLUDE)

# The HTML report's flame graph scripts (cmake/web_bundle.cmake), when npm ci
# in src/report/web made them; without them reports show static SVGs.
install(DIRECTORY ${PROJECT_BINARY_DIR}/share/spanbench/web/ DESTINATION ${spanbench_data}/web
        OPTIONAL FILES_MATCHING PATTERN "*.js" PATTERN "*.css")

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")

# The library for other CMake projects: find_package(spanbench) gives
# spanbench::core (the Controller, the registry, Result) and spanbench::report
# (text and JSON of results; links spanbench::core and spanbench::stats).
# Public headers: include/spanbench/*.h; the headers they include go to
# include/spanbench/detail.
include(CMakePackageConfigHelpers)
install(TARGETS spanbench_core spanbench_stats spanbench_profile spanbench_report EXPORT spanbench-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/spanbench DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
foreach(dir core controller process profile report stats)
  install(DIRECTORY src/${dir} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/spanbench/detail
          FILES_MATCHING PATTERN "*.h")
endforeach()
set(spanbench_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/spanbench)
install(EXPORT spanbench-targets NAMESPACE spanbench:: DESTINATION ${spanbench_cmake_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/spanbench-config.cmake.in
  ${PROJECT_BINARY_DIR}/installed/spanbench-config.cmake INSTALL_DESTINATION ${spanbench_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/installed/spanbench-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/installed/spanbench-config.cmake
              ${PROJECT_BINARY_DIR}/installed/spanbench-config-version.cmake
        DESTINATION ${spanbench_cmake_dir})
