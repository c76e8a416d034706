# Writes the dynamic list of the names the binary exports to its modules
# (app/module_loader.hpp): every name a module leaves undefined, and every
# vague-linkage name it defines (inline functions' statics, typeinfo,
# vtables) so that the module binds to the binary's one copy of each.
# Exporting only these (not all of postwork_lib) keeps the binary's symbol
# tables, paged in at start-up, small.
#   cmake -DNM=nm -DOUT=list "-DMODULES=a.so|b.so" -P module_symbols.cmake
string(REPLACE "|" ";" modules "${MODULES}")
set(names "")
foreach(module IN LISTS modules)
  execute_process(COMMAND ${NM} -D ${module} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} -D ${module} failed")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    if(line MATCHES " [UWVuwv] ([^@ ]+)")
      list(APPEND names "${CMAKE_MATCH_1}")
    endif()
  endforeach()
endforeach()
list(REMOVE_DUPLICATES names)
list(SORT names)
set(text "{\n")
foreach(name IN LISTS names)
  string(APPEND text "  ${name};\n")
endforeach()
string(APPEND text "};\n")
file(WRITE ${OUT}.tmp "${text}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
