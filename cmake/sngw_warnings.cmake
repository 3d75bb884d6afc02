# SPDX-License-Identifier: MIT
# INTERFACE target sngw::warnings: the project's warning set, plus sanitizer flags when asked for.
add_library(sngw_warnings INTERFACE)
add_library(sngw::warnings ALIAS sngw_warnings)
target_compile_options(sngw_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${SNGW_WERROR}>:-Werror>)

# Sanitizers apply to every target (libraries and tests alike), so they are set globally.
if(SNGW_SANITIZE)
  add_compile_options(-fsanitize=${SNGW_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SNGW_SANITIZE})
endif()
