# cmake -DWEB_DIR=src/report/web -DOUT_DIR=<build>/share/spanbench/web -P web_bundle.cmake
#
# Makes the one script the HTML report inlines for its interactive flame
# graphs: the dist files of d3-flame-graph and of the d3 modules it uses,
# in the order each needs the ones before it (each adds itself to the
# global `d3`; d3-flame-graph to `flamegraph`). They come from npm ci in
# WEB_DIR (scripts/install-deps.sh runs it). Without them the bundle is
# removed and the report shows its static SVG flame graphs instead.
set(modules internmap d3-array d3-color d3-interpolate d3-format d3-time d3-time-format d3-scale
            d3-dispatch d3-selection d3-timer d3-ease d3-transition d3-hierarchy)
set(files)
foreach(m IN LISTS modules)
  list(APPEND files ${WEB_DIR}/node_modules/${m}/dist/${m}.min.js)
endforeach()
list(APPEND files ${WEB_DIR}/node_modules/d3-flame-graph/dist/d3-flamegraph.umd.min.js)

set(bundle ${OUT_DIR}/d3-flamegraph-bundle.min.js)
set(missing)
foreach(f IN LISTS files)
  if(NOT EXISTS ${f})
    list(APPEND missing ${f})
  endif()
endforeach()
if(missing)
  file(REMOVE ${bundle} ${OUT_DIR}/d3-flamegraph.css)
  list(GET missing 0 first)
  message(STATUS "report web bundle: ${first} is missing (npm ci in ${WEB_DIR}); the HTML "
                 "report will show static flame graphs")
  return()
endif()
set(text "")
foreach(f IN LISTS files)
  file(READ ${f} content)
  string(APPEND text "${content}\n;\n")
endforeach()
file(MAKE_DIRECTORY ${OUT_DIR})
# Rewritten only when it changes, so that nothing downstream rebuilds.
file(WRITE ${bundle}.tmp "${text}")
file(COPY_FILE ${bundle}.tmp ${bundle} ONLY_IF_DIFFERENT)
file(REMOVE ${bundle}.tmp)
file(COPY_FILE ${WEB_DIR}/node_modules/d3-flame-graph/dist/d3-flamegraph.css
     ${OUT_DIR}/d3-flamegraph.css ONLY_IF_DIFFERENT)
