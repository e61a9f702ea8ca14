/* SPDX-License-Identifier: MIT */
/* What authtest and its service authsvc agree on. */
#ifndef AUTHTEST_H
#define AUTHTEST_H

#define AUTHSVC_CRASH 0x7a01u
#define AUTHSVC_REGISTER_DELAY_NS (300ull * 1000000ull)

#endif
