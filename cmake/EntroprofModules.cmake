# The library's modules and the one dependency rule (src/README.md): a module may use only the
# modules below it that it names. The build enforces the rule: each module is an OBJECT library
# whose only include directory is build/layers/<module>/, which holds links to exactly the headers
# it may use (its own headers, the shared headers of the modules it may use, and the public headers
# of include/entroprof/ that those modules own). An #include the rule forbids is "No such file".
#
#   ep_module(NAME            directory src/NAME/, target ep_mod_NAME
#             USES m...       modules it may use (the rule is transitive: their USES too)
#             PUBLIC h...     headers of include/entroprof/ this module owns (implements)
#             SHARES h...     headers of src/NAME/ that modules above it may include; every other
#                             header of src/NAME/ is private to the module)
#
# Modules must be declared bottom-up: USES names only modules declared before.

set(EP_LAYER_DIR ${PROJECT_BINARY_DIR}/layers)
set(EP_MODULES "")

function(_ep_link_header link target)
  get_filename_component(_dir ${link} DIRECTORY)
  file(MAKE_DIRECTORY ${_dir})
  file(CREATE_LINK ${target} ${link} SYMBOLIC)
endfunction()

# Fills build/layers/<layer>/ with links to the headers of `mods` (own = the module itself, which
# sees all of its headers; the others show only what they share).
function(_ep_fill_layer layer own mods)
  set(_dir ${EP_LAYER_DIR}/${layer})
  file(REMOVE_RECURSE ${_dir})
  file(MAKE_DIRECTORY ${_dir}/entroprof)
  foreach(_m IN LISTS mods)
    foreach(_h IN LISTS EP_PUBLIC_${_m})
      _ep_link_header(${_dir}/entroprof/${_h} ${PROJECT_SOURCE_DIR}/include/entroprof/${_h})
    endforeach()
    if(_m STREQUAL own)
      file(GLOB _own CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/src/${_m} ${PROJECT_SOURCE_DIR}/src/${_m}/*.h)
      set(_shown ${_own})
    else()
      set(_shown ${EP_SHARES_${_m}})
    endif()
    foreach(_h IN LISTS _shown)
      _ep_link_header(${_dir}/${_m}/${_h} ${PROJECT_SOURCE_DIR}/src/${_m}/${_h})
    endforeach()
  endforeach()
endfunction()

function(ep_module name)
  cmake_parse_arguments(M "" "" "USES;PUBLIC;SHARES" ${ARGN})
  set(_closure "")
  foreach(_u IN LISTS M_USES)
    if(NOT _u IN_LIST EP_MODULES)
      message(FATAL_ERROR "module ${name} uses ${_u}, which is not declared below it")
    endif()
    list(APPEND _closure ${_u} ${EP_CLOSURE_${_u}})
  endforeach()
  list(REMOVE_DUPLICATES _closure)
  foreach(_h IN LISTS M_SHARES)
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/src/${name}/${_h})
      message(FATAL_ERROR "module ${name} shares src/${name}/${_h}, which does not exist")
    endif()
  endforeach()
  foreach(_h IN LISTS M_PUBLIC)
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/include/entroprof/${_h})
      message(FATAL_ERROR "module ${name} owns include/entroprof/${_h}, which does not exist")
    endif()
  endforeach()
  set(EP_CLOSURE_${name} ${_closure} PARENT_SCOPE)
  set(EP_PUBLIC_${name} ${M_PUBLIC} PARENT_SCOPE)
  set(EP_SHARES_${name} ${M_SHARES} PARENT_SCOPE)
  set(EP_PUBLIC_${name} ${M_PUBLIC})
  set(EP_SHARES_${name} ${M_SHARES})
  set(_mods ${name} ${_closure})
  _ep_fill_layer(${name} ${name} "${_mods}")
  set(EP_MODULES ${EP_MODULES} ${name} PARENT_SCOPE)

  file(GLOB _src CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.c)
  add_library(ep_mod_${name} OBJECT ${_src})
  target_include_directories(ep_mod_${name} PRIVATE ${EP_LAYER_DIR}/${name})
  target_link_libraries(ep_mod_${name} PRIVATE ep_module_flags)
endfunction()

# A layer that sees every public header and nothing of src/ but its own folder (the CLI, tools).
function(ep_public_layer name own_dir)
  set(_all "")
  foreach(_m IN LISTS EP_MODULES)
    list(APPEND _all ${EP_PUBLIC_${_m}})
  endforeach()
  set(_dir ${EP_LAYER_DIR}/${name})
  file(REMOVE_RECURSE ${_dir})
  file(GLOB _pub CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/include/entroprof
       ${PROJECT_SOURCE_DIR}/include/entroprof/*.h)
  foreach(_h IN LISTS _pub)
    _ep_link_header(${_dir}/entroprof/${_h} ${PROJECT_SOURCE_DIR}/include/entroprof/${_h})
  endforeach()
  if(own_dir)
    file(GLOB _own CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/src/${own_dir}
         ${PROJECT_SOURCE_DIR}/src/${own_dir}/*.h)
    foreach(_h IN LISTS _own)
      _ep_link_header(${_dir}/${own_dir}/${_h} ${PROJECT_SOURCE_DIR}/src/${own_dir}/${_h})
    endforeach()
  endif()
  file(MAKE_DIRECTORY ${_dir})
endfunction()
