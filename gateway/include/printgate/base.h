/*
 * base.h - common definitions for the Printgate core library.
 *
 * Every public header includes this one.  It holds the opaque object
 * typedefs, so headers can name each other's objects without including
 * each other, and the few macros the whole code base shares.
 */

#ifndef PRINTGATE_BASE_H
#define PRINTGATE_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef GW_VERSION                     /* CMake's project version (CMakeLists.txt) */
#  error "GW_VERSION is defined by the build (CMakeLists.txt: project(... VERSION ...))"
#endif

#define GW_FORMAT(a, b) __attribute__((format(printf, a, b)))

#define GW_UUID_LEN     36     /* Textual UUID length without the nul */
#define GW_DEFAULT_TENANT 1    /* The one tenant of a single-organisation install */

typedef struct _gw_log_s      gw_log_t;       /* Log sink (file or stderr) */
typedef struct _gw_config_s   gw_config_t;    /* Parsed configuration */
typedef struct _gw_keys_s     gw_keys_t;      /* Keys derived from the root key */
typedef struct _gw_spool_s    gw_spool_t;     /* Encrypted spool folder */
typedef struct _gw_store_s    gw_store_t;     /* Store (SQLite today) */
typedef struct _gw_listener_s gw_listener_t;  /* HTTPS listener + route table */
typedef struct _gw_system_s   gw_system_t;    /* The gateway: owns everything above */

#endif /* !PRINTGATE_BASE_H */
