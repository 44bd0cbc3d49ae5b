/*
 * profile.h - what a person needs to add the gateway to a device: an
 * iOS/macOS configuration profile (.mobileconfig) carrying a token URL as
 * an AirPrint payload, and a QR code (PNG) of a printer or token URL.
 * The CLI (printgate mobileconfig, printgate qr) and, later, the web
 * portal serve the same bytes (docs/ipp.md "Adding the gateway").
 *
 * Pure functions: no system, no store; the caller makes the device and its
 * token URL (gwApiDeviceAdd(), gwApiDeviceUrl()).  A profile holds the
 * token: the caller wipes and frees it.
 */

#ifndef PRINTGATE_PROFILE_H
#define PRINTGATE_PROFILE_H

#include "base.h"

#define GW_PROFILE_QR_MAX_TEXT 1024     /* Longest text put in a QR code */

/*
 * An XML property list (UTF-8) for iOS 11+ / macOS: a Configuration payload
 * with one com.apple.airprint payload whose AirPrint array has one printer:
 * IPAddress (the URL's host), Port, ResourcePath (the URL's path, e.g.
 * /ipp/print/TOKEN) and ForceTLS true.  url is ipps://HOST[:PORT]/PATH
 * (port 631 when absent; [IPv6] hosts are kept bracket-less); display is
 * the profile's name as the device shows it.  Fresh random PayloadUUIDs
 * each time; PayloadIdentifiers "org.printgate.HOST.UUID" (+ ".airprint").
 * *profile is malloc'd, NUL-terminated, *profilelen its length.
 */
extern bool gwProfileMobileconfig(const char *url, const char *display, char **profile, size_t *profilelen, const char **error_r);

/* The QR matrix of text (8-bit mode, error correction M): width*width bytes,
   1 = dark module; *modules malloc'd. */
extern bool gwProfileQrMatrix(const char *text, unsigned char **modules, int *width, const char **error_r);

/* A grey-scale PNG of that matrix: 'scale' pixels per module (1 to 32),
   a 4-module quiet zone; *png malloc'd. */
extern bool gwProfileQrPng(const char *text, int scale, unsigned char **png, size_t *pnglen, const char **error_r);

#endif /* !PRINTGATE_PROFILE_H */
