# PrintgateDeps.cmake - find every dependency from Debian 12 packages.
#
# Imported targets: pg::ssl pg::sqlite pg::argon2 pg::jsonc pg::mhd pg::cups
# pg::qpdf pg::gs pg::etpan pg::ytnef pg::avahi pg::seccomp pg::expat pg::curl (the
# last five are for the converters, IPP Everywhere and mail issues; they are
# found now so a machine that builds today builds those too).  libcups has no cups.pc on
# Debian (cups-config is used), libgs has no .pc at all, and libetpan's .pc
# Libs line drags in no-PIE link specs, so those three are found by hand.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# pg_pkg(NAME MODULE): MODULE (with its version floor) found by pkg-config,
# as the imported target pg::NAME.
function(pg_pkg name module)
  string(TOUPPER "PG_${name}" prefix)
  pkg_check_modules(${prefix} REQUIRED IMPORTED_TARGET ${module})
  add_library(pg::${name} ALIAS PkgConfig::${prefix})
endfunction()

pg_pkg(ssl      openssl>=3.0)
pg_pkg(sqlite   sqlite3>=3.35)
pg_pkg(argon2   libargon2)
pg_pkg(jsonc    json-c)
pg_pkg(mhd      libmicrohttpd>=0.9.70)
pg_pkg(qpdf     libqpdf>=10)
pg_pkg(avahi    avahi-client)
pg_pkg(seccomp  libseccomp)
pg_pkg(expat    expat)
pg_pkg(curl     libcurl)
pg_pkg(qrencode libqrencode)
pg_pkg(png      libpng)


# libcups via cups-config
find_program(CUPS_CONFIG cups-config REQUIRED)
execute_process(COMMAND ${CUPS_CONFIG} --cflags OUTPUT_VARIABLE _cups_cflags OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${CUPS_CONFIG} --libs   OUTPUT_VARIABLE _cups_libs   OUTPUT_STRIP_TRAILING_WHITESPACE)
find_path(CUPS_INCLUDE_DIR cups/cups.h REQUIRED)
add_library(pg::cups INTERFACE IMPORTED)
separate_arguments(_cups_cflags UNIX_COMMAND "${_cups_cflags}")
separate_arguments(_cups_libs UNIX_COMMAND "${_cups_libs}")
target_include_directories(pg::cups INTERFACE ${CUPS_INCLUDE_DIR})
target_compile_options(pg::cups INTERFACE ${_cups_cflags})
target_link_libraries(pg::cups INTERFACE ${_cups_libs})

# libgs: no pkg-config file
find_path(GS_INCLUDE_DIR ghostscript/iapi.h REQUIRED)
find_library(GS_LIBRARY gs REQUIRED)
add_library(pg::gs UNKNOWN IMPORTED)
set_target_properties(pg::gs PROPERTIES IMPORTED_LOCATION ${GS_LIBRARY}
                      INTERFACE_INCLUDE_DIRECTORIES ${GS_INCLUDE_DIR})

# libetpan: not through its .pc (no-PIE link specs)
find_path(ETPAN_INCLUDE_DIR libetpan/libetpan.h REQUIRED)
find_library(ETPAN_LIBRARY etpan REQUIRED)
add_library(pg::etpan UNKNOWN IMPORTED)
set_target_properties(pg::etpan PROPERTIES IMPORTED_LOCATION ${ETPAN_LIBRARY}
                      INTERFACE_INCLUDE_DIRECTORIES ${ETPAN_INCLUDE_DIR})

# libytnef: TNEF (winmail.dat) in mail/mail-tnef.c
find_path(YTNEF_INCLUDE_DIR ytnef.h REQUIRED)
find_library(YTNEF_LIBRARY ytnef REQUIRED)
add_library(pg::ytnef UNKNOWN IMPORTED)
set_target_properties(pg::ytnef PROPERTIES IMPORTED_LOCATION ${YTNEF_LIBRARY}
                      INTERFACE_INCLUDE_DIRECTORIES ${YTNEF_INCLUDE_DIR})

# Tools the tests use
find_program(IPPEVEPRINTER ippeveprinter)
find_program(IPPTOOL ipptool)
find_program(CUPSD cupsd PATHS /usr/sbin)
find_program(AVAHI_DAEMON avahi-daemon PATHS /usr/sbin)
find_program(DBUS_DAEMON dbus-daemon)
