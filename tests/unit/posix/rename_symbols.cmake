# SPDX-License-Identifier: MIT
# cmake -DLD= -DNM= -DOBJCOPY= -DPREFIX= -DOBJECTS=a.o|b.o -DOUTPUT= -P this
# Links OBJECTS into one relocatable object and gives every global symbol it
# defines the prefix PREFIX, references included, so none of them can
# clash with or interpose the host's libc. Sanitizer symbols (__*) stay.
string(REPLACE "|" ";" objects "${OBJECTS}")
set(raw ${OUTPUT}.raw.o)
set(map ${OUTPUT}.map)
execute_process(COMMAND ${LD} -r -o ${raw} ${objects} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ld -r failed: ${rc}")
endif()
execute_process(COMMAND ${NM} -g --defined-only ${raw}
                OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed: ${rc}")
endif()
string(REPLACE "\n" ";" lines "${symbols}")
set(pairs "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-fA-F]* [A-Za-z] (.+)$")
    set(name ${CMAKE_MATCH_1})
    if(NOT name MATCHES "^__")
      string(APPEND pairs "${name} ${PREFIX}${name}\n")
    endif()
  endif()
endforeach()
file(WRITE ${map} "${pairs}")
execute_process(COMMAND ${OBJCOPY} --redefine-syms=${map} ${raw} ${OUTPUT}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "objcopy failed: ${rc}")
endif()
