/*
 * text.h - small text helpers shared by the core, the converter helper and
 * the front-ends' parsers.
 */

#ifndef PRINTGATE_TEXT_H
#define PRINTGATE_TEXT_H

#include "base.h"

extern int gwHexValue(int c);   /* Value of a hex digit (0-9, a-f, A-F), or -1 */

#endif /* !PRINTGATE_TEXT_H */
