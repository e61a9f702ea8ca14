/* SPDX-License-Identifier: MIT */
/* What authtest and its service authsvc agree on. */
#ifndef AUTHTEST_H
#define AUTHTEST_H

#define AUTHSVC_CRASH 0x7a01u
/* Reply: port[0] a copy of authsvc's I/O capability (rights[1], which init
 * made for this instance), port[1] one it derived from it (port 0x80). */
#define AUTHSVC_GIVE_CAPS 0x7a02u
#define AUTHSVC_CAP_PORT 0x80u
#define AUTHSVC_REGISTER_DELAY_NS (300ull * 1000000ull)

#endif
