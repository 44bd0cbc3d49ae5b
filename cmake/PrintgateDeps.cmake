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

pkg_check_modules(PG_SSL     REQUIRED IMPORTED_TARGET openssl>=3.0)
pkg_check_modules(PG_SQLITE  REQUIRED IMPORTED_TARGET sqlite3>=3.35)
pkg_check_modules(PG_ARGON2  REQUIRED IMPORTED_TARGET libargon2)
pkg_check_modules(PG_JSONC   REQUIRED IMPORTED_TARGET json-c)
pkg_check_modules(PG_MHD     REQUIRED IMPORTED_TARGET libmicrohttpd>=0.9.70)
pkg_check_modules(PG_QPDF    REQUIRED IMPORTED_TARGET libqpdf>=10)
pkg_check_modules(PG_AVAHI   REQUIRED IMPORTED_TARGET avahi-client)
pkg_check_modules(PG_SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
pkg_check_modules(PG_EXPAT   REQUIRED IMPORTED_TARGET expat)
pkg_check_modules(PG_CURL    REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(PG_QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
pkg_check_modules(PG_PNG     REQUIRED IMPORTED_TARGET libpng)

add_library(pg::ssl     ALIAS PkgConfig::PG_SSL)
add_library(pg::sqlite  ALIAS PkgConfig::PG_SQLITE)
add_library(pg::argon2  ALIAS PkgConfig::PG_ARGON2)
add_library(pg::jsonc   ALIAS PkgConfig::PG_JSONC)
add_library(pg::mhd     ALIAS PkgConfig::PG_MHD)
add_library(pg::qpdf    ALIAS PkgConfig::PG_QPDF)
add_library(pg::avahi   ALIAS PkgConfig::PG_AVAHI)
add_library(pg::seccomp ALIAS PkgConfig::PG_SECCOMP)
add_library(pg::expat   ALIAS PkgConfig::PG_EXPAT)
add_library(pg::curl    ALIAS PkgConfig::PG_CURL)
add_library(pg::qrencode ALIAS PkgConfig::PG_QRENCODE)
add_library(pg::png     ALIAS PkgConfig::PG_PNG)


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
