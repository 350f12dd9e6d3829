/* libsysvipc: error codes. Every function returns 0 or a negative errno-style code. */
#ifndef SYSVIPC_ERROR_H
#define SYSVIPC_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* What a code (0 or negative) means, in the words of the .NET exceptions. Never NULL. */
const char *sysvipc_strerror(int code);
/* What the last failing call of this thread found (names the segment and the value), or "". */
const char *sysvipc_error_detail(void);

#ifdef __cplusplus
}
#endif
#endif
