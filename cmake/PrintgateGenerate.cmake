# PrintgateGenerate.cmake - run at build time (cmake -P) by
# PrintgateInstall.cmake:
#
#   -DPROGRAM=printgated -DOPTION=--print-config-example -DOUTPUT=FILE
#       FILE = what the daemon prints (the example printgate.conf).
#   -DPROGRAM=printgated -DOPTION=--print-config-scdoc -DTEMPLATE=PAGE.scd
#   -DSCDOC=scdoc -DVERSION=X.Y.Z -DOUTPUT=PAGE
#       PAGE = scdoc(TEMPLATE), where the template's @DIRECTIVES@ line is
#       replaced by what the daemon prints and @VERSION@ by the version.

cmake_minimum_required(VERSION 3.25)

execute_process(COMMAND ${PROGRAM} ${OPTION} OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} ${OPTION} failed (${rc})")
endif()

if(NOT TEMPLATE)
  file(WRITE ${OUTPUT}.tmp "${generated}")
  file(RENAME ${OUTPUT}.tmp ${OUTPUT})
  return()
endif()

file(READ ${TEMPLATE} text)
string(REPLACE "@DIRECTIVES@\n" "${generated}" text "${text}")
string(REPLACE "@VERSION@" "${VERSION}" text "${text}")
get_filename_component(dir ${OUTPUT} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
file(WRITE ${OUTPUT}.scd "${text}")
execute_process(COMMAND ${SCDOC} INPUT_FILE ${OUTPUT}.scd OUTPUT_FILE ${OUTPUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "scdoc failed on ${TEMPLATE} (${rc})")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
