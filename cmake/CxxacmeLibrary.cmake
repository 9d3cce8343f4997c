# cxxacme_library(NAME SOURCES src... [PUBLIC deps...] [PRIVATE deps...])
# Defines the static library cxxacme_NAME, its alias cxxacme::NAME, the
# include/ folder beside the caller as its public headers, warnings, and the
# install and export rules every cxxacme library shares.
function(cxxacme_library name)
  cmake_parse_arguments(L "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  set(target cxxacme_${name})
  add_library(${target} ${L_SOURCES})
  add_library(cxxacme::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME ${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} PUBLIC ${L_PUBLIC} PRIVATE ${L_PRIVATE} $<BUILD_INTERFACE:cxxacme_warnings>)
  install(TARGETS ${target} EXPORT cxxacmeTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()
