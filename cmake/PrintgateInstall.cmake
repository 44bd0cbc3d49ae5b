# PrintgateInstall.cmake - what is installed besides the programs (their
# install() rules sit next to their targets, in gateway/ and converters/):
# the systemd unit, the man pages, the example printgate.conf and the docs.
# docs/building.md "Installing" and docs/deployment.md describe the result.
#
# The example printgate.conf and the directive list of printgate.conf(5)
# are generated from the directive table (gateway/config.c) by running
# the freshly built printgated with a hidden option, so neither can drift
# from the table.  The man pages are written in scdoc (docs/man/*.scd).

include(GNUInstallDirs)

# Debian 12 keeps units in /lib/systemd/system (lintian refuses
# /usr/lib/systemd/system there); debian/rules sets this.
set(PRINTGATE_SYSTEMD_UNITDIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
    CACHE PATH "Where the systemd unit is installed")
set(PRINTGATE_SBINDIR "${CMAKE_INSTALL_FULL_SBINDIR}")
configure_file(${PROJECT_SOURCE_DIR}/docs/printgated.service.in
               ${PROJECT_BINARY_DIR}/printgated.service @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/printgated.service DESTINATION ${PRINTGATE_SYSTEMD_UNITDIR})

set(PG_GENERATE ${PROJECT_SOURCE_DIR}/cmake/PrintgateGenerate.cmake)

# The example configuration: every directive with its default, commented.
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/printgate.conf.example
  COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:printgated> -DOPTION=--print-config-example
          -DOUTPUT=${PROJECT_BINARY_DIR}/printgate.conf.example -P ${PG_GENERATE}
  DEPENDS printgated ${PG_GENERATE}
  COMMENT "Generating printgate.conf.example from the directive table")
set(PG_GENERATED ${PROJECT_BINARY_DIR}/printgate.conf.example)

# Man pages: printgate(1), printgate.conf(5), printgated(8).
find_program(SCDOC_PROGRAM scdoc)
set(PG_MAN_PAGES printgate.1 printgate.conf.5 printgated.8)
if(SCDOC_PROGRAM)
  foreach(page ${PG_MAN_PAGES})
    set(src ${PROJECT_SOURCE_DIR}/docs/man/${page}.scd)
    set(out ${PROJECT_BINARY_DIR}/man/${page})
    string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:printgated> -DOPTION=--print-config-scdoc
              -DTEMPLATE=${src} -DSCDOC=${SCDOC_PROGRAM} -DVERSION=${PROJECT_VERSION}
              -DOUTPUT=${out} -P ${PG_GENERATE}
      DEPENDS ${src} printgated ${PG_GENERATE}
      COMMENT "Generating the man page ${page}")
    list(APPEND PG_GENERATED ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
else()
  message(WARNING "scdoc not found (apt-get install scdoc, or scripts/deps.sh): the man pages are not built, and the man/pages test fails")
endif()
add_custom_target(printgate-docs ALL DEPENDS ${PG_GENERATED})

install(FILES ${PROJECT_BINARY_DIR}/printgate.conf.example RENAME printgate.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB PG_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PG_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# Web assets: the web portal's static files (web-upload/static) go to
# share/printgate/web, where the front-end looks first (WebRoot "").
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web-upload/static/ DESTINATION ${CMAKE_INSTALL_DATADIR}/printgate/web
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
