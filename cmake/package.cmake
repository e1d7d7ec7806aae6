# The Debian package: cpack -G DEB --config build/CPackConfig.cmake
# Its Depends come from the libraries the installed programs link
# (dpkg-shlibdeps); the interpreters of the Node.js and Python clients and
# gnuplot (spanbench graph) are recommended, the -dev packages that
# find_package(spanbench) needs are suggested.
set(CPACK_PACKAGE_NAME spanbench)
set(CPACK_PACKAGE_VENDOR spanbench)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "measures what a distributed-tracing library costs the program using it")
set(CPACK_PACKAGE_DESCRIPTION
    "spanbench runs a client program with and without a tracer against mock collectors\n(healthy, slow, failing or gone) and measures its CPU, memory, spans per second\nand spans lost. Bundled clients: C++ (OpenTracing), Node.js and Python.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "spanbench maintainers <spanbench@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nodejs, npm, python3, gnuplot-nox")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "cmake, nlohmann-json3-dev, libspdlog-dev, libfmt-dev, libtomlplusplus-dev, libcpp-httplib-dev, libboost-dev")
# npm ci after installing puts node_modules into the package's folder; they
# go when the package does.
configure_file(${CMAKE_CURRENT_LIST_DIR}/debian-postrm.in ${PROJECT_BINARY_DIR}/debian/postrm
               @ONLY FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
               GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/debian/postrm)
include(CPack)
